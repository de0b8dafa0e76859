"""The timeline in the browser, read as a learner would: the Tasks table, the summary, the
picture, the downloaded trace."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from conftest import Site, Tab, open_tab
from expected import EXAMPLES
from playground.run_view import Run
from playwright.sync_api import Browser, Page, expect
from tracing import trace
from ui import TITLES, Playground

ROOT = Path(__file__).resolve().parents[1]
# Browser timers fire a few ms late (worker setTimeout), never 0.1 s: the lesson's sleeps
# differ by 0.2 s or more, so 0.1 s catches a task drawn at the wrong time.
TIME_TOLERANCE = 0.1


def read_table(page: Page) -> list[dict[str, str]]:
    table = page.get_by_role("table", name="Tasks")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    rows = []
    for row in table.locator("tbody tr:visible").all():
        cells = [c.strip() for c in row.locator("th, td").all_inner_texts()]
        rows.append(dict(zip(headers, cells, strict=True)))
    return rows


def cpython_facts(slug: str) -> list[dict[str, Any]]:
    """Each task's name, parent, end state, start, end and result (its value, error or why it
    was cancelled, in the page's words), as the tracer saw them on CPython and the checks'
    fold (playground.run_view) reads them."""
    events, _ = trace((ROOT / "py/examples" / f"{slug}.py").read_text(encoding="utf-8"))
    return [
        {
            "Task": task.name,
            "Parent": task.parent.name if task.parent is not None else "",
            "State": task.state,
            "Start": task.created,
            "End": task.ended,
            "Result": task.end_words,
        }
        for task in Run(events).tasks
    ]


def timestamps_hidden(text: str) -> str:
    """gather-weather's results carry time.time(), different in every run."""
    return re.sub(r"\d{9,}\.\d+", "<timestamp>", text)


@pytest.fixture(scope="module")
def lesson_tab(browser: Browser) -> Iterator[Tab]:
    """One tab for the lesson's examples, run one after another as a learner does."""
    with open_tab(browser) as tab:
        yield tab


@pytest.mark.parametrize("slug", list(EXAMPLES))
def test_tasks_table_tells_what_asyncio_did(lesson_tab: Tab, site: Site, slug: str) -> None:
    with lesson_tab.test() as page:
        playground = Playground(page).open_unless_ready(site.url)
        playground.pick(TITLES[slug])
        # Run once the spare has loaded, as for a learner who read the last run's output.
        playground.wait_for_spare()
        assert playground.run() == "finished"
        table = read_table(page)
    expected = cpython_facts(slug)
    assert [r["Task"] for r in table] == [f["Task"] for f in expected]
    for row, fact in zip(table, expected, strict=True):
        assert row["Parent"] == fact["Parent"], row
        assert row["State"] == fact["State"], row
        assert abs(float(row["Start (s)"]) - fact["Start"]) <= TIME_TOLERANCE, row
        assert abs(float(row["End (s)"]) - fact["End"]) <= TIME_TOLERANCE, row
        assert timestamps_hidden(row["Result"]) == timestamps_hidden(fact["Result"]), row


def test_taskgroup_cancels_siblings_when_one_fails(page: Page, site: Site) -> None:
    playground = Playground(page).open(site.url, query="example=taskgroup-cancellation")
    assert playground.run() == "finished"
    rows = {r["Task"]: r for r in read_table(page)}
    assert rows["Task-3"]["State"] == "failed"
    assert "ValueError: Task 2 failed during processing" in rows["Task-3"]["Result"]
    for sibling in ("Task-2", "Task-4"):
        assert rows[sibling]["State"] == "cancelled"
        assert rows[sibling]["Result"].startswith("sibling Task-3 failed")
        assert abs(float(rows[sibling]["End (s)"]) - 1.0) <= TIME_TOLERANCE
    summary = page.locator("#timeline-summary")
    expect(summary).to_contain_text("3 tasks")


