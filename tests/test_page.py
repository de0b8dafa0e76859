"""The built page in headless Chromium, driven through its UI like a learner would."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest
from conftest import Site, Tab, open_tab
from expected import EXAMPLES, Expected, numbers_match
from playwright.sync_api import Browser, Page, expect
from ui import TITLES, Playground

# The bar for the browser against CPython: 10% of the time, or 0.15 s for short
# programs, where worker messaging and the status line's own rounding (~20 ms) dominate.
TIME_REL = 0.10
TIME_ABS = 0.15


@pytest.fixture(scope="module")
def example_tabs(browser: Browser) -> Iterator[Callable[[bool], Tab]]:
    """A tab with JSPI and one without, each opened when first asked for: the lesson's
    examples run one after another in it, as a learner works through the lesson."""
    with contextlib.ExitStack() as stack:
        tabs: dict[bool, Tab] = {}

        def tab(jspi: bool) -> Tab:
            if jspi not in tabs:
                tabs[jspi] = stack.enter_context(open_tab(browser))
            return tabs[jspi]

        yield tab


def _check_example(tab: Tab, site: Site, expected: Expected, *, jspi: bool) -> None:
    with tab.test() as page:
        playground = Playground(page).open_unless_ready(site.url, jspi=jspi)
        expect(page.locator("body")).to_have_attribute("data-jspi", "on" if jspi else "off")
        playground.pick(TITLES[expected.slug])
        # Once the spare has loaded after the last run, as it has for a learner who read that
        # run's output: the program does not share the CPU with a Python loading.
        playground.wait_for_spare()
        assert playground.run() == "finished", playground.output.inner_text()
        printed = playground.output.inner_text()
        problem = numbers_match(expected.stdout, printed, rel=TIME_REL, abs_=TIME_ABS)
        assert problem is None, f"{problem}\n--- printed:\n{printed}"
        taken = playground.seconds_taken()
        assert abs(taken - expected.seconds) <= max(TIME_REL * expected.seconds, TIME_ABS), taken


@pytest.mark.parametrize("expected", EXAMPLES.values(), ids=list(EXAMPLES))
def test_example_prints_what_cpython_prints_in_cpython_time(
    example_tabs: Callable[[bool], Tab], site: Site, expected: Expected
) -> None:
    _check_example(example_tabs(True), site, expected, jspi=True)


@pytest.mark.parametrize("expected", EXAMPLES.values(), ids=list(EXAMPLES))
def test_example_without_jspi_prints_what_cpython_prints_in_cpython_time(
    example_tabs: Callable[[bool], Tab], site: Site, expected: Expected
) -> None:
    _check_example(example_tabs(False), site, expected, jspi=False)


BLOCKING_SLEEP = """\
import asyncio
import time

async def blocker():
    time.sleep(0.5)

async def ticker(start):
    await asyncio.sleep(0.1)
    print(f"ticker woke after {time.perf_counter() - start:.1f}s")

async def main():
    start = time.perf_counter()
    await asyncio.gather(ticker(start), blocker())

