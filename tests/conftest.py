"""Fixtures for the browser tests: the built site served on a free port, one Chromium per
session, and a fresh page per test that fails the test on any unexpected console or page error
(or a tab several tests share, `open_tab`, where a page's start is not what they test).

Run through `python3 build.py test`, which builds dist/ and picks the browser.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import engines
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

import build

ROOT = Path(__file__).resolve().parents[1]

# Loading Pyodide takes ~3 s on this machine; a slow CI machine gets room, a hang does not.
LOAD_TIMEOUT_MS = 60_000
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    # Without these Chromium keeps dialling Google's hosts, which a closed network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Site:
    url: str


def _serve(isolated: bool) -> Iterator[Site]:
    if not (build.DIST / "index.html").exists():
        pytest.fail("dist/ is not built: run the tests with `python3 build.py test`")
    server = build.make_server(0, isolated=isolated, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Site(f"http://localhost:{server.server_port}/")
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    """Served with COOP/COEP, as `build.py serve` does: cross-origin isolated."""
    yield from _serve(isolated=True)


@pytest.fixture(scope="session")
def plain_site() -> Iterator[Site]:
    """Served without COOP/COEP, as inside an LMS iframe: no SharedArrayBuffer."""
    yield from _serve(isolated=False)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    executable = os.environ.get("PLAYGROUND_CHROMIUM")
    if executable is None and build.SYSTEM_CHROMIUM.exists():
        executable = str(build.SYSTEM_CHROMIUM)
    browser = playwright_instance.chromium.launch(
        executable_path=executable or None, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def engine_named(
    playwright_instance: Playwright, browser: Browser
) -> Iterator[Callable[[str], engines.Engine]]:
    """The session's Chromium, and Firefox and WebKit, each launched when a test first asks
    for it (engines.py)."""
    launched = {"chromium": engines.Engine("chromium", browser)}
    with contextlib.ExitStack() as stack:

        def named(name: str) -> engines.Engine:
            if name not in launched:
                screen = engines.virtual_screen() if name == "webkit" else None
                display = stack.enter_context(screen) if screen else None
                launched[name] = engines.launch(playwright_instance, name, display)
                if launched[name].browser is not None:
                    stack.callback(launched[name].browser.close)
            return launched[name]

        yield named


@dataclass
class PageErrors:
    """Console errors and page errors seen during a test; any not expected fails it."""

    seen: list[str] = field(default_factory=list)
    expected: list[re.Pattern[str]] = field(default_factory=list)

    def expect(self, pattern: str) -> None:
        self.expected.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.seen if not any(p.search(e) for p in self.expected)]

    def watch(self, page: Page) -> None:
        """Records `page`'s console errors and page errors (any page of the test's)."""

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.seen.append(f"console: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.seen.append(f"page error: {error}"))


@dataclass
class Tab:
    """One page kept open across several tests of a module, as a learner keeps a tab open and
    runs one program after another: where a page's start is not what a test is about, it
    need not pay for one."""

    page: Page
    errors: PageErrors

    @contextlib.contextmanager
    def test(self) -> Iterator[Page]:
        """One test's turn: it fails on a console or page error of its own."""
        seen = len(self.errors.seen)
        yield self.page
        own = PageErrors(self.errors.seen[seen:], self.errors.expected)
        assert not own.unexpected(), "\n".join(own.unexpected())


@contextlib.contextmanager
def open_tab(browser: Browser) -> Iterator[Tab]:
    """A tab in a context of its own (no service worker, as the `page` fixture's)."""
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    page.set_default_timeout(LOAD_TIMEOUT_MS)
    errors = PageErrors()
    errors.watch(page)
    yield Tab(page, errors)
    context.close()


@pytest.fixture
def page_errors() -> PageErrors:
    return PageErrors()


@pytest.fixture
def page(
    browser: Browser, page_errors: PageErrors, request: pytest.FixtureRequest
) -> Iterator[Page]:
    # The service worker precaches 13 MB after every first load; only the tests about it
    # (marked allow_service_worker) pay for that.
    allow = request.node.get_closest_marker("allow_service_worker") is not None
    context = browser.new_context(service_workers="allow" if allow else "block")
    page = context.new_page()
    page.set_default_timeout(LOAD_TIMEOUT_MS)
    page_errors.watch(page)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        shots = ROOT / "test-results"
        shots.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        page.screenshot(path=shots / f"{name}.png")
    context.close()
    assert not page_errors.unexpected(), "\n".join(page_errors.unexpected())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    # Lets the page fixture see whether the test failed, to keep a screenshot of it.
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report
