"""dist/ on a static host: with the headers the build writes for the common hosts (a
Netlify/Cloudflare Pages _headers file, an Apache .htaccess, an nginx snippet), and with none
at all, as GitHub Pages serves it (or a server that sends the WebAssembly as
application/octet-stream)."""

from __future__ import annotations

import http.server
import os
import re
import threading
from collections.abc import Iterator
from functools import partial

import pytest
from conftest import Site
from expected import EXAMPLES, numbers_match
from hosting import QuietHandler
from playwright.sync_api import Page, expect
from ui import Playground

import build

SLUG = "taskgroup-weather"
RUNAWAY = "print('spinning')\nwhile True:\n    pass\n"


def read_headers_file() -> dict[str, dict[str, str]]:
    """dist/_headers as Netlify and Cloudflare Pages read it: a path, then its indented
    `Name: value` lines."""
    rules: dict[str, dict[str, str]] = {}
    path = ""
    for line in (build.DIST / "_headers").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith(" "):
            name, _, value = line.strip().partition(": ")
            rules[path][name] = value
        else:
            path = line
            rules[path] = {}
    return rules


class BareHandler(QuietHandler):
    """A host that sends no header of the site's (GitHub Pages sends none of them), and the
    WebAssembly as application/octet-stream, on which a plain loadPyodide hangs."""

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        wasm = str(path).endswith(".wasm")
        return "application/octet-stream" if wasm else super().guess_type(path)


class HeadersFileHandler(BareHandler):
    """A static host that applies dist/_headers: "/*" to every path, others to their own.
    Its own types otherwise (the WebAssembly's wrong)."""

    rules = read_headers_file() if (build.DIST / "_headers").exists() else {}

    def end_headers(self) -> None:
        wanted = {**self.rules.get("/*", {}), **self.rules.get(self.path.split("?")[0], {})}
        for name, value in wanted.items():
            if name != "Content-Type":
                self.send_header(name, value)
        super().end_headers()

    def send_header(self, keyword: str, value: str) -> None:
        # The file's Content-Type for its paths wins over the host's own, as on those hosts.
        override = self.rules.get(self.path.split("?")[0], {}).get("Content-Type")
        super().send_header(keyword, override if keyword == "Content-Type" and override else value)


def serve(handler: type[http.server.SimpleHTTPRequestHandler]) -> Iterator[Site]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(handler, directory=str(build.DIST))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Site(f"http://localhost:{server.server_port}/")
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def with_headers_file() -> Iterator[Site]:
    yield from serve(HeadersFileHandler)


@pytest.fixture(scope="module")
def bare() -> Iterator[Site]:
    yield from serve(BareHandler)


def runs_the_lesson_and_stops(playground: Playground) -> None:
    # Once the page has loaded all it loads on a first visit (the spare worker, the snapshot,
    # from this test's own Python server): what is timed here is the host's serving, not a
    # first visit's loading. A run pressed during it (0.17 and 0.2 s late on a slow spell of
    # this machine, in both tests at once) is test_page's and test_snapshot's concern.
    playground.wait_for_spare()
    assert playground.run() == "finished"
    # The page tests' bar against CPython (test_page.py): 10% of the time, or 0.15 s.
    printed = playground.output.inner_text()
    assert numbers_match(EXAMPLES[SLUG].stdout, printed, rel=0.1, abs_=0.15) is None
    assert abs(playground.seconds_taken() - EXAMPLES[SLUG].seconds) < 0.15
    playground.type_code(RUNAWAY)
    playground.press_run()
    expect(playground.output).to_have_text("spinning")
    assert playground.stop() < 1.0


def test_every_host_file_carries_what_serve_sends() -> None:
    # The three files are written from one declaration; each must read back as the same
    # headers (quoting a policy full of quotes is where one would go wrong).
    wanted = build.site_headers()
    assert read_headers_file()["/*"] == wanted
    htaccess = (build.DIST / ".htaccess").read_text()
    assert dict(re.findall(r'^  Header always set (\S+) "(.*)"$', htaccess, re.M)) == wanted
    nginx = (build.DIST / "nginx.conf").read_text()
    assert dict(re.findall(r'^add_header (\S+) "(.*)" always;$', nginx, re.M)) == wanted
    for text in (htaccess, nginx, (build.DIST / "_headers").read_text()):
        assert "application/wasm" in text
    # Not the site's files: the service worker does not precache them.
    service_worker = (build.DIST / "sw.js").read_text()
    assert all(f'"{name}"' not in service_worker for name in build.host_files())


def test_with_the_headers_file_the_page_is_isolated_and_stops_in_place(
    page: Page, with_headers_file: Site
) -> None:
    # Cross-origin isolated, as under `build.py serve`: SharedArrayBuffer, so Stop
    # interrupts the program where it runs. The host's .wasm type is corrected by the file.
    playground = Playground(page).open(with_headers_file.url, query=f"example={SLUG}")
    expect(page.locator("body")).to_have_attribute("data-isolated", "yes")
    runs_the_lesson_and_stops(playground)


def test_without_any_header_the_page_runs_the_lesson_as_well(page: Page, bare: Site) -> None:
    # Not isolated (no SharedArrayBuffer), the policy from index.html's <meta> only, and the
    # WebAssembly as application/octet-stream: the same output and timing, and Stop still
    # within a second (it moves to the spare worker).
    playground = Playground(page).open(bare.url, query=f"example={SLUG}")
    expect(page.locator("body")).to_have_attribute("data-isolated", "no")
    runs_the_lesson_and_stops(playground)