asyncio.run(main())
"""


def _cpython(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    ).stdout


@pytest.mark.parametrize("jspi", [True, False], ids=["jspi", "no-jspi"])
def test_time_sleep_blocks_the_loop_as_in_cpython(page: Page, site: Site, jspi: bool) -> None:
    reference = _cpython(BLOCKING_SLEEP)
    assert reference == "ticker woke after 0.5s\n"  # the lesson: time.sleep blocks every task
    playground = Playground(page).open(site.url, jspi=jspi)
    playground.type_code(BLOCKING_SLEEP)
    assert playground.run() == "finished"
    printed = playground.output.inner_text()
    # The lesson's claim is the ticker's wait: held by the blocking sleep to 0.5 s, never its
    # own 0.1 s, which no printed 0.5 or 0.6 could come from. The examples' bar (0.15 s) allows
    # a loaded machine's late turn: CI once printed 0.6 (woke 50 ms or more late, the second
    # decimal unseen), and a blocking sleep that lasted twice as long would still fail.
    assert numbers_match(reference, printed, rel=TIME_REL, abs_=TIME_ABS) is None, printed
    assert float(printed.split()[-1].removesuffix("s")) >= 0.5, printed


def test_syntax_error_names_the_line_and_marks_it(page: Page, site: Site) -> None:
    playground = Playground(page).open(site.url)
    playground.type_code('print("fine")\nprint("oops"\nprint("never")\n')
    assert playground.run() == "failed"
    printed = playground.output.inner_text()
    assert 'File "main.py", line 2' in printed
    assert "SyntaxError: '(' was never closed" in printed
    assert "fine" not in printed  # nothing runs when the program does not compile
    expect(playground.status).to_contain_text("line 2")
    expect(page.locator(".cm-lintRange-error")).to_have_count(1)


def test_runtime_error_shows_only_the_learners_frames(page: Page, site: Site) -> None:
    playground = Playground(page).open(site.url)
    playground.type_code(
        "import asyncio\n\nasync def divide(a, b):\n    return a / b\n\n"
        "async def main():\n    print(await divide(1, 0))\n\nasyncio.run(main())\n"
    )
    assert playground.run() == "failed"
    printed = playground.output.inner_text()
    assert printed.startswith("Traceback (most recent call last):\n")
    assert 'File "main.py", line 9, in <module>' in printed
    assert 'File "main.py", line 7, in main' in printed
    assert 'File "main.py", line 4, in divide' in printed
    assert printed.rstrip().endswith("ZeroDivisionError: division by zero")
    for internal in ("playground", "pyodide", "webloop", "__playground_call__"):
        assert internal not in printed
    expect(playground.status).to_contain_text("line 4")
    stderr = page.locator("#output .stderr")
    expect(stderr).to_contain_text("ZeroDivisionError")


def test_each_stretch_of_one_stream_is_one_piece_of_output(page: Page, site: Site) -> None:
    # Written a line at a time, many in one frame: the pane still holds one piece per stretch
    # (what a screen reader reads as one, and what a learner copies), as in a terminal.
    playground = Playground(page).open(site.url)
    playground.type_code(
        "import sys\nfor i in range(40):\n    print(i)\nfor i in range(40):\n"
        "    sys.stderr.write(f'e{i}\\n')\nprint('end')\n"
    )
    assert playground.run() == "finished"
    pieces = page.locator("#output > span")
    expect(pieces).to_have_count(3)
    assert pieces.evaluate_all("spans => spans.map((span) => span.dataset.stream)") == [
        "stdout",
        "stderr",
        "stdout",
    ]
    assert playground.output.inner_text() == "".join(
        [*(f"{i}\n" for i in range(40)), *(f"e{i}\n" for i in range(40)), "end\n"]
    )


# What a program can do for a second after printing: wait on the loop, block it with
# time.sleep(), or keep Python busy with no wait at all.
WAITS = {
    "asyncio-sleep": "await asyncio.sleep(1)",
    "time-sleep": "time.sleep(1)",
    "busy": "started = time.monotonic()\n    while time.monotonic() - started < 1:\n        pass",
}


@pytest.mark.parametrize("wait", WAITS.values(), ids=list(WAITS))
def test_output_appears_while_the_program_runs(page: Page, site: Site, wait: str) -> None:
    playground = Playground(page).open(site.url)
    playground.type_code(
        "import asyncio\nimport time\n\nasync def main():\n    print('first')\n"
        f"    print('then')\n    {wait}\n    print('second')\n\nasyncio.run(main())\n"
    )
    playground.press_run()
    # Seeing exactly these two lines proves it: without streaming all three would arrive
    # together, and the worker, which posts lines written close together as one message
    # (createOutbox), must not hold the second back while the program waits or computes.
    expect(playground.output).to_have_text("first\nthen\n")
    assert playground.state == "running"
    started = time.monotonic()
    expect(playground.output).to_have_text("first\nthen\nsecond\n")
    assert time.monotonic() - started > 0.5  # the second line really came a sleep later
    playground.wait_until_done()
    assert playground.state == "finished"


MICROPIP = """\
import asyncio
import micropip