def test_a_run_without_tasks_says_so_where_the_timeline_is_empty(page: Page, site: Site) -> None:
    playground = Playground(page).open(site.url)
    playground.type_code('print("no loop here")\n')
    assert playground.run() == "finished"
    # Under the table, which a phone shows too (the heading's summary it leaves out).
    note = page.locator("#tasks-note")
    expect(note).to_have_text("No tasks recorded in this run.")
    assert read_table(page) == []
    # The next run's task replaces the sentence.
    playground.type_code("import asyncio\nasyncio.run(asyncio.sleep(0))\n")
    assert playground.run() == "finished"
    expect(note).to_be_hidden()
    assert [row["Task"] for row in read_table(page)] == ["Task-1"]


def test_tasks_table_keeps_every_column_at_phone_width(page: Page, site: Site) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    playground = Playground(page).open(site.url, query="example=taskgroup-cancellation")
    assert playground.run() == "finished"
    table = page.get_by_role("table", name="Tasks")
    # Read as on a wide screen, every column shown (innerText alone would read a hidden one)...
    for cell in table.locator("thead th").all() + table.locator("tbody tr td").all():
        expect(cell).to_be_visible()
    rows = {r["Task"]: r for r in read_table(page)}
    assert [rows[t]["Parent"] for t in ("Task-2", "Task-3", "Task-4")] == ["Task-1"] * 3
    # ...and within the screen: neither the table nor the page scrolls sideways.
    assert table.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


# The canvas pixels painted in the colour the timeline gives tasks waiting on a sleep (the
# --tl-wait-sleep custom property): lanes, not the axis or the moving "now" line.
SLEEP_PIXELS = """(canvas) => {
  const probe = document.createElement("canvas").getContext("2d");
  probe.fillStyle = getComputedStyle(document.documentElement).getPropertyValue("--tl-wait-sleep");
  probe.fillRect(0, 0, 1, 1);
  const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
  const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  let count = 0;
  let where = 0; // a digest of which pixels they are
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] === r && data[i + 1] === g && data[i + 2] === b) {
      count += 1;
      where = (Math.imul(where, 31) + i) | 0;
    }
  }
  return [count, where];
}"""


def test_picture_changes_while_a_program_runs(page: Page, site: Site) -> None:
    playground = Playground(page).open(site.url)
    playground.type_code(
        "import asyncio\n\nasync def tick(n):\n    for _ in range(3):\n"
        "        await asyncio.sleep(n)\n\nasync def main():\n"
        "    await asyncio.gather(tick(1), tick(0.7), tick(0.5))\n\nasyncio.run(main())\n"
    )
    canvas = page.locator("#timeline")
    playground.press_run()
    expect(playground.status).to_have_text(re.compile(r"Running… 1\.\d s"))
    at_one = canvas.evaluate(SLEEP_PIXELS)
    expect(playground.status).to_have_text(re.compile(r"Running… 2\.\d s"))
    at_two = canvas.evaluate(SLEEP_PIXELS)
    assert playground.state == "running"  # both pictures were drawn live
    # The three tasks' lanes are drawn as they wait, and differently a second later (they
    # grow, and the axis may rescale); an empty trace would leave no such pixels at all.
    assert at_one[0] > 0 and at_two[0] > 0
    assert at_one[1] != at_two[1]
    playground.wait_until_done()
    assert playground.state == "finished"


# Each animation frame in which the timeline painted its canvas while a program ran: when its
# callbacks began and how long they took (page time, ms; not the frame's own timestamp, which
# can come before a request made late in the frame), recorded from before the page's scripts.
PAINTS_TIMED = """
(() => {
  const ask = window.requestAnimationFrame.bind(window);
  let painted = false;
  window.paints = [];
  // The timeline's canvas is cleared once each time it is painted.
  const clear = CanvasRenderingContext2D.prototype.clearRect;
  CanvasRenderingContext2D.prototype.clearRect = function (...args) {
    painted = true;
    return clear.apply(this, args);
  };
  window.requestAnimationFrame = (callback) =>
    ask((t) => {
      const began = performance.now();
      painted = false;
      try {
        callback(t);
      } finally {
        if (painted && document.body.dataset.state === "running")
          window.paints.push({ at: began, took: performance.now() - began });
      }
    });
})();
"""


