"""The browser engines learners use, each driven the way this machine can drive it, behind one
small interface (`Tab`), and the playground's page as a learner uses it in any of them.

- Chromium: Playwright (its own build where `playwright install` put one, else Debian's).
- Firefox: Playwright, its own Firefox where installed, else Debian's Firefox ESR over WebDriver
  BiDi (`channel="moz-firefox"`).
- WebKit, Safari's engine: Playwright's own WebKit where installed, else Debian's WebKitGTK
  (its MiniBrowser, through WebKitWebDriver and Selenium) on a virtual screen (Xvfb): WebKitGTK
  has no headless mode.

WebKitGTK is started with JavaScriptCore's SharedArrayBuffer switched on, as Safari ships it:
Safari gives a cross-origin isolated page SharedArrayBuffer, WebKitGTK 2.50 gives it none
unless asked (checked here: `typeof SharedArrayBuffer` is "undefined" in an isolated page
without the switch). The page only uses it where `crossOriginIsolated` is true, so the
not-isolated runs take Safari's path too.

And with its accelerated compositing off (`WEBKIT_DISABLE_COMPOSITING_MODE`), as Chromium and
Firefox run headless: on Xvfb there is no GPU, and the MiniBrowser composited every frame with
Mesa's software OpenGL (llvmpipe), two threads that took 0.5 to 1.1 s of CPU in a 1 s run of
2,000 tasks (thread CPU times from /proc, 7 December): on this machine's two cores, a third of
its time taken from the program, which a Mac or iPad, compositing on its GPU, does not pay.
The traced 2,000 x `sleep(0.05)` took 0.65 to 0.71 s with it and 0.46 s without (medians of
10 and 12 runs, one sitting). The page draws the same either way.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import socket
import subprocess
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from playwright.sync_api import Browser, Page, Playwright

ENGINES = ("chromium", "firefox", "webkit")
DEBIAN_FIREFOX = Path("/usr/bin/firefox-esr")
DEBIAN_WEBKIT_DRIVER = Path("/usr/bin/WebKitWebDriver")
DEBIAN_MINIBROWSER = Path("/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser")
# Loading Python takes 3 to 12 s across engines here; a loaded CI machine gets room.
LOAD_TIMEOUT_S = 90


class Tab(Protocol):
    """One page of one engine. `function` arguments are JavaScript function expressions, called
    with `arg`; an async one is awaited."""

    engine: str

    def goto(self, url: str) -> None: ...
    def js(self, function: str, arg: Any = None) -> Any: ...
    def wait(self, function: str, arg: Any = None, timeout_s: float = LOAD_TIMEOUT_S) -> Any: ...
    def click(self, css: str) -> None: ...
    def select(self, css: str, value: str) -> None: ...
    def wait_in_frame(self, css: str, function: str) -> Any: ...
    def close(self) -> None: ...


@dataclass
class PlaywrightTab:
    engine: str
    page: Page

    def goto(self, url: str) -> None:
        self.page.goto(url)

    def js(self, function: str, arg: Any = None) -> Any:
        return self.page.evaluate(function, arg)

    def wait(self, function: str, arg: Any = None, timeout_s: float = LOAD_TIMEOUT_S) -> Any:
        # Checked every animation frame, so a wait measures no polling step.
        handle = self.page.wait_for_function(
            function, arg=arg, timeout=timeout_s * 1000, polling="raf"
        )
        return handle.json_value()

    def click(self, css: str) -> None:
        self.page.locator(css).click()

    def select(self, css: str, value: str) -> None:
        self.page.locator(css).select_option(value=value)

    def wait_in_frame(self, css: str, function: str) -> Any:
        """`wait` in the document of the frame `css` names (another origin's, say)."""
        handle = self.page.locator(css).element_handle()
        frame = handle.content_frame() if handle else None
        assert frame is not None, css
        found = frame.wait_for_function(function, timeout=LOAD_TIMEOUT_S * 1000, polling="raf")
        return found.json_value()

    def close(self) -> None:
        self.page.context.close()


@dataclass
class WebDriverTab:
    engine: str
    driver: Any  # selenium.webdriver.WebKitGTK

    def goto(self, url: str) -> None:
        self.driver.get(url)

    def js(self, function: str, arg: Any = None) -> Any:
        # WebDriver's Execute Script awaits a promise the script returns.
        return self.driver.execute_script(f"return ({function})(arguments[0]);", arg)

    def wait(self, function: str, arg: Any = None, timeout_s: float = LOAD_TIMEOUT_S) -> Any:
        # The condition is checked in the page on every animation frame, as Playwright's
        # polling="raf" does; WebDriver's script timeout bounds the wait.
        self.driver.set_script_timeout(timeout_s)
        return self.driver.execute_async_script(
            f"""const [arg, done] = arguments;
            const condition = ({function});
            const check = async () => {{
              const value = await condition(arg);
              if (value) done(value); else requestAnimationFrame(check);
            }};
            check();""",
            arg,
        )

    def click(self, css: str) -> None:
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.CSS_SELECTOR, css).click()

    def select(self, css: str, value: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.select import Select

        Select(self.driver.find_element(By.CSS_SELECTOR, css)).select_by_value(value)

    def wait_in_frame(self, css: str, function: str) -> Any:
        from selenium.webdriver.common.by import By

        self.driver.switch_to.frame(self.driver.find_element(By.CSS_SELECTOR, css))
        try:
            return self.wait(function)
        finally:
            self.driver.switch_to.default_content()

    def close(self) -> None:
        self.driver.quit()


def share_payload(code: str) -> str:
    """What the page's Share button puts after #code=: raw deflate, base64url, unpadded."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = deflate.compress(code.encode()) + deflate.flush()
    return base64.urlsafe_b64encode(packed).decode().rstrip("=")


@contextmanager
def virtual_screen() -> Iterator[str]:
    """An X display for a browser with no headless mode: the one there is, else Xvfb's."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    xvfb = shutil.which("Xvfb")
    assert xvfb, "WebKitGTK needs a display: install xvfb (python3 build.py test does, as root)"
    read, write = os.pipe()
    # -displayfd: Xvfb picks a free display and writes its number once it is ready.
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as numbers:
        display = f":{numbers.readline().strip()}"
    try:
        yield display
    finally:
        server.terminate()
        server.wait()


def playwright_has_own(playwright: Playwright, engine: str) -> bool:
    """Whether `playwright install <engine>` has put Playwright's own build here."""
    try:
        return Path(getattr(playwright, engine).executable_path).exists()
    except Exception:  # no build for this platform
        return False


@dataclass
class Engine:
    """Opens tabs of one engine: `open_tab()` gives a fresh profile each time."""

    name: str
    browser: Browser | None = None  # Playwright's, where Playwright drives it
    display: str | None = None  # for WebKitGTK

    def open_tab(self, *, service_workers: bool = False) -> Tab:
        if self.browser is not None:
            context = self.browser.new_context(
                service_workers="allow" if service_workers else "block"
            )
            page = context.new_page()
            page.set_default_timeout(LOAD_TIMEOUT_S * 1000)
            return PlaywrightTab(self.name, page)
        return WebDriverTab(self.name, start_webkitgtk(self.display or ""))


# WebKitWebDriver once waited for a MiniBrowser that never came up, and Selenium's request for
# the session, which has no timeout of its own, hung the test run at a test's start (a
# fresh-clone run here, 7 December; MiniBrowser comes up in seconds otherwise). A session not
# made in this long is given up, and the start tried once more.
SESSION_WITHIN_S = 60
# Every later request: longer than the longest wait for a script of the tests' and the
# benchmark's (120 s), so that no request can hang the run either.
REQUEST_WITHIN_S = 180


def start_webkitgtk(display: str) -> Any:
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.webkitgtk.options import Options
    from urllib3.exceptions import HTTPError

    options = Options()
    options.binary_location = str(DEBIAN_MINIBROWSER)
    options.add_argument("--automation")
    env = {
        **os.environ,
        "DISPLAY": display,
        "JSC_useSharedArrayBuffer": "true",
        "WEBKIT_DISABLE_COMPOSITING_MODE": "1",
    }
    try:
        driver = _webkitgtk_session(options, env)
    except (WebDriverException, HTTPError, OSError):
        driver = _webkitgtk_session(options, env)
    driver.command_executor.client_config.timeout = REQUEST_WITHIN_S
    driver.set_page_load_timeout(LOAD_TIMEOUT_S)
    return driver


def _webkitgtk_session(options: Any, env: dict[str, str]) -> Any:
    from selenium import webdriver
    from selenium.webdriver.webkitgtk.service import Service

    # Selenium takes its requests' timeout from the socket module's default as it makes the
    # driver; WebKitGTK's driver stops its service when the session cannot be made.
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(SESSION_WITHIN_S)
    try:
        return webdriver.WebKitGTK(
            options=options, service=Service(str(DEBIAN_WEBKIT_DRIVER), env=env)
        )
    finally:
        socket.setdefaulttimeout(previous)


def launch(playwright: Playwright, name: str, display: str | None) -> Engine:
    """Engine `name` as this machine has it (see the module's docstring)."""
    if name == "firefox":
        if playwright_has_own(playwright, "firefox"):
            return Engine(name, playwright.firefox.launch())
        assert DEBIAN_FIREFOX.exists(), "no Firefox: python3 build.py test installs firefox-esr"
        browser = playwright.firefox.launch(
            channel="moz-firefox", executable_path=str(DEBIAN_FIREFOX), headless=True
        )
        return Engine(name, browser)
    if name == "webkit":
        if playwright_has_own(playwright, "webkit"):
            return Engine(name, playwright.webkit.launch())
        assert DEBIAN_WEBKIT_DRIVER.exists(), (
            "no WebKit: python3 build.py test installs webkit2gtk-driver"
        )
        return Engine(name, display=display)
    raise ValueError(name)


END_STATES = ("finished", "failed", "stopped")
SPARE_LOADED = "() => document.body.dataset.spare === 'ready'"
# Times Stop as a learner feels it, in the page, in any engine: from the moment the browser
# took the click (the event's timeStamp, so a busy page's delay in handling it counts) to the
# page saying the run stopped. Called before the click; `window.stopTook` is then a promise of
# the seconds. Timed from the driver it also counted the driver's own steps: Playwright's
# checks before it clicks (0.3 to 0.5 s while the page draws a live run), WebDriver's round
# trips (up to 0.2 s), which no learner waits for.
STOP_TIMER = """() => {
  const button = document.getElementById("stop");
  window.stopTook = new Promise((resolve) => {
    button.addEventListener("click", (event) => {
      new MutationObserver((_, observer) => {
        if (document.body.dataset.state !== "stopped") return;
        observer.disconnect();
        resolve((performance.now() - event.timeStamp) / 1000);
      }).observe(document.body, { attributes: true, attributeFilter: ["data-state"] });
    }, { once: true, capture: true });
  });
}"""


@dataclass
class Learner:
    """The playground's page in one tab, used as a learner uses it: code opened from a share
    link (pasted into the address bar of the open tab), Run and Stop pressed, the Output pane
    and the status line read."""

    tab: Tab
    url: str

    def open(self, query: str = "") -> Learner:
        """Opens the page and waits until it is ready, and then until the spare worker has
        loaded in the background: a learner reads the example before pressing Run. (WebKit
        compiles Python's hot paths in a page's first seconds: a run at once measured 0.16 to
        0.34 s late, one after the spare had loaded on CPython's time.)"""
        self.tab.goto(self.url + (f"?{query}" if query else ""))
        self.tab.wait("() => ['ready', 'failed'].includes(document.body.dataset.state)")
        assert self.state == "ready", self.status
        self.tab.wait(SPARE_LOADED)
        return self

    @property
    def state(self) -> str:
        return str(self.tab.js("() => document.body.dataset.state"))

    @property
    def status(self) -> str:
        return str(self.tab.js("() => document.getElementById('status').textContent"))

    @property
    def output(self) -> str:
        return str(self.tab.js("() => document.getElementById('output').innerText"))

    def body(self, name: str) -> str:
        return str(self.tab.js("(name) => document.body.dataset[name] ?? ''", name))

    def paste_link(self, code: str) -> None:
        """Opens `code` as a share link pasted into this tab: the page shows it, unrun."""
        fragment = "#code=" + share_payload(code)
        if self.tab.js("() => location.hash") == fragment:
            return  # the same link again: the browser sees no change, and the code is shown
        before = self.tab.js("() => document.querySelector('.cm-content').innerText")
        self.tab.js("(fragment) => { location.hash = fragment; }", fragment)
        self.tab.wait(
            "(before) => document.querySelector('.cm-content').innerText !== before", before
        )

    def pick(self, value: str) -> None:
        """Picks an example (its slug) or an exercise ("exercise:<slug>") in the picker."""
        self.tab.select("#example", value)

    def press_run(self) -> None:
        """Presses Run and waits until the new run has started (it may already be over)."""
        before = self.body("runs") or "0"
        self.tab.click("#run")
        self.tab.wait("(before) => document.body.dataset.runs !== before", before)

    def wait_until_done(self, timeout_s: float = LOAD_TIMEOUT_S) -> str:
        self.tab.wait(
            "(ends) => ends.includes(document.body.dataset.state)", list(END_STATES), timeout_s
        )
        return self.state

    def run(self, code: str | None = None) -> str:
        """Runs `code` (or what the editor shows) to its end; returns the end state."""
        if code is not None:
            self.paste_link(code)
        self.press_run()
        return self.wait_until_done()

    def stop(self) -> float:
        """Presses Stop; returns the seconds from the click to the page saying the run
        stopped, timed by the page (:data:`STOP_TIMER`)."""
        self.tab.js(STOP_TIMER)
        self.tab.click("#stop")
        return float(self.tab.js("() => window.stopTook"))

    def run_and_stop(self, code: str) -> float:
        """Runs `code`, a program that prints "started" and never ends, and stops it once it
        has printed that, with the spare worker (Stop's last step) loaded as it would be for a
        learner who read the code first; returns :meth:`stop`'s seconds."""
        self.tab.wait(SPARE_LOADED)
        self.paste_link(code)
        self.press_run()
        self.tab.wait("() => document.getElementById('output').innerText.includes('started')")
        return self.stop()

    def seconds_taken(self) -> float:
        match = re.search(r"(\d+\.\d+) s", self.status)
        assert match, f"no time in the status line: {self.status!r}"
        return float(match.group(1))
