"""The playground's event loop (py/playground/loop.py) orders everything as CPython's does and
has CPython's life cycle: each program's output is compared with a real `python3`, first under
CPython through the runner (the loop turned by a plain scheduler), then in the page."""

from __future__ import annotations

import contextlib
import io
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import Site
from playground.loop import TURNS_BUDGET_S, PlaygroundLoop
from playground.runner import Program, compile_program
from playwright.sync_api import Page, expect
from test_runner import run_in_cpython
from test_stop import STOP_WITHIN_S
from tracing import Scheduler, run
from ui import Playground

# Each program's output is CPython's whatever the machine's speed: where timers set at different
# moments are ordered by their deadlines, those lie 30 ms or more apart, or turns alone decide
# (a sleep(0) against a timer). A fresh page's worker was once held over 10 ms between two
# steps of one turn (7 December, the suite on two cores), and greet("a", 0.02) then woke
# before greet("b", 0.01), started a moment later; CPython held as long would do the same.
ORDERING = {
    "call_soon chains run first in, first out, a link per turn": """
        import asyncio

        def chain(name, n):
            print(name, n)
            if n:
                asyncio.get_running_loop().call_soon(chain, name, n - 1)

        async def main():
            loop = asyncio.get_running_loop()
            loop.call_later(0, print, "call_later(0), due at once")
            for name in "abc":
                loop.call_soon(chain, name, 2)
            loop.call_soon(print, "plain")
            await asyncio.sleep(0)
            print("main resumed")
            await asyncio.sleep(0.01)
            print("main done")

        asyncio.run(main())
    """,
    "timers with equal deadlines, and timers in deadline order": """
        import asyncio

        async def main():
            loop = asyncio.get_running_loop()
            when = loop.time() + 0.05
            for i in range(6):
                loop.call_at(when, print, "at the same deadline", i)
            loop.call_at(when + 0.01, print, "10 ms later")
            loop.call_at(when - 0.01, print, "10 ms sooner")
            for i in range(3):
                loop.call_later(0.01, print, "call_later(0.01)", i)
            await asyncio.sleep(0.1)

        asyncio.run(main())
    """,
    "sleep(0) takes turns among many tasks": """
        import asyncio

        async def worker(name):
            for step in range(3):
                print(name, step)
                await asyncio.sleep(0)

        async def main():
            await asyncio.gather(*(worker(f"w{n}") for n in range(25)))
            async with asyncio.TaskGroup() as group:
                for n in range(5):
                    group.create_task(worker(f"g{n}"))

        asyncio.run(main())
    """,
    "a task cancelled while its wake-up is queued": """
        import asyncio

        async def waiter(name, future):
            try:
                print(name, "got", await future)
            except asyncio.CancelledError:
                print(name, "cancelled, though its future holds", future.result())
                raise

        async def main():
            loop = asyncio.get_running_loop()
            done = loop.create_future()
            task = asyncio.create_task(waiter("by a future", done))
            await asyncio.sleep(0)
            done.set_result(1)  # the waiter's wake-up is queued now
            print("cancel() says", task.cancel())
            await asyncio.gather(task, return_exceptions=True)
            print("cancelled:", task.cancelled())

            # Two timers due in one turn: the first task to wake cancels the second, whose
            # wake-up is already queued behind it.
            when = loop.time() + 0.02
            first, second = loop.create_future(), loop.create_future()
            loop.call_at(when, first.set_result, "first")
            loop.call_at(when, second.set_result, "second")
            late = asyncio.create_task(waiter("by a timer", second))

            async def canceller():
                print(await first, "woke; cancel() says", late.cancel())

            await asyncio.gather(canceller(), late, return_exceptions=True)

        asyncio.run(main())
    """,
}