async def main():
    await micropip.install("asyncstdlib")
    import asyncstdlib
    print(await asyncstdlib.list(asyncstdlib.enumerate(["a", "b"])))

asyncio.run(main())
"""


def test_micropip_installs_a_wheel_served_with_the_site_offline(page: Page, site: Site) -> None:
    origin = site.url.rstrip("/")
    blocked: list[str] = []

    def offline(route):  # type: ignore[no-untyped-def]
        if route.request.url.startswith(origin):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    page.context.route("**/*", offline)
    playground = Playground(page).open(site.url)
    playground.type_code(MICROPIP)
    assert playground.run() == "finished", playground.output.inner_text()
    expect(playground.output).to_have_text("[(0, 'a'), (1, 'b')]\n")
    assert blocked == []  # everything came from the site itself


def test_status_line_times_the_program_not_the_page(page: Page, site: Site) -> None:
    """ "Finished in" is the program's own time, comparable with `python3 main.py`: not the
    page's, which also counts loading the packages the program imports."""
    held_s = 1.0

    def slow_wheel(route):  # type: ignore[no-untyped-def]
        time.sleep(held_s)  # a slow network, felt before the program starts
        route.continue_()

    page.context.route("**/micropip-*.whl", slow_wheel)
    playground = Playground(page).open(site.url)
    playground.type_code("import micropip\nprint('imported')\n")
    started = time.monotonic()
    assert playground.run() == "finished", playground.output.inner_text()
    assert time.monotonic() - started >= held_s  # the page did wait for the wheel
    # Importing micropip once it is loaded takes about 0.1 s; the page's clock would say
    # more than the second the wheel was held.
    assert playground.seconds_taken() < held_s / 2


def test_links_open_the_example_they_name(page: Page, site: Site) -> None:
    playground = Playground(page).open(site.url, query="example=taskgroup-cancellation")
    expect(page.get_by_label("Example")).to_have_value("taskgroup-cancellation")
    expect(page.get_by_label("Python code")).to_contain_text("work_on_task")
    playground.pick(TITLES["gather-weather"])
    assert page.url.endswith("?example=gather-weather")


def test_tasks_are_named_and_shown_as_in_a_new_cpython_process(page: Page, site: Site) -> None:
    code = (
        "import asyncio\n\nasync def child():\n    print(asyncio.current_task())\n\n"
        "async def main():\n    print(asyncio.current_task().get_name())\n"
        "    await asyncio.create_task(child())\n\nasyncio.run(main())\n"
    )
    # python3 -c names the file <string>; the playground's is main.py.
    reference = _cpython(code).replace("<string>", "main.py")
    assert reference.startswith("Task-1\n<Task pending name='Task-2' coro=<child() running at ")
    playground = Playground(page).open(site.url)
    for _ in range(2):  # numbering starts afresh with every run, as with every new process
        playground.type_code(code)
        assert playground.run() == "finished"
        expect(playground.output).to_have_text(reference)


LEFTOVER_TIMER = """\
import asyncio

async def main():
    asyncio.get_running_loop().call_later(0.3, print, "timer of the first run")

asyncio.run(main())
print("first run over")
"""


def test_timers_left_by_a_run_never_fire_later(page: Page, site: Site) -> None:
    # CPython closes the loop when asyncio.run() returns: the timer never fires.
    assert _cpython(LEFTOVER_TIMER) == "first run over\n"
    playground = Playground(page).open(site.url)
    playground.type_code(LEFTOVER_TIMER)
    assert playground.run() == "finished"
    expect(playground.output).to_have_text("first run over\n")
    # The next run lasts past the moment the timer was due (0.3 s after the first began).
    playground.type_code("import asyncio\nasyncio.run(asyncio.sleep(0.6))\nprint('second')\n")
    assert playground.run() == "finished"
    expect(playground.output).to_have_text("second\n")


