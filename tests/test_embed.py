"""Embedded in a course page: a host page on another origin (another port), sending no
COOP/COEP, frames the playground with ?embed=1 and drives it only through the host API's
messages, as an LMS page would."""

from __future__ import annotations

import contextlib
import http.server
import re
import shutil
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from conftest import Site
from expected import EXAMPLES, numbers_match
from playwright.sync_api import Frame, Page, expect

import build

PROTOCOL = {"protocol": "asyncio-playground", "version": 1}

# The host: frames the playground, keeps every message it hears, and sends commands. A second
# frame (not the playground's parent) can send commands too: they must be ignored.
HOST_PAGE = """<!DOCTYPE html>
<html lang="en"><meta charset="utf-8"><title>A course page</title>
<h1>Lesson 3</h1>
<iframe id="playground" title="asyncio playground" style="width: 100%; border: 0"
        src="{src}"></iframe>
<script>
  window.heard = [];
  addEventListener("message", (event) => {{
    if (event.source !== document.getElementById("playground").contentWindow) return;
    window.heard.push(event.data);
    if (event.data?.type === "resize") {{
      document.getElementById("playground").style.height = event.data.height + "px";
    }}
  }});
  window.send = (message) => document.getElementById("playground").contentWindow
      .postMessage({{ protocol: "asyncio-playground", version: 1, ...message }}, "*");
</script>
</html>
"""