LIFE_CYCLE = {
    "a closed loop says so": """
        import asyncio
        loop = asyncio.new_event_loop()
        print(loop.is_closed(), loop.is_running())
        loop.close()
        print(loop.is_closed())
    """,
    "run_forever until stop(), and no longer running after": """
        import asyncio, time
        loop = asyncio.new_event_loop()
        loop.call_soon(print, "tick")
        loop.call_later(0.2, loop.stop)
        start = time.monotonic()
        loop.run_forever()
        print("stopped", loop.is_running(), f"after {time.monotonic() - start:.1f} s")
        loop.close()
    """,
    "the style of older tutorials": """
        import asyncio

        async def greet(name, delay):
            await asyncio.sleep(delay)
            print("hello", name, asyncio.get_running_loop() is loop, loop.is_running())
            return name

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            print(loop.run_until_complete(asyncio.gather(greet("a", 0.01), greet("b", 0))))
            print(loop.run_until_complete(asyncio.sleep(0, "again")), loop.is_running())
        finally:
            loop.close()
        print(loop.is_closed())
    """,
    "a loop cannot run inside a running one": """
        import asyncio

        async def main():
            other = asyncio.new_event_loop()
            for loop in (other, asyncio.get_running_loop()):
                coro = asyncio.sleep(0)
                try:
                    loop.run_until_complete(coro)
                except RuntimeError as error:
                    print(error)
                finally:
                    coro.close()
            other.close()

        asyncio.run(main())
    """,
    "tasks are numbered across asyncio.run() calls as in one process": """
        import asyncio

        async def main():
            print(asyncio.current_task().get_name())

        asyncio.run(main())
        asyncio.run(main())
        loop = asyncio.new_event_loop()
        loop.run_until_complete(main())
        loop.close()
    """,
    "a KeyboardInterrupt raised in a callback ends run_forever": """
        import asyncio

        def interrupt():
            raise KeyboardInterrupt

        loop = asyncio.new_event_loop()
        loop.call_soon(interrupt)
        loop.call_soon(print, "left in the queue")
        try:
            loop.run_forever()
        except KeyboardInterrupt:
            print("interrupted; running:", loop.is_running())
        loop.close()
    """,
}

# Inside functions the runner cannot rewrite them into awaits: they block, which the browser
# can only do with JSPI (the CPython tests' scheduler holds the call up the same way).
BLOCKING = """
    import asyncio

    async def work():
        await asyncio.sleep(0.01)
        return "done"

    def main():
        print("asyncio.run:", asyncio.run(work()))
        loop = asyncio.new_event_loop()
        print("run_until_complete:", loop.run_until_complete(work()))
        loop.call_later(0.01, loop.stop)
        loop.run_forever()
        print("run_forever stopped")
        loop.close()

    if __name__ == "__main__":
        main()
"""

CLOSED_LOOP = """
    import asyncio

    async def main():
        print("never")

    loop = asyncio.new_event_loop()
    loop.close()
    loop.run_until_complete(main())
"""

PROGRAMS = {**ORDERING, **LIFE_CYCLE, "blocking calls inside a function": BLOCKING}


def _cpython(source: str) -> str:
    printed, errors = run_in_cpython(source)
    assert errors == "", errors
    return printed


# --- under CPython ---------------------------------------------------------------------------


@pytest.mark.parametrize("source", PROGRAMS.values(), ids=list(PROGRAMS))
def test_program_prints_what_cpython_prints(source: str) -> None:
    source = textwrap.dedent(source)
    result = run(source, traced=False)
    assert result.failure == ""
    assert result.printed == _cpython(source)


@pytest.mark.parametrize("source", ORDERING.values(), ids=list(ORDERING))
def test_tracing_changes_no_order(source: str) -> None:
    source = textwrap.dedent(source)
    result = run(source)
    assert (result.printed, result.tracer_errors) == (_cpython(source), [])


def test_a_closed_loop_refuses_to_run_as_in_cpython() -> None:
    source = textwrap.dedent(CLOSED_LOOP)
    with pytest.warns(RuntimeWarning, match="coroutine 'main' was never awaited"):
        result = run(source, traced=False)
    printed, errors = run_in_cpython(source)
    assert result.printed == printed == ""
    # (CPython then warns that main() was never awaited.)
    assert "RuntimeError: Event loop is closed" in errors.splitlines()
    assert result.failure.splitlines()[-1] == "RuntimeError: Event loop is closed"


