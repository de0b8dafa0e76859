"""Drives the playground through its UI, as a learner would: pick, type, Run, read Output."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from engines import END_STATES, STOP_TIMER
from playwright.sync_api import Frame, Keyboard, Locator, Page, expect

import build

# Records the Output pane's text at the very first moment <body data-state> reaches an end
# state after the current run (a MutationObserver runs before anything else can look).
WATCH_FIRST_END = """([before, ends]) => {
  window.firstEnd = null;
  const observer = new MutationObserver(() => {
    const { state, runs } = document.body.dataset;
    if (runs !== before && ends.includes(state)) {
      observer.disconnect();
      window.firstEnd = { state, output: document.getElementById("output").textContent };
    }
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ["data-state"] });
}"""

# Each value an attribute of the body took (data-state, data-spare), in order, even ones
# replaced before an observer could look.
WATCH_ATTRIBUTE = """(attribute) => {
  const before = [];
  const observer = new MutationObserver((records) => {
    before.push(...records.map((record) => record.oldValue));
  });
  observer.observe(document.body, {
    attributes: true, attributeFilter: [attribute], attributeOldValue: true,
  });
  window.statesSeen = () => {
    before.push(...observer.takeRecords().map((record) => record.oldValue));
    observer.disconnect();
    const states = [...before, document.body.getAttribute(attribute)];
    return states.filter((state, i) => state !== states[i - 1]);
  };
}"""

# The picker lists each example by its title, the first line of its docstring.
TITLES = {slug: build.read_example(slug)["title"] for slug in build.EXAMPLES}
# PLAYGROUND_START=snapshot: every page opened with Playground.open restores Python from the
# build's memory snapshot kept in the browser, as a second visit does; =fresh: none does
# (?snapshot=off), as on a slow line's first visit. Otherwise a page restores the snapshot it
# fetched, as a first visit on a fast line does.
FROM_SNAPSHOT = os.environ.get("PLAYGROUND_START") == "snapshot"
FRESH = os.environ.get("PLAYGROUND_START") == "fresh"


def keep_snapshot(page: Page, url: str) -> bool:
    """Puts the build's memory snapshot in the browser's Cache Storage, where a first visit's
    service worker keeps it: the page then restores Python from it. False if it is not kept."""
    # Any page of the site's will do; the playground's, since others make Chromium ask for a
    # /favicon.ico the site does not have. Left before Python has loaded.
    page.goto(url + "?snapshot=off", wait_until="domcontentloaded")
    kept: bool = page.evaluate(
        """async () => {
          await (await caches.open("test-snapshot")).add("snapshot.bin");
          return Boolean(await caches.match("snapshot.bin"));
        }"""
    )
    return kept


@dataclass
class Playground:
    # The playground's page, or the frame it is in on a host's page (open() needs a Page).
    page: Page | Frame

    @property
    def keyboard(self) -> Keyboard:
        # A frame has no keyboard of its own: its page's types into whatever has the focus.
        return self.page.page.keyboard if isinstance(self.page, Frame) else self.page.keyboard

    def open(self, url: str, *, jspi: bool = True, query: str = "") -> Playground:
        params = [
            p for p in (query, "" if jspi else "jspi=off", "snapshot=off" if FRESH else "") if p
        ]
        kept = FROM_SNAPSHOT and keep_snapshot(self.page, url)
        self.page.goto(url + ("?" + "&".join(params) if params else ""))
        # Loading Pyodide takes ~3 s here; a loaded CI machine gets room, a hang does not.
        expect(self.page.locator("body")).to_have_attribute("data-state", "ready", timeout=60_000)
        if kept:
            expect(self.page.locator("body")).to_have_attribute("data-snapshot", "restored")
        return self

    def open_unless_ready(self, url: str, *, jspi: bool = True) -> Playground:
        """In a tab shared by several tests: opens the playground, unless this tab already
        shows it able to run (so that a test which failed half-way does not fail the rest)."""
        assert isinstance(self.page, Page)
        if self.page.url.startswith(url) and self.state in ("ready", *END_STATES):
            return self
        return self.open(url, jspi=jspi)

    @property
    def output(self) -> Locator:
        return self.page.get_by_role("log", name="Output")

    @property
    def status(self) -> Locator:
        # By id: the code pane has a status region of its own (Reset's Undo, Share's link).
        return self.page.locator("#status")

    @property
    def state(self) -> str:
        return self.page.locator("body").get_attribute("data-state") or ""

    def pick(self, title: str) -> None:
        self.page.get_by_label("Example").select_option(label=title)

    def type_code(self, code: str) -> None:
        """Replaces the editor's text, as pasting would (no auto-indent on the way in)."""
        editor = self.page.get_by_label("Python code")
        editor.click()
        self.keyboard.press("ControlOrMeta+a")
        self.keyboard.insert_text(code)

    def press_run(self) -> None:
        """Presses Run and waits until the new run has started (it may already be over)."""
        before = self.page.locator("body").get_attribute("data-runs") or "0"
        self.page.get_by_role("button", name="Run", exact=True).click()
        self.page.wait_for_function("(before) => document.body.dataset.runs !== before", arg=before)

    def run(self) -> str:
        """Runs the code and waits for the end; returns the end state."""
        self.press_run()
        self.wait_until_done()
        return self.state

    def wait_until_done(self, timeout_ms: float = 60_000) -> None:
        self.page.wait_for_function(
            "states => states.includes(document.body.dataset.state)",
            arg=list(END_STATES),
            timeout=timeout_ms,
        )
        self.wait_for_drawing()

    def wait_for_drawing(self) -> None:
        """Waits one animation frame: the timeline and the Tasks table follow the run record
        once a frame, so a check made as the run ends may come before they show its end. (The
        Output pane is whole by then: it draws at once when a run ends.)"""
        self.page.evaluate("() => new Promise((drawn) => requestAnimationFrame(() => drawn()))")

    def seconds_taken(self) -> float:
        """The run's time as the status line reports it ("Finished in 1.50 s")."""
        text = self.status.inner_text()
        match = re.search(r"(\d+\.\d+) s", text)
        assert match, f"no time in the status line: {text!r}"
        return float(match.group(1))

    def stop(self) -> float:
        """Presses Stop and waits until the page says the run stopped; returns the seconds from
        the click to that, as a learner would feel them, timed by the page (engines.STOP_TIMER)."""
        self.page.evaluate(STOP_TIMER)
        self.page.get_by_role("button", name="Stop").click()
        took: float = self.page.evaluate("() => window.stopTook")
        self.wait_for_drawing()
        return took

    def wait_for_spare(self) -> None:
        """Waits until the spare worker (kept warm to replace a stuck or crashed one) loads."""
        # Loading takes seconds, and more on a loaded machine: expect()'s own 5 s default
        # failed here with the other core busy. The same room as loading the first worker.
        expect(self.page.locator("body")).to_have_attribute("data-spare", "ready", timeout=60_000)

    def run_timed(self, code: str) -> tuple[str, float]:
        """Types and runs `code`; returns the end state and the seconds from Run to it."""
        self.type_code(code)
        started = time.monotonic()
        self.press_run()
        self.wait_until_done()
        return self.state, time.monotonic() - started

    def states_through(
        self, *steps: Callable[[], object], attribute: str = "data-state"
    ) -> list[str]:
        """Every value body[data-state] (or another `attribute` of the body) passes through
        while `steps` run and until the page next reaches an end state, however briefly each
        was held."""
        self.page.evaluate(WATCH_ATTRIBUTE, attribute)
        for step in steps:
            step()
        self.wait_until_done()
        states: list[str] = self.page.evaluate("() => window.statesSeen()")
        return states

    def first_end(self, *steps: Callable[[], object]) -> dict[str, str]:
        """{state, output}: what the page shows at the very first end state of the next run,
        which `steps` bring about."""
        before = self.page.locator("body").get_attribute("data-runs") or "0"
        self.page.evaluate(WATCH_FIRST_END, [before, list(END_STATES)])
        for step in steps:
            step()
        self.page.wait_for_function("() => window.firstEnd !== null")
        seen: dict[str, str] = self.page.evaluate("() => window.firstEnd")
        return seen


def axe_violations(page: Page, selector: str | None = None) -> list[str]:
    """What axe-core (npm, pinned) finds against WCAG 2.1 A and AA and its best practices, in
    the element `selector` names or the whole page: one line per rule broken. The page's
    policy refuses the injected script: open `page` in a context with bypass_csp=True."""
    page.add_script_tag(path=build.NODE_MODULES / "axe-core/axe.min.js")
    results = page.evaluate(
        """(selector) => axe.run(selector ? document.querySelector(selector) : document, {
             runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] })""",
        selector,
    )
    return [
        f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']]})"
        for v in results["violations"]
    ]
