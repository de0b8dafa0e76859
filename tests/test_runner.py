"""The runner under plain CPython: a program run through it behaves as `python3 main.py` does."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playground.loop import Driver
from playground.runner import (
    WARM_UP,
    Program,
    ProgramLoop,
    compile_program,
    error_location,
    format_exception,
)
from playground.tracer import Tracer
from tracing import run


def run_in_runner(source: str) -> tuple[str, str]:
    """What `source` printed through the runner alone (no tracer), and its traceback."""
    result = run(source, traced=False)
    return result.printed, result.failure


def run_in_cpython(source: str, *, path: Path | None = None) -> tuple[str, str]:
    """What ``python3 -c source`` prints, in a process of its own (``path`` on its
    PYTHONPATH)."""
    env = None if path is None else {**os.environ, "PYTHONPATH": str(path)}
    proc = subprocess.run(
        [sys.executable, "-c", source],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env=env,
    )
    return proc.stdout, proc.stderr


ROOT = Path(__file__).resolve().parents[1]

PROGRAMS = {
    "asyncio.run returns main's result": """
        import asyncio
        async def main():
            await asyncio.sleep(0)
            return 42
        print(asyncio.run(main()))
    """,
    # One leftover only: CPython cancels leftovers in the order of a set, which is arbitrary.
    "leftover tasks are cancelled at exit and their finally blocks run": """
        import asyncio
        async def forever(name):
            try:
                await asyncio.sleep(100)
            finally:
                print(name, "cleaned up")
        async def main():
            asyncio.create_task(forever("leftover"))
            await asyncio.sleep(0.01)
            print("main done")
        asyncio.run(main())
        print("after run")
    """,
    "asyncio.run inside a coroutine is an error": """
        import asyncio
        async def inner():
            return 1
        async def main():
            coro = inner()
            try:
                asyncio.run(coro)
            except RuntimeError as error:
                print(error)
            finally:
                coro.close()
        asyncio.run(main())
    """,
    "create_task outside a running loop is an error": """
        import asyncio
        async def work():
            pass
        coro = work()
        try:
            asyncio.create_task(coro)
        except RuntimeError as error:
            print(error)
        coro.close()
    """,
    "two asyncio.run calls in a row": """
        import asyncio
        async def hello(n):
            await asyncio.sleep(0.01)
            print("hello", n)
        asyncio.run(hello(1))
        asyncio.run(hello(2))
    """,
    "a function named run is just a function": """
        def run(x):
            return x * 2
        print(run(21))
    """,
    "from asyncio import run works": """
        from asyncio import run, sleep
        async def main():
            await sleep(0)
            print("ran")
        run(main())
    """,
    "TaskGroup cancels siblings and raises an ExceptionGroup": """
        import asyncio
        async def fail():
            await asyncio.sleep(0.01)
            raise ValueError("boom")
        async def slow(name):
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                print(name, "cancelled")
                raise
        async def main():
            try:
                # One sibling only: TaskGroup cancels siblings in the order of a set.
                async with asyncio.TaskGroup() as tg:
                    tg.create_task(slow("sibling"))
                    tg.create_task(fail())
            except* ValueError as group:
                print("caught", group.exceptions)
        asyncio.run(main())
    """,
    "gather with return_exceptions collects failures": """
        import asyncio
        async def ok():
            return "ok"
        async def bad():
            raise ConnectionError("down")
        async def main():
            print(await asyncio.gather(ok(), bad(), return_exceptions=True))
        asyncio.run(main())
    """,
}


@pytest.mark.parametrize("source", PROGRAMS.values(), ids=list(PROGRAMS))
def test_program_prints_what_cpython_prints(source: str) -> None:
    source = textwrap.dedent(source)
    expected, _ = run_in_cpython(source)
    printed, failure = run_in_runner(source)
    assert failure == ""
    assert printed == expected


def test_a_fresh_namespace_for_every_run() -> None:
    run_in_runner("secret = 1\n")
    printed, failure = run_in_runner("print('secret' in globals(), __name__)\n")
    assert (printed, failure) == ("False __main__\n", "")


def test_the_warm_up_ends_in_turns_alone_and_leaves_nothing_a_program_sees(capsys) -> None:
    # As playground.browser.warm_up runs it in the worker: traced, the driver's turns called
    # one after another, never a timer waited for.
    asked: list[float | None] = []
    driver = Driver(asked.append)
    ended: list[BaseException | None] = []
    events: list[object] = []

    def warm_up() -> None:
        tracer = Tracer(ProgramLoop, events.extend, pytest.fail)
        tracer.install()
        Program(compile_program(WARM_UP), driver, ended.append).start()
        try:
            assert driver.turn_until(lambda: bool(ended), within_s=10)
        finally:
            tracer.uninstall()

    # A thread of its own, as tracing.run's: the browser tests' Playwright keeps a loop
    # running in the main thread, which a program's top level would unset.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(warm_up).result()
    assert ended == [None]
    assert set(asked) <= {0, None}, asked
    assert events, "the tracer recorded nothing: it was not warmed up"
    assert capsys.readouterr() == ("", "")
    # The next program's tasks are named as in a new process.
    source = "import asyncio\nasync def main():\n    print(asyncio.current_task().get_name())\n"
    source += "asyncio.run(main())\n"
    assert run_in_runner(source) == run_in_cpython(source) == ("Task-1\n", "")


GIVING_UP = """
import asyncio
from playground.loop import Driver
from playground.runner import Program, compile_program

