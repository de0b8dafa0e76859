"""Stop ends any running program within 0.4 s and leaves the page ready to run again, with
no reload and no new wait for Python to load: on a cross-origin isolated page (COOP/COEP) and
on a plain one, as inside an LMS iframe, where Stop has no interrupt buffer.

Stop's steps (web/runner/runner.js): cancel every task (``finally`` blocks run), then, where
the page is isolated, KeyboardInterrupt through the interrupt buffer, last a switch to the
spare worker loaded in advance. Each program below needs a different step.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from conftest import Site, Tab, open_tab
from nodejs import run_module
from playwright.sync_api import Browser, Page, expect
from ui import Playground

# Stop's last step comes 0.4 s after the click (web/runner/runner.js; issue 23's bound is
# 0.5 s, which `build.py bench limits` measures), and the page, timing from the click
# (ui.py's stop), says 0.04 to 0.41 s for these kinds. 0.2 s of room for a loaded machine;
# the steps of before, the last at 0.65 s, fail it.
STOP_WITHIN_S = 0.6
# A run of one print() on a loaded worker takes about 0.1 s here, while loading Python takes
# 2.5 s or more: anything under 1.5 s was served by a worker that was already warm.
WARM_RUN_WITHIN_S = 1.5

ISOLATED, PLAIN = "isolated", "plain"


@dataclass(frozen=True)
class Stoppable:
    code: str
    # Where the program's `finally` must have run when Stop returns: cancelling reaches an
    # idle loop everywhere; only the interrupt buffer (isolated pages) reaches a busy one.
    finally_on: frozenset[str]


def _in_main(body: str, before: str = "") -> str:
    """`body` inside an async main() that says when it started and when its finally runs."""
    indented = "".join(f"        {line}\n" for line in body.splitlines())
    return (
        f"import asyncio\nimport time\n{before}\n"
        "async def main():\n"
        "    try:\n"
        '        print("started")\n'
        f"{indented}"
        "    finally:\n"
        '        print("finally ran")\n\n'
        "asyncio.run(main())\n"
    )


BOTH = frozenset({ISOLATED, PLAIN})
ISOLATED_ONLY = frozenset({ISOLATED})

STOPPABLE = {
    "busy-loop": Stoppable(_in_main("while True:\n    pass"), ISOLATED_ONLY),
    "sleep-loop": Stoppable(_in_main("while True:\n    await asyncio.sleep(0.1)"), BOTH),
    "long-sleep": Stoppable(_in_main("await asyncio.sleep(1e6)"), BOTH),
    "time-sleep": Stoppable(_in_main("time.sleep(1e6)"), ISOLATED_ONLY),
    # Refuses every cancellation: only the last step, a new worker, ends it.
    "swallows-cancel": Stoppable(
        _in_main(
            "await asyncio.gather(stubborn())",
            before=(
                "\nasync def stubborn():\n"
                "    while True:\n"
                "        try:\n"
                "            await asyncio.sleep(0.1)\n"
                "        except asyncio.CancelledError:\n"
                '            print("cancel ignored")\n'
            ),
        ),
        frozenset(),
    ),
    # Its finally did not run in 2 of ~90 Stops with the machine busy: the interrupt was lost
    # to a race in CPython's read-then-clear of the byte, which this loop checks very often
    # (see test_a_stop_written_while_python_checks_is_not_lost).
    "spinning-task": Stoppable(
        _in_main(
            "await asyncio.gather(tick(), spin())",
            before=(
                "\nasync def spin():\n    while True:\n        pass\n\n"
                "async def tick():\n    while True:\n        await asyncio.sleep(0.05)\n"
            ),
        ),
        ISOLATED_ONLY,
    ),
    # Keeps the ready queue full: Stop's message must still get in between the loop's turns.
    "starving": Stoppable(
        _in_main(
            "await asyncio.gather(*(spin() for _ in range(100)))",
            before="\nasync def spin():\n    while True:\n        await asyncio.sleep(0)\n",
        ),
        BOTH,
    ),
    # A loop with nothing at all to do: Ctrl+C would end its run_forever() with
    # KeyboardInterrupt, and Stop does the same (no task to cancel, no Python running to
    # interrupt).
    "idle-run-forever": Stoppable(
        "import asyncio\n\nloop = asyncio.new_event_loop()\ntry:\n    print('started')\n"
        "    loop.run_forever()\nfinally:\n    print('finally ran')\n",
        BOTH,
    ),
    # asyncio.run() inside a function waits with JSPI's stack switching: Stop's cancel must
    # reach the tasks of the loop it runs all the same.
    "run-inside-a-function": Stoppable(
        _in_main("await asyncio.sleep(1e6)").replace(
            "asyncio.run(main())", "def run():\n    asyncio.run(main())\n\nrun()"
        ),
        BOTH,
    ),
    # Exponential: each RecursionError starts the climb again, so it never ends by itself.
    "runaway-recursion": Stoppable(
        _in_main(
            "grow(0)",
            before=(
                "\ndef grow(n):\n    try:\n        return grow(n + 1)\n"
                "    except RecursionError:\n        return grow(n + 1)\n"
            ),
        ),
        ISOLATED_ONLY,
    ),
    # Busy in a finaliser when Stop's interrupt lands: CPython can only print it there
    # ("Exception ignored") and carry on, into a busy loop. The interrupt must be sent again.
    "busy-finaliser": Stoppable(
        _in_main(
            "Tidy()\nwhile True:\n    pass",
            before="\nclass Tidy:\n    def __del__(self):\n        while True:\n            pass\n",
        ),
        ISOLATED_ONLY,
    ),
    # 10 MB a step: each step is slow enough that Python, which reads the interrupt buffer
    # only every 50 checks of its eval loop, may not see it in time, so no finally is promised.
    "allocates-memory": Stoppable(
        _in_main("hoard = []\nwhile True:\n    hoard.append(bytearray(10**7))"), frozenset()
    ),
}


@pytest.fixture(scope="module", params=[ISOLATED, PLAIN])
def learners_tab(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[str, Tab]]:
    """One tab per serving for every kind below, as a learner stops one program after another
    (each Stop is followed by a run, so each test leaves the page as it found it)."""
    with open_tab(browser) as tab:
        yield request.param, tab


@pytest.fixture
def learner(
    request: pytest.FixtureRequest, learners_tab: tuple[str, Tab]
) -> Iterator[tuple[str, Playground]]:
    kind, tab = learners_tab
    site: Site = request.getfixturevalue("site" if kind == ISOLATED else "plain_site")
    with tab.test() as page:
        yield kind, Playground(page).open_unless_ready(site.url)


def runs_again_at_once(playground: Playground) -> None:
    """A short program runs at once after Stop: no reload, no new load of Python."""
    state, took = playground.run_timed("print('again')\n")
    assert state == "finished", playground.output.inner_text()
    expect(playground.output).to_have_text("again\n")
    assert took < WARM_RUN_WITHIN_S, f"the next run waited {took:.2f} s"


@pytest.mark.parametrize("name", list(STOPPABLE))
def test_stop_ends_the_program_within_a_second(
    learner: tuple[str, Playground], name: str, record_property: pytest.RecordProperty
) -> None:
    kind, playground = learner
    program = STOPPABLE[name]
    isolated = "yes" if kind == ISOLATED else "no"
    expect(playground.page.locator("body")).to_have_attribute("data-isolated", isolated)
    # Loaded in the background after the first worker: the last step of Stop switches to it.
    playground.wait_for_spare()
    playground.type_code(program.code)
    playground.press_run()
    expect(playground.output).to_contain_text("started")

    latency = playground.stop()
    record_property("stop_latency_s", round(latency, 3))
    print(f"\nstop latency, {name}, {kind}: {latency:.3f} s")
    assert latency < STOP_WITHIN_S, f"Stop took {latency:.2f} s"

    printed = playground.output.inner_text()
    assert printed.rstrip().endswith("Stopped."), printed
    expect(playground.status).to_contain_text("Stopped after")
    if kind in program.finally_on:
        assert "finally ran" in printed, printed
    if name == "swallows-cancel":
        assert "cancel ignored" in printed  # it was asked first, and refused
    # Stop ended the program, not the page: no traceback of ours, no reload.
    assert "Traceback" not in printed, printed
    runs_again_at_once(playground)


def test_stop_ends_a_run_still_waiting_for_python_at_once(page: Page, site: Site) -> None:
    """After a page's first run its worker is thrown away, and a Run pressed at once waits
    for the next to load (here started afresh, `snapshot=off`: 2 s or more). Stop then ends
    the run at once, before any of the program runs; it used to wait for Python to load."""
    playground = Playground(page).open(site.url, query="snapshot=off")
    playground.type_code('print("first")\n')
    assert playground.run() == "finished"
    playground.type_code('print("started")\n')
    playground.press_run()
    latency = playground.stop()
    assert latency < STOP_WITHIN_S, f"Stop took {latency:.2f} s"
    # Nothing of the program ran: it never reached a worker.
    expect(playground.output).to_have_text("Stopped.\n")
    # The worker it waited for is the next run's.
    assert playground.run() == "finished"
    expect(playground.output).to_have_text("started\n")


def test_stopped_tasks_are_shown_cancelled_by_stop_on_the_timeline(page: Page, site: Site) -> None:
    playground = Playground(page).open(site.url)
    playground.type_code(
        "import asyncio\n\nasync def wait_forever(name):\n    try:\n"
        "        await asyncio.sleep(1e6)\n    finally:\n        print(name, 'cleaned up')\n\n"
        "async def main():\n    async with asyncio.TaskGroup() as tg:\n"
        "        tg.create_task(wait_forever('a'))\n        tg.create_task(wait_forever('b'))\n\n"
        "asyncio.run(main())\n"
    )
    playground.press_run()
    table = page.get_by_role("table", name="Tasks")
    expect(table.locator("tbody tr[data-state='waiting']")).to_have_count(3)
    page.get_by_role("button", name="Stop").click()
    playground.wait_until_done()
    assert playground.state == "stopped"
    expect(playground.output).to_contain_text("a cleaned up")
    # The two children were cancelled by Stop itself, and the timeline says so.
    children = table.locator("tbody tr", has=page.get_by_role("cell", name="Task-1", exact=True))
    expect(children).to_have_count(2)
    for row in children.all():
        expect(row.locator("td").nth(1)).to_have_text("cancelled")
        expect(row.locator("td").nth(4)).to_have_text("Stop")


def test_a_stop_written_while_python_checks_is_not_lost() -> None:
    """CPython's interrupt check reads the byte, then writes 0 to it. The view the worker
    gives Pyodide (web/runner/protocol.js) must keep a Stop that lands between the two: the race
    is too rare to meet on demand through the page, so its steps are played here one by one."""
    script = """
        import { SIGINT, interruptView } from "./web/runner/protocol.js";
        const byte = new Uint8Array(new SharedArrayBuffer(1));
        const view = interruptView(byte);
        const seen = [view[0]]; // Python reads: no Stop yet
        byte[0] = SIGINT; // the page's Stop lands now
        view[0] = 0; // Python clears what it read
        seen.push(byte[0], view[0]); // the Stop is still there, and the next check gets it
        view[0] = 0;
        seen.push(byte[0]); // which clears it
        console.log(JSON.stringify(seen));
    """
    assert run_module(script) == [0, 2, 2, 0]