@pytest.fixture(scope="module")
def host(plain_site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The host page's URL, on an origin of its own."""
    root = tmp_path_factory.mktemp("host")
    (root / "index.html").write_text(HOST_PAGE.format(src=f"{plain_site.url}?embed=1"))
    handler = partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # 127.0.0.1 where the playground is on localhost: another origin.
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def heard(page: Page, kind: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = page.evaluate("() => window.heard")
    return [m for m in messages if m.get("type") == kind]


def wait_for(page: Page, kind: str, count: int = 1, timeout_ms: float = 60_000) -> dict[str, Any]:
    """The `count`-th message of `kind` the host heard (waiting for it)."""
    page.wait_for_function(
        "([kind, count]) => window.heard.filter((m) => m.type === kind).length >= count",
        arg=[kind, count],
        timeout=timeout_ms,
    )
    return heard(page, kind)[count - 1]


def playground(page: Page) -> Frame:
    handle = page.locator("#playground").element_handle()
    frame = handle.content_frame() if handle else None
    assert frame is not None
    return frame


@pytest.fixture(scope="module")
def hosted(host: str, browser: Any) -> Iterator[Page]:
    """One host page for the module's tests: each drives its own runs."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(host)
    wait_for(page, "ready")
    yield page
    context.close()


def run(page: Page, code: str) -> dict[str, Any]:
    before = len(heard(page, "result"))
    page.evaluate("(code) => window.send({ type: 'set-code', code })", code)
    page.evaluate("() => window.send({ type: 'run' })")
    return wait_for(page, "result", before + 1)


def test_the_host_hears_ready_and_states(hosted: Page) -> None:
    assert heard(hosted, "ready") == [{**PROTOCOL, "type": "ready"}]
    answers = len(heard(hosted, "state"))
    hosted.evaluate("() => window.send({ type: 'get-state' })")
    state = wait_for(hosted, "state", answers + 1)
    assert state == {**PROTOCOL, "type": "state", "state": "ready"}
    # No site header in embed mode, and a way to the full page with the same code.
    frame = playground(hosted)
    expect(frame.get_by_role("heading", name="asyncio playground")).to_be_hidden()
    # The panes in their order: the output beside the code, the timeline after both.
    output = frame.get_by_role("region", name="Output").bounding_box()
    timeline = frame.get_by_role("region", name="Timeline").bounding_box()
    assert output and timeline and output["y"] + output["height"] <= timeline["y"]
    expect(frame.get_by_role("link", name="Open in the playground")).to_have_attribute(
        "href", re.compile(r"^http://localhost:\d+/(\?example=[a-z-]+)?#code=")
    )


@pytest.mark.parametrize("slug", list(EXAMPLES))
def test_every_lesson_example_runs_as_on_cpython(hosted: Page, slug: str) -> None:
    # Not cross-origin isolated: no SharedArrayBuffer, and time.sleep still blocks as CPython's.
    source = (build.ROOT / "py/examples" / f"{slug}.py").read_text(encoding="utf-8")
    result = run(hosted, source)
    expected = EXAMPLES[slug]
    assert result["status"] == "finished", result
    # The lesson's sleeps, late by a busy machine's timers: the tolerance the page tests use.
    assert numbers_match(expected.stdout, result["stdout"], rel=0.1, abs_=0.15) is None
    assert abs(result["elapsed"] - expected.seconds) < 0.15 + 0.05 * expected.seconds
    assert result["tasks"] and all(
        t["state"] in ("done", "failed", "cancelled") for t in result["tasks"]
    )


def test_stop_ends_a_runaway_program_within_a_second(hosted: Page) -> None:
    results = len(heard(hosted, "result"))
    states = len(heard(hosted, "state"))
    runaway = "print('spinning')\nwhile True:\n    pass\n"
    hosted.evaluate("(code) => window.send({ type: 'set-code', code })", runaway)
    hosted.evaluate("() => window.send({ type: 'run' })")
    assert wait_for(hosted, "state", states + 1)["state"] == "running"
    # Spinning (the host cannot see output before the result; the test looks into the frame).
    expect(playground(hosted).get_by_role("log", name="Output")).to_have_text("spinning")
    started = time.monotonic()
    hosted.evaluate("() => window.send({ type: 'stop' })")
    result = wait_for(hosted, "result", results + 1)
    # Not cross-origin isolated: no interrupt buffer, so Stop moves to the spare worker.
    assert time.monotonic() - started < 1.0
    assert result["status"] == "stopped"
    assert result["stdout"] == "spinning\n"


def test_resize_follows_the_content(hosted: Page) -> None:
    sizes = [m["height"] for m in heard(hosted, "resize")]
    frame = playground(hosted)
    height = frame.evaluate("() => document.documentElement.scrollHeight")
    assert sizes and sizes[-1] == height
    # Canvas's own message rides along.
    lti = hosted.evaluate("() => window.heard.filter((m) => m.subject === 'lti.frameResize')")
    assert lti and lti[-1]["height"] == height
    # The host sized its frame to each: the content did not grow with the frame (a layout
    # sized by the frame's height would have sent a new, larger height every time).
    assert hosted.locator("#playground").evaluate("(f) => f.offsetHeight") == height
    assert len(sizes) < 20, sizes


def test_commands_from_another_window_are_ignored(hosted: Page) -> None:
    run(hosted, "print('ran')\n")
    # Another frame of the host's, not the playground's parent, says "run".
    hosted.evaluate(
        """() => {
          const other = document.createElement("iframe");
          document.body.append(other);
          const target = document.getElementById("playground").contentWindow;
          other.contentWindow.Function("target", `target.postMessage(
            { protocol: "asyncio-playground", version: 1, type: "run" }, "*")`)(target);
        }"""
    )
    # Taken in order: had the run been accepted, the answer to get-state would say running.
    answers = len(heard(hosted, "state"))
    hosted.evaluate("() => window.send({ type: 'get-state' })")
    assert wait_for(hosted, "state", answers + 1)["state"] == "finished"
    hosted.evaluate("() => window.send({ type: 'no-such-command' })")
    error = wait_for(hosted, "error")
    assert error["command"] == "no-such-command" and "not a command" in error["message"]


@pytest.mark.parametrize("listed", [True, False], ids=["host-listed", "host-not-listed"])
def test_embed_origins_answer_only_the_hosts_listed(
    browser: Any, tmp_path: Path, listed: bool
) -> None:
    # The site built with --embed-origins (index.html as build.py writes it, into a copy of
    # dist/), and a host page on an origin that is on the list or not.
    site_root, host_root = tmp_path / "site", tmp_path / "host"
    shutil.copytree(build.DIST, site_root)
    host_root.mkdir()
    with serving(site_root, isolated=False) as site_url, serving(host_root) as host_url:
        origins = [host_url.rstrip("/") if listed else "https://lms.example"]
        (site_root / "index.html").write_bytes(build.index_page(origins))
        (host_root / "index.html").write_text(HOST_PAGE.format(src=f"{site_url}?embed=1"))
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(host_url)
            frame = page.frames[1]
            expect(frame.locator("body")).to_have_attribute("data-state", "ready", timeout=60_000)
            page.evaluate("() => window.send({ type: 'get-state' })")
            if listed:
                wait_for(page, "state")
            else:
                # The frame is ready, answers nothing, and takes no command: once the frame has
                # had the host's run (a listener of the test's own, added after the page's,
                # sees it), nothing has started.
                frame.evaluate(
                    """() => addEventListener("message", (event) => {
                         window.had = event.data.type;
                         window.stateThen = document.body.dataset.state;
                       }, { once: true })"""
                )
                page.evaluate("() => window.send({ type: 'run' })")
                frame.wait_for_function("() => window.had === 'run'")
                assert frame.evaluate("() => window.stateThen") == "ready"
                assert frame.evaluate("() => document.body.dataset.state") == "ready"
                assert page.evaluate("() => window.heard") == []
        finally:
            context.close()


@contextlib.contextmanager
def serving(root: Path, isolated: bool | None = None) -> Iterator[str]:
    """Serves `root` on a port of its own: the site's server (`isolated` given) or a plain
    one (a host page); yields its URL."""
    if isolated is None:
        handler = partial(QuietHandler, directory=str(root))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        url = f"http://127.0.0.1:{server.server_port}/"
    else:
        server = build.make_server(0, isolated=isolated, quiet=True, directory=root)
        url = f"http://localhost:{server.server_port}/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()


def test_the_host_hears_the_learners_progress(hosted: Page, plain_site: Site) -> None:
    # Last: it points the frame at an exercise.
    readies = len(heard(hosted, "ready"))
    hosted.locator("#playground").evaluate(
        "(frame, src) => { frame.src = src; }", f"{plain_site.url}?embed=1&exercise=gather"
    )
    wait_for(hosted, "ready", readies + 1)
    playground(hosted).get_by_role("button", name="Show a hint").click()
    progress = wait_for(hosted, "progress")
    assert progress["passed"] == 0 and progress["total"] == 6
    gather = next(e for e in progress["exercises"] if e["slug"] == "gather")
    assert gather == {"slug": "gather", "passed": False, "attempts": 0, "hints": 1}