def live_paints(page: Page, site: Site, code: str) -> list[dict[str, float]]:
    """Runs `code` in a fresh page; the paints of the timeline while it ran (PAINTS_TIMED)."""
    page.add_init_script(PAINTS_TIMED)
    playground = Playground(page).open(site.url)
    playground.type_code(code)
    assert playground.run() == "finished"
    paints: list[dict[str, float]] = page.evaluate("() => window.paints")
    return paints


def test_a_big_live_picture_leaves_the_page_to_the_program(page: Page, site: Site) -> None:
    # 10,000 tasks whose ends spread over 2 s. Drawn every frame, each frame took 4 to 10 ms
    # of the page's thread here, 20 to 160 ms where the Tasks table was refreshed. (In WebKit
    # 2,000 tasks took 15 to 25 ms, 50 to 80 ms with the table, and the program itself ran
    # 1.4x as long as with the picture paced: the page's thread is one of two cores here.)
    live = live_paints(
        page,
        site,
        "import asyncio\n\nasync def wait(i):\n    await asyncio.sleep(i % 20 / 10)\n\n"
        "async def main():\n    await asyncio.gather(*(wait(i) for i in range(10_000)))\n\n"
        "asyncio.run(main())\n",
    )
    # A live frame that took d ms is followed by at least 4 x d ms before the next paint, so
    # the picture takes at most a quarter of the page's thread. 1 ms: timers' granularity.
    # A frame timed here can take longer than the page timed it (work after the picture's own
    # timing, a garbage collection perhaps: one pair of 60 to 90, in one run of ten here), so
    # 1 pair in 10 may be closer. Drawn every frame, 72 to 75 pairs of 134 to 137 were.
    pairs = list(pairwise(live))
    late = [
        (round(a["took"]), round(b["at"] - a["at"]))
        for a, b in pairs
        if b["at"] - a["at"] < 4 * a["took"] - 1
    ]
    assert len(late) <= len(pairs) / 10, f"(took, next paint after) in ms: {late}"
    # And the picture still moves while the program runs: a few times a second.
    took_s = (live[-1]["at"] - live[0]["at"]) / 1000
    assert len(live) >= 3 * took_s, f"{len(live)} paints in {took_s:.2f} s"


def test_with_reduced_motion_the_live_picture_moves_a_few_times_a_second(
    page: Page, site: Site
) -> None:
    page.emulate_media(reduced_motion="reduce")
    live = live_paints(
        page,
        site,
        "import asyncio\n\nasync def tick(n):\n    for _ in range(3):\n"
        "        await asyncio.sleep(n)\n\nasync def main():\n"
        "    await asyncio.gather(tick(0.5), tick(0.3), tick(0.1))\n\nasyncio.run(main())\n",
    )
    # Four times a second (TABLE_REFRESH_MS), however often the events come in (each frame):
    # they used to ask for a frame at once, and the picture moved every frame after all.
    gaps = [round(b["at"] - a["at"]) for a, b in pairwise(live)]
    assert gaps and min(gaps) >= 249, gaps
    assert len(live) >= 4, gaps  # 1.5 s of run: the picture still moves


def test_blocking_sleep_shows_the_loop_blocked(page: Page, site: Site) -> None:
    playground = Playground(page).open(site.url)
    playground.type_code(
        "import asyncio, time\n\nasync def main():\n    time.sleep(0.3)\n\nasyncio.run(main())\n"
    )
    assert playground.run() == "finished"
    summary = page.locator("#timeline-summary")
    expect(summary).to_contain_text(re.compile(r"loop blocked 1\u00d7 for 0\.3\d s"))