@pytest.mark.parametrize(
    ("call", "what"),
    [
        ("asyncio.run(asyncio.sleep(0))", "asyncio.run()"),
        (
            "asyncio.new_event_loop().run_until_complete(asyncio.sleep(0))",
            "loop.run_until_complete()",
        ),
        ("asyncio.new_event_loop().run_forever()", "loop.run_forever()"),
    ],
)
# The program's own sleep(0), never awaited, is reported as CPython reports it.
@pytest.mark.filterwarnings("ignore:coroutine 'sleep' was never awaited:RuntimeWarning")
def test_without_stack_switching_a_call_that_blocks_says_why(call: str, what: str) -> None:
    """As in a browser without JSPI: inside a function nothing can wait."""
    source = f"import asyncio\n\ndef main():\n    {call}\n\nmain()\n"
    result = run(source, traced=False, scheduler=Scheduler(can_suspend=False))
    assert result.failure.splitlines()[-1] == (
        f"RuntimeError: {what} was called inside a function, which needs WebAssembly stack "
        f"switching (JSPI) that this browser lacks: call {what} at the top level of your "
        "program instead"
    )
    assert 'File "main.py", line 4, in main' in result.failure


@pytest.mark.parametrize("outside", ["set_result", "call_later"])
def test_work_scheduled_from_outside_a_turn_wakes_the_sleeping_loop(outside: str) -> None:
    """In the browser, JavaScript calls into Python between the loop's turns: a promise that
    resolves sets a future's result (call_soon), a callback may call call_later. The loop,
    asleep until a timer 10 s away, must wake for them as CPython's wakes through its
    self-pipe."""
    scheduler = Scheduler()
    outcome: list[object] = []

    async def main(loop: PlaygroundLoop) -> str:
        ready = loop.create_future()
        loop.call_later(10, ready.set_result, "too late")
        if outside == "set_result":
            scheduler.later(0.05, lambda: ready.set_result("woken"))
        else:
            scheduler.later(0.05, lambda: loop.call_later(0.01, ready.set_result, "woken"))
        result: str = await ready
        return result

    def turn() -> float:
        loop = PlaygroundLoop(scheduler.driver)
        scheduler.driver.call(
            loop.until_complete(main(loop)), lambda *result: outcome.append(result)
        )
        started = time.monotonic()
        scheduler.run_until(lambda: bool(outcome))
        return time.monotonic() - started

    # A thread of its own, as tests/tracing.py runs programs: the loop marks itself running
    # in its thread and clears that at the end, which in the main thread would unmark the
    # loop Playwright's sync API keeps running there for the browser tests.
    with ThreadPoolExecutor(1) as thread:
        took = thread.submit(turn).result()
    assert outcome == [("woken", None)]
    # Due after 0.05 (or 0.06) s; the 10 s timer would be 10 s. The 0.5 s margin is for a
    # machine busy with browser tests.
    assert took < 0.5


def test_stop_ends_a_loop_with_nothing_to_do_as_ctrl_c_would() -> None:
    """Stop (Program.interrupt, after cancelling every task) while ``run_forever()`` waits
    with nothing scheduled: CPython's Ctrl+C ends such a wait with KeyboardInterrupt."""
    source = "import asyncio\nloop = asyncio.new_event_loop()\ntry:\n    loop.run_forever()\n"
    source += "finally:\n    print('finally ran', loop.is_running())\n"
    scheduler = Scheduler()
    outcome: list[BaseException | None] = []
    out = io.StringIO()

    def host() -> None:
        program = Program(compile_program(source), scheduler.driver, outcome.append)
        program.start()
        scheduler.later(0.05, program.interrupt)
        scheduler.run_until(lambda: bool(outcome))

    # As tracing.run: a thread of its own, away from Playwright's loop in the main thread.
    with contextlib.redirect_stdout(out), ThreadPoolExecutor(1) as thread:
        thread.submit(host).result()
    assert isinstance(outcome[0], KeyboardInterrupt)
    assert out.getvalue() == "finally ran False\n"


def test_a_top_level_await_runs_the_loop_its_future_belongs_to() -> None:
    """Not CPython (an await outside a function is a SyntaxError there), but what Pyodide's
    programs do, e.g. ``await micropip.install(...)``: JavaScript's promises become futures of
    ``asyncio.get_event_loop()``."""
    result = run(
        textwrap.dedent(
            """
            import asyncio
            loop = asyncio.get_event_loop()
            ready = loop.create_future()
            loop.call_later(0.01, ready.set_result, "ready")
            print(await ready, loop.is_running())
            await asyncio.sleep(0)
            print("and a bare yield")
            """
        ),
        traced=False,
    )
    assert (result.printed, result.failure) == ("ready False\nand a bare yield\n", "")