asked = []
driver = Driver(asked.append)
ended = []
run, policy = asyncio.run, asyncio.get_event_loop_policy()
program = Program(compile_program("import asyncio\\nasyncio.run(asyncio.sleep(3600))\\n"),
                  driver, ended.append)
program.start()
gave_up = not driver.turn_until(lambda: bool(ended), within_s=0.2)
print("gave up", gave_up, "ended", ended)
print("driver", driver.loop, asked[-1])
program.abandon()
print("ended", [type(error).__name__ for error in ended])
print("put back", asyncio.run is run, asyncio.get_event_loop_policy() is policy)
"""


def test_turning_until_the_end_gives_up_on_a_program_that_waits_for_time() -> None:
    # The warm-up's bound: a program that waits for a timer never ends in turns alone. The
    # driver gives up in time and forgets it; abandoned, the program ends and puts back what
    # it changed (asyncio.run, the policy), so that the worker's next program starts clean.
    # In a process of its own: the abandoned program's coroutines are closed by the collector.
    printed, failure = run_in_cpython(GIVING_UP, path=ROOT / "py")
    assert printed.splitlines() == [
        "gave up True ended []",
        "driver None None",  # no loop, and no timer left asked for
        "ended ['TimeoutError']",
        "put back True True",
    ], failure


def test_top_level_await_works() -> None:
    printed, failure = run_in_runner("import asyncio\nawait asyncio.sleep(0)\nprint('awaited')\n")
    assert (printed, failure) == ("awaited\n", "")


def test_traceback_shows_only_the_learners_frames() -> None:
    source = textwrap.dedent(
        """\
        import asyncio

        async def divide(a, b):
            return a / b

        async def main():
            return await divide(1, 0)

        asyncio.run(main())
        """
    )
    _, failure = run_in_runner(source)
    assert failure.startswith("Traceback (most recent call last):\n")
    # Caret lines (^^^) vary between CPython versions; the frames must not.
    frames = [line.strip() for line in failure.splitlines() if line.startswith("  File ")]
    assert frames == [
        'File "main.py", line 9, in <module>',
        'File "main.py", line 7, in main',
        'File "main.py", line 4, in divide',
    ]
    assert failure.endswith("ZeroDivisionError: division by zero\n")


def test_syntax_error_is_reported_like_cpython() -> None:
    with pytest.raises(SyntaxError) as caught:
        compile_program('print("a")\nprint("b"\n')
    text = format_exception(caught.value)
    assert text.startswith('  File "main.py", line 2\n')
    assert text.rstrip().endswith("SyntaxError: '(' was never closed")
    where = error_location(caught.value)
    assert where is not None and where.line == 2


def test_error_location_is_the_innermost_learner_line() -> None:
    source = "def f():\n    raise KeyError('k')\n\nf()\n"
    with pytest.raises(KeyError) as caught:
        exec(compile_program(source), {"__name__": "__main__"})
    where = error_location(caught.value)
    assert where is not None
    assert (where.line, where.message) == (2, "KeyError: 'k'")


@pytest.mark.parametrize("raised", ["raise ValueError('v') from e", "raise ValueError('v')"])
def test_error_location_says_the_errors_own_line_and_leaves_its_chain_as_it_was(
    raised: str,
) -> None:
    source = (
        "try:\n    {}['k']\nexcept KeyError:\n    try:\n        1 / 0\n"
        f"    except ZeroDivisionError as e:\n        {raised}\n"
    )
    with pytest.raises(ValueError) as caught:
        exec(compile_program(source), {"__name__": "__main__"})
    error = caught.value
    chain = (error.__cause__, error.__context__, error.__suppress_context__)
    before = format_exception(error)
    where = error_location(error)
    assert where is not None and (where.line, where.message) == (7, "ValueError: v")
    assert (error.__cause__, error.__context__, error.__suppress_context__) == chain
    assert format_exception(error) == before
    assert ("was the direct cause" in before) == ("from" in raised), before


def test_unhandled_exception_of_a_leftover_task_is_reported_at_shutdown() -> None:
    source = textwrap.dedent(
        """\
        import asyncio
        async def stubborn():
            try:
                await asyncio.sleep(10)
            finally:
                raise OSError("cleanup failed")
        async def main():
            asyncio.create_task(stubborn())
            await asyncio.sleep(0)
        asyncio.run(main())
        print("after")
        """
    )
    result = run(source, traced=False)
    assert (result.printed, result.failure) == ("after\n", "")
    # CPython's loop logs it; the playground's writes the same words to stderr.
    _, cpython_err = run_in_cpython(source)
    for words in ("unhandled exception during asyncio.run() shutdown\n", "OSError: cleanup failed"):
        assert words in cpython_err
        assert words in result.errors


# Each as deep as it says, not as deep as the recursion limit: the runner's own frames
# below the program take a few levels of the limit.
RECURSIONS = {
    "one line": """
        import sys
        sys.setrecursionlimit(20_000)
        def deeper(n):
            return deeper(n - 1) if n else 1 / 0
        deeper(10_000)
    """,
    "two functions in turn": """
        def ping(n):
            return pong(n - 1) if n else 1 / 0
        def pong(n):
            return ping(n - 1)
        ping(100)
    """,
    "two lines in turn": """
        def deeper(n):
            if n % 2:
                return deeper(n - 1)
            return deeper(n - 1) if n else 1 / 0
        deeper(100)
    """,
    "a run as long as the cut": """
        def countdown(n):
            if n == 0:
                raise ValueError("bottom")
            return countdown(n - 1)
        countdown(3)
    """,
    "chained to another error": """
        def deeper(n):
            return deeper(n - 1) if n else 1 / 0
        def main():
            try:
                deeper(500)
            except ZeroDivisionError as error:
                raise ValueError("too deep") from error
        main()
    """,
    "in an exception group": """
        def deeper(n):
            return deeper(n - 1) if n else 1 / 0
        def grouped():
            try:
                deeper(500)
            except ZeroDivisionError as error:
                raise ExceptionGroup("many", [error, KeyError("k")])
        grouped()
    """,
    # The traceback shows the first 15 of a group's members and counts the rest: the runner
    # cuts and trims those 15 only, so the 16th, deep as it is, is neither shown nor cut.
    "in a group too wide to show whole": """
        def deeper(n):
            return deeper(n - 1) if n else 1 / 0
        def failure(n):
            try:
                deeper(20 if n == 15 else n % 3)
            except ZeroDivisionError as error:
                return error
        raise ExceptionGroup("forty", [failure(n) for n in range(40)])
    """,
}


# Python 3.13+ prints an uncaught error through the traceback module, every frame included
# (traceback._print_exception_bltin); 3.11's printer, in C, showed the last 1,000 only. So
# CPython's text is made the newer way, whichever CPython runs the tests.
NEWER_EXCEPTHOOK = (
    "import sys, traceback\n"
    "sys.excepthook = lambda *error: "
    "sys.stderr.write(''.join(traceback.format_exception(*error)))\n"
)


@pytest.mark.parametrize("source", RECURSIONS.values(), ids=list(RECURSIONS))
def test_recursion_traceback_is_cut_as_cpython_cuts_it(source: str, tmp_path: Path) -> None:
    """The runner extracts a traceback's frames only as far as CPython shows them (a million
    of one line took minutes in the browser): what it prints must still be CPython's, word
    for word, "[Previous line repeated N more times]" included."""
    source = textwrap.dedent(source).lstrip()
    (tmp_path / "main.py").write_text(source)
    (tmp_path / "sitecustomize.py").write_text(NEWER_EXCEPTHOOK)
    cpython = subprocess.run(
        [sys.executable, "main.py"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cpython.returncode == 1
    _, failure = run_in_runner(source)
    assert failure == cpython.stderr.replace(f"{tmp_path}/", "")