def test_download_trace_is_a_chrome_trace_and_loads_back(
    page: Page, site: Site, tmp_path: Path
) -> None:
    playground = Playground(page).open(site.url, query="example=gather-return-exceptions")
    assert playground.run() == "finished"
    before = read_table(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download trace").click()
    path = tmp_path / "trace.json"
    download.value.save_as(path)
    data = json.loads(path.read_text())
    events = data["traceEvents"]
    tracks = {
        e["tid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"
    }
    # One track per task (Task-1 to Task-4) plus the event loop's own.
    assert sorted(tracks.values())[:1] == ["Task-1 main()"]
    assert len(tracks) == len(before) + 1
    assert all(isinstance(e["ts"], int | float) for e in events if e["ph"] != "M")
    assert {e["ph"] for e in events} <= {"M", "X", "i"}

    fresh = Playground(page).open(site.url)
    page.locator("#load-trace").set_input_files(path)
    expect(page.get_by_role("table", name="Tasks").locator("tbody tr")).to_have_count(len(before))
    assert read_table(page) == before
    assert fresh.state == "ready"  # nothing ran: the picture came from the file


def test_details_of_a_task_on_focus(page: Page, site: Site) -> None:
    playground = Playground(page).open(site.url, query="example=create-task-apis")
    assert playground.run() == "finished"
    canvas = page.get_by_role("img", name=re.compile("Timeline of every task"))
    canvas.focus()
    page.keyboard.press("ArrowDown")
    tip = page.get_by_role("tooltip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("Task-2  fetch_api('Service-A', 1)")
    expect(tip).to_contain_text("waited on: sleep(1)")
    expect(tip).to_contain_text("result: {'api': 'Service-A'")


def test_prints_are_shown_with_the_task_that_printed_them(page: Page, site: Site) -> None:
    playground = Playground(page).open(site.url, query="example=taskgroup-cancellation")
    assert playground.run() == "finished"
    playground.wait_for_drawing()
    # The Tasks table counts each task's lines, as the tracer recorded who printed them.
    printed = {r["Task"]: r["Lines"] for r in read_table(page)}
    assert printed == {"Task-1": "4", "Task-2": "1", "Task-3": "1", "Task-4": "1"}
    # The lane's details show the lines it printed.
    canvas = page.get_by_role("img", name=re.compile("Timeline of every task"))
    canvas.focus()
    page.keyboard.press("ArrowDown")  # the TaskGroup's row, under Task-1
    page.keyboard.press("ArrowDown")
    tip = page.get_by_role("tooltip")
    expect(tip).to_contain_text("Task-2  work_on_task(1, 5)")
    expect(tip).to_contain_text("printed 1 line:")
    expect(tip).to_contain_text(re.compile(r"0\.0\d s: Task 1 starting \(will take 5s\)"))


def test_scrub_and_replay_move_through_the_run(page: Page, site: Site) -> None:
    playground = Playground(page).open(site.url, query="example=gather-return-exceptions")
    assert playground.run() == "finished"
    table = page.get_by_role("table", name="Tasks")
    scrub = page.get_by_label("Time shown")
    scrub.focus()
    page.keyboard.press("Home")
    expect(table.locator("tbody tr:visible")).to_have_count(0)  # at 0 s no task exists yet
    scrub.fill("500")
    # Half way through (0.25 s) all four tasks exist and all of them wait.
    expect(table.locator("tbody tr[data-state='waiting']")).to_have_count(4)
    page.keyboard.press("End")
    expect(table.locator("tbody tr[data-state='done']")).to_have_count(3)

    page.get_by_label("Speed").select_option("0.25")
    page.get_by_role("button", name="Replay").click()
    # Replaying from the start, the children are seen waiting on their sleeps again...
    expect(table.locator("tbody tr[data-state='waiting']")).to_have_count(4)
    # ...and at the end every task is back in its final state.
    expect(page.get_by_role("button", name="Replay")).to_be_visible(timeout=10_000)
    expect(table.locator("tbody tr[data-state='failed']")).to_have_count(1)
    expect(table.locator("tbody tr[data-state='done']")).to_have_count(3)