def test_a_full_ready_queue_still_hands_control_back_regularly() -> None:
    """Tasks that only ``await asyncio.sleep(0)`` keep the ready queue full: the driver must
    still return to the host (in the browser: let Stop and the page's requests in) at least
    once per budget, not once per program."""
    source = """
        import asyncio, time

        async def spin():
            end = time.monotonic() + 0.3
            while time.monotonic() < end:
                await asyncio.sleep(0)

        async def main():
            await asyncio.gather(*(spin() for _ in range(10)))

        asyncio.run(main())
    """
    scheduler = Scheduler()
    result = run(textwrap.dedent(source), traced=False, scheduler=scheduler)
    assert result.failure == ""
    # 0.3 s of turns of 10 tiny steps: one callback per budget would make 60. A third of that
    # leaves room for a machine busy with browser tests (a callback preempted for 10 ms).
    assert scheduler.callbacks >= 0.3 / TURNS_BUDGET_S / 3, scheduler.callbacks


# --- in the page ----------------------------------------------------------------------------


@pytest.mark.parametrize("jspi", [True, False], ids=["jspi", "no-jspi"])
def test_page_prints_what_cpython_prints(page: Page, site: Site, jspi: bool) -> None:
    playground = Playground(page).open(site.url, jspi=jspi)
    for name, source in {**ORDERING, **LIFE_CYCLE}.items():
        source = textwrap.dedent(source)
        playground.type_code(source)
        assert playground.run() == "finished", (name, playground.output.inner_text())
        assert playground.output.inner_text() == _cpython(source), name


def test_page_refuses_to_run_a_closed_loop(page: Page, site: Site) -> None:
    playground = Playground(page).open(site.url)
    playground.type_code(textwrap.dedent(CLOSED_LOOP))
    assert playground.run() == "failed"
    # The traceback, then the warning for main(), never awaited, in CPython's words and order
    # (CPython may add a line on tracemalloc, depending on when at exit it collects main()).
    ending = (
        "RuntimeError: Event loop is closed\n"
        "sys:1: RuntimeWarning: coroutine 'main' was never awaited\n"
    )
    _, errors = run_in_cpython(textwrap.dedent(CLOSED_LOOP))
    assert errors.endswith(ending)
    assert ending in playground.output.inner_text()
    expect(playground.status).to_contain_text("line 9")


@pytest.mark.parametrize("jspi", [True, False], ids=["jspi", "no-jspi"])
def test_page_blocks_inside_a_function_only_with_jspi(page: Page, site: Site, jspi: bool) -> None:
    source = textwrap.dedent(BLOCKING)
    playground = Playground(page).open(site.url, jspi=jspi)
    playground.type_code(source)
    if jspi:
        assert playground.run() == "finished", playground.output.inner_text()
        assert playground.output.inner_text() == _cpython(source)
    else:
        assert playground.run() == "failed"
        assert (
            "RuntimeError: asyncio.run() was called inside a function, which needs WebAssembly "
            "stack switching (JSPI) that this browser lacks: call asyncio.run() at the top "
            "level of your program instead"
        ) in playground.output.inner_text().splitlines()


STARVING = """\
import asyncio

async def spin(n):
    turns = 0
    while True:
        turns += 1
        if n == 0 and turns % 500 == 0:
            print("turn", turns)
        await asyncio.sleep(0)

async def main():
    await asyncio.gather(*(spin(n) for n in range(100)))

asyncio.run(main())
"""


def test_page_streams_output_and_stops_a_program_that_never_lets_the_loop_idle(
    page: Page, site: Site
) -> None:
    playground = Playground(page).open(site.url)
    playground.wait_for_spare()  # for Stop's last resort, as a learner's page would have it
    playground.type_code(STARVING)
    playground.press_run()
    expect(playground.output).to_contain_text("turn 500\n")
    # Lines keep coming while it runs, and so do the trace events the page asks for each
    # frame (the Tasks table lists main and its 100 tasks).
    expect(playground.output).to_contain_text("turn 1500\n")
    table = page.get_by_role("table", name="Tasks")
    expect(table.locator("tbody tr")).to_have_count(101)
    assert playground.state == "running"
    latency = playground.stop()
    assert latency < STOP_WITHIN_S, f"Stop took {latency:.2f} s"
    assert "Traceback" not in playground.output.inner_text()