SLEEP_LATENESS = """\
import asyncio, statistics, time

async def main():
    late = []
    for _ in range(9):
        start = time.perf_counter()
        await asyncio.sleep(0.2)
        late.append(time.perf_counter() - start - 0.2)
    print(f"{statistics.median(late) * 1000:.1f}")

asyncio.run(main())
"""


def test_asyncio_sleep_wakes_on_time(page: Page, site: Site) -> None:
    playground = Playground(page).open(site.url)
    playground.type_code(SLEEP_LATENESS)
    # Once the spare has loaded, 2 s after Ready (web/runner/pool.js), as a learner who reads
    # the code first: run at once, a fresh page's program shares the CPU with the engine still
    # compiling Python's hot code, and the median came 2.5 ms late once (7 December, the
    # suite on two cores).
    playground.wait_for_spare()
    assert playground.run() == "finished"
    # CPython wakes about 0.3 ms late here and a worker's timer about 0.7 ms. When Chromium
    # lined these sleeps up with another timer of the worker, each woke 8 ms late. The median
    # of 9 leaves out a sleep or two slowed by a busy machine.
    assert float(playground.output.inner_text()) < 2.5


def test_a_run_pressed_while_the_spare_loads_waits_for_it_and_keeps_it(
    page: Page, site: Site
) -> None:
    """A fresh page's spare worker loads 2 s after Ready (web/runner/pool.js); a first Run
    pressed while it loads waits for it (the program would share the CPU with it while the
    engine compiles) and keeps it, so the run after starts in it, without loading Python.
    Letting it go gave nothing back: Chromium lets a busy worker run for up to 2 s after
    terminate(), so the program shared the CPU with it all the same, and the next Run then
    waited for a Python to load."""
    playground = Playground(page).open(site.url)
    playground.type_code('print("hi")\n')
    # Looked for every frame: the spare can load in half a second, between two of expect()'s
    # polls (which once saw it none, then ready).
    page.wait_for_function(
        "() => document.body.dataset.spare === 'loading'", polling="raf", timeout=30_000
    )
    spare = playground.states_through(playground.press_run, attribute="data-spare")
    assert playground.state == "finished"
    # Loaded, then the next worker; a new spare loads behind it as the run ends.
    assert spare[:3] == ["loading", "ready", "none"], spare


def test_runs_one_after_another_keep_a_spare_after_a_first_run_had_none(
    page: Page, site: Site
) -> None:
    """A first Run pressed at once finds no spare (a fresh page loads it 2 s after Ready), so
    the run after it waits for its own Python; a spare then loads beside that run, and the
    third run starts at once in it. (Before, no spare loaded while a run waited for its
    worker, and every Run pressed as the last ended waited for a whole Python: 1 s here, 3 to
    4 s in the SCORM package, which has no snapshot.)"""
    playground = Playground(page).open(site.url)
    playground.type_code('print("first")\n')
    assert playground.run() == "finished"
    playground.type_code("import time\ntime.sleep(1.5)\n")
    spare = playground.states_through(playground.press_run, attribute="data-spare")
    assert playground.state == "finished"
    # Loading beside the second run, and loaded before it ended.
    assert spare[:3] == ["none", "loading", "ready"], spare
    state, took = playground.run_timed('print("third")\n')
    assert state == "finished"
    # From Run to the end drawn, measured here: 0.28 to 0.33 s in the loaded spare, 0.73 to
    # 0.92 s when it waited for a Python to restore (the build before, three runs each).
    assert took < 0.55, f"the third run waited {took:.2f} s"
