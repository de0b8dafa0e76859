"""The run record as the page's one owner of state: what anyone watching the page sees when a
run ends is all of that run."""

from __future__ import annotations

from collections.abc import Callable

from conftest import Site
from playwright.sync_api import Page, expect
from ui import END_STATES, Playground

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

PRINTS = """\
import asyncio

async def main():
    for i in range(5):
        print("line", i)
    await asyncio.sleep(0)
    print("alive")

asyncio.run(main())
"""

STOPPED = """\
import asyncio

async def main():
    try:
        print("started", flush=True)
        await asyncio.sleep(10)
    finally:
        print("alive")

asyncio.run(main())
"""


def first_end(playground: Playground, *steps: Callable[[], object]) -> dict[str, str]:
    """What the page shows at the first end state of the next run, which `steps` bring."""
    page = playground.page
    before = page.locator("body").get_attribute("data-runs") or "0"
    page.evaluate(WATCH_FIRST_END, [before, list(END_STATES)])
    for step in steps:
        step()
    page.wait_for_function("() => window.firstEnd !== null")
    seen: dict[str, str] = page.evaluate("() => window.firstEnd")
    return seen


def test_the_first_end_state_seen_comes_with_all_of_the_runs_output(page: Page, site: Site) -> None:
    playground = Playground(page).open(site.url)
    playground.type_code(PRINTS)
    for _ in range(20):
        seen = first_end(playground, playground.press_run)
        assert seen == {
            "state": "finished",
            "output": "".join(f"line {i}\n" for i in range(5)) + "alive\n",
        }
    playground.type_code(STOPPED)
    for _ in range(20):
        seen = first_end(
            playground,
            playground.press_run,
            playground.output.get_by_text("started").wait_for,
            page.get_by_role("button", name="Stop").click,
        )
        assert seen == {"state": "stopped", "output": "started\nalive\nStopped.\n"}


def test_an_unknown_option_or_a_bad_value_gets_a_line_and_nothing_breaks(
    page: Page, site: Site
) -> None:
    playground = Playground(page).open(
        site.url, query="jspi=maybe&colour=blue&example=gather-weather"
    )
    notice = page.get_by_role("status", name="About this page")
    expect(notice).to_contain_text("jspi=maybe was ignored: it takes on or off.")
    expect(notice).to_contain_text('option "colour" is not one this page knows')
    # The good option still counts, and the page runs.
    expect(page.get_by_label("Example")).to_have_value("gather-weather")
    assert playground.run() == "finished"


def test_the_downloaded_trace_is_named_after_the_code_that_ran(page: Page, site: Site) -> None:
    playground = Playground(page).open(site.url, query="example=create-task-basics")
    names = []
    for edit in (False, True):
        if edit:
            playground.type_code("import asyncio\nasyncio.run(asyncio.sleep(0))\n")
        assert playground.run() == "finished"
        with page.expect_download() as download:
            page.get_by_role("button", name="Download trace").click()
        names.append(download.value.suggested_filename)
    assert names == ["create-task-basics.trace.json", "create-task-basics-edited.trace.json"]
