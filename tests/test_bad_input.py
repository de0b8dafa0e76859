"""Bad input gets a clear message and loses nothing: what a learner sees in the Output pane
when a program misuses asyncio, floods the output, asks for input, exits, imports what is not
there, kills Python, or is run again while it runs."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import PageErrors, Site
from playwright.sync_api import Page, expect
from test_stop import WARM_RUN_WITHIN_S, runs_again_at_once
from ui import Playground


def cpython_run(code: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """`python3 main.py` in a terminal-less shell, for what CPython itself prints; file names
    made relative, as the playground shows them ("main.py", not "/tmp/.../main.py")."""
    (folder / "main.py").write_text(code)
    done = subprocess.run(
        [sys.executable, "main.py"], cwd=folder, capture_output=True, text=True, timeout=30
    )
    done.stderr = done.stderr.replace(f"{folder}/", "")
    return done


NEVER_AWAITED = {
    # Dropped at once: CPython warns on the line that made it.
    "dropped": (
        "import asyncio\n\nasync def fetch():\n    return 1\n\n"
        'async def main():\n    fetch()\n    print("end")\n\nasyncio.run(main())\n'
    ),
    # Kept alive by a reference cycle until the garbage collector runs: at exit in CPython.
    "in-a-cycle": (
        "import asyncio\n\nasync def fetch():\n    return 1\n\n"
        "async def main():\n    pending = [fetch()]\n    pending.append(pending)\n"
        '    print("end")\n\nasyncio.run(main())\n'
    ),
}


@pytest.mark.parametrize("code", NEVER_AWAITED.values(), ids=list(NEVER_AWAITED))
def test_coroutine_never_awaited_is_warned_as_cpython_does(
    page: Page, site: Site, tmp_path: Path, code: str
) -> None:
    cpython = cpython_run(code, tmp_path)
    assert "RuntimeWarning: coroutine 'fetch' was never awaited" in cpython.stderr
    playground = Playground(page).open(site.url)
    playground.type_code(code)
    assert playground.run() == "finished"
    # The warning is in the pane, styled as stderr, word for word CPython's (with its line).
    expect(page.locator("#output .stderr")).to_have_count(1)
    assert page.locator("#output .stderr").inner_text() == cpython.stderr
    assert "end\n" in playground.output.inner_text()


NEVER_RETRIEVED = """\
import asyncio

async def boom():
    raise ValueError("bad input")

async def main():
    asyncio.create_task(boom())
    await asyncio.sleep(0.1)
    print("main done")

asyncio.run(main())
"""

RETRIEVED_LATER = """\
import asyncio

async def boom():
    raise ValueError("bad input")

async def main():
    task = asyncio.create_task(boom())
    await asyncio.sleep(0.1)
    try:
        await task
    except ValueError as error:
        print("caught", error)

asyncio.run(main())
"""


# Traced too: observing a failed task must not mark its exception retrieved.
@pytest.mark.parametrize("query", ["trace=off", ""], ids=["untraced", "traced"])
def test_task_exception_never_retrieved_is_reported_as_cpython_does(
    page: Page, site: Site, tmp_path: Path, query: str
) -> None:
    cpython = cpython_run(NEVER_RETRIEVED, tmp_path)
    assert cpython.stderr.startswith("Task exception was never retrieved\n")
    playground = Playground(page).open(site.url, query=query)
    playground.type_code(NEVER_RETRIEVED)
    assert playground.run() == "finished"
    # The message, the task and the traceback, trimmed to the learner's frames.
    expect(page.locator("#output .stderr")).to_have_count(1)
    assert page.locator("#output .stderr").inner_text() == cpython.stderr


def test_task_exception_retrieved_later_is_not_reported(page: Page, site: Site) -> None:
    """Pyodide alone would call it an unhandled exception the moment the task fails."""
    playground = Playground(page).open(site.url)
    playground.type_code(RETRIEVED_LATER)
    assert playground.run() == "finished"
    expect(playground.output).to_have_text("caught bad input\n")


# Forty times the cap: seconds of printing (about 4 s traced here), in which the page is
# watched; a million lines took 30 to 70 s of the suite's time and showed nothing more.
FLOOD_LINES = 200_000
FLOOD = f"for i in range({FLOOD_LINES}):\n    print(i)\nprint('done')\n"
# web/runner/worker.js: at most 5,000 lines of a run reach the page.
SHOWN_LINES = 5_000
# A frame at 60 Hz is 17 ms; a page drawing a million lines would take seconds to answer.
# 0.25 s leaves room for a machine busy with the flooding worker and other browsers.
RESPONSIVE_WITHIN_S = 0.25


def test_output_flood_is_capped_and_the_page_stays_responsive(page: Page, site: Site) -> None:
    playground = Playground(page).open(site.url)
    playground.type_code(FLOOD)
    playground.press_run()
    expect(playground.output).to_contain_text("[Output is limited to 5,000 lines per run.]")
    # The program goes on printing for seconds: the page answers and draws frames meanwhile.
    assert playground.state == "running"
    for _ in range(5):
        started = time.monotonic()
        playground.wait_for_drawing()
        took = time.monotonic() - started
        assert took < RESPONSIVE_WITHIN_S, f"a frame took {took:.2f} s"
    assert playground.state == "running"
    playground.wait_until_done()
    assert playground.state == "finished"
    shown = "".join(f"{i}\n" for i in range(SHOWN_LINES))
    dropped = FLOOD_LINES + 1 - SHOWN_LINES  # the numbers, and "done"
    expected = (
        f"{shown}[Output is limited to 5,000 lines per run.]\n"
        f"[... {dropped:,} more lines not shown]\n"
    )
    # Bounded: the pane holds the first lines and two notes, nothing more.
    assert playground.output.inner_text() == expected


@pytest.mark.parametrize("serving", ["site", "plain_site"])
def test_input_says_clearly_that_it_cannot_read(
    page: Page, request: pytest.FixtureRequest, serving: str
) -> None:
    site: Site = request.getfixturevalue(serving)
    playground = Playground(page).open(site.url)
    playground.type_code('name = input("Your name? ")\nprint("Hello", name)\n')
    assert playground.run() == "failed"
    printed = playground.output.inner_text()
    # The prompt, then why it cannot go on and what to do instead, on the learner's line.
    assert printed.startswith("Your name? Traceback (most recent call last):\n"), printed
    assert 'File "main.py", line 1, in <module>' in printed
    assert printed.rstrip().endswith(
        "EOFError: input() cannot read from the keyboard in this playground; "
        "put the value in your code instead (for example name = 'Ada')"
    )
    assert "/playground/" not in printed  # none of the runner's frames
    expect(playground.status).to_contain_text("line 1")


EXITS = {
    "sys.exit(3)": ("import sys\nprint('before')\nsys.exit(3)\n", 3, "before\n"),
    "sys.exit()": ("import sys\nsys.exit()\n", 0, ""),
    "SystemExit(str)": ('raise SystemExit("bye")\n', 1, "bye\n"),
    "sys.exit-in-main": (
        "import asyncio\nimport sys\n\nasync def main():\n    sys.exit(2)\n\nasyncio.run(main())\n",
        2,
        "",
    ),
}


@pytest.mark.parametrize("name", list(EXITS))
def test_system_exit_is_reported_as_an_exit(
    page: Page, site: Site, tmp_path: Path, name: str
) -> None:
    code, exit_code, printed = EXITS[name]
    assert cpython_run(code, tmp_path).returncode == exit_code
    playground = Playground(page).open(site.url)
    playground.type_code(code)
    assert playground.run() == ("finished" if exit_code == 0 else "failed")
    expect(playground.output).to_have_text(f"{printed}Exited with code {exit_code}.\n")
    expect(playground.status).to_contain_text(f"Exited with code {exit_code} after")


def test_keyboard_interrupt_raised_by_the_program_is_its_traceback(page: Page, site: Site) -> None:
    playground = Playground(page).open(site.url)
    playground.type_code(
        "import asyncio\n\nasync def main():\n    raise KeyboardInterrupt\n\nasyncio.run(main())\n"
    )
    assert playground.run() == "failed"
    printed = playground.output.inner_text()
    assert printed.startswith("Traceback (most recent call last):\n")
    assert 'File "main.py", line 4, in main' in printed
    assert printed.rstrip().endswith("\nKeyboardInterrupt")
    assert "/playground/" not in printed
    assert "Stopped" not in printed  # the program's own, not a Stop
    expect(playground.status).to_contain_text("line 4")


def test_missing_module_says_how_to_install_one(page: Page, site: Site) -> None:
    playground = Playground(page).open(site.url)
    playground.type_code("import numpy\n")
    assert playground.run() == "failed"
    expect(page.locator("#output .stderr")).to_contain_text(
        "ModuleNotFoundError: No module named 'numpy'"
    )
    expect(page.locator("#output .note")).to_contain_text(
        'import micropip, then await micropip.install("numpy")'
    )


CRASH = """\
import sys

sys.setrecursionlimit(10**6)

def deeper(n):
    return sorted([n], key=deeper)

deeper(0)
"""


def test_worker_crash_is_explained_and_the_page_recovers(
    page: Page, site: Site, page_errors: PageErrors
) -> None:
    # Pyodide itself logs its fatal error to the console.
    page_errors.expect(r"Pyodide has suffered a fatal error")
    page_errors.expect(r"The cause of the fatal error was")
    page_errors.expect(r"Maximum call stack size exceeded")
    playground = Playground(page).open(site.url)
    playground.wait_for_spare()
    playground.type_code(CRASH)
    assert playground.run() == "failed"
    expect(page.locator("#output .note")).to_contain_text(
        "Python crashed: the browser ran out of stack space"
    )
    expect(playground.status).to_contain_text("Python crashed after")
    runs_again_at_once(playground)


UNBOUNDED_RECURSION = """\
import sys

sys.setrecursionlimit(10**6)

def deeper(n):
    return deeper(n + 1)

deeper(0)
"""
# CPython 3.14 ends it in about 1.3 s, and issue 23 asks for 2 s; the page took over a minute
# to format a million frames, then 2.7 s once it cut them (1.6x `python3` here), and 1.6-1.7 s
# from Run since it walks them in C (0.55-0.6 s of it the recursion itself, the rest printing
# the error and freeing a million frames). The bound is `python3`'s own time for the program,
# measured beside the page on the same machine, times 1.3, plus 0.2 s for the page's part
# (a click, a worker's message, drawing): this machine's speed wanders by a third within an
# hour (`python3` took 1.7 s, then 2.0 to 2.6 s, on one day, and the page 1.6 s, then 2.0 to
# 2.8 s), which a fixed 2.5 s failed on a slow spell, while the page stayed within 0.9x to
# 1.2x `python3`. The 2.7 s of before, 1.6x, still fails.
RECURSION_AGAINST_CPYTHON = 1.3
RECURSION_PAGE_S = 0.2


def test_unbounded_recursion_ends_with_cpythons_recursion_error(
    page: Page, site: Site, tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    playground = Playground(page).open(site.url)
    playground.wait_for_spare()
    started = time.monotonic()
    cpython = cpython_run(UNBOUNDED_RECURSION, tmp_path)
    cpython_s = time.monotonic() - started
    assert cpython.stderr.endswith("RecursionError: maximum recursion depth exceeded\n")
    state, took = playground.run_timed(UNBOUNDED_RECURSION)
    record_property("recursion_run_s", round(took, 3))
    print(f"\nunbounded recursion, Run to its end: {took:.3f} s (python3: {cpython_s:.3f} s)")
    assert state == "failed"
    printed = page.locator("#output .stderr").inner_text()
    # As CPython prints it: the first three calls of the line, then a count of the rest.
    frames = [line.strip() for line in printed.splitlines() if line.startswith("  File ")]
    assert (
        frames
        == ['File "main.py", line 8, in <module>'] + ['File "main.py", line 6, in deeper'] * 3
    )
    assert re.search(
        r"\n  \[Previous line repeated \d{6} more times\]\n"
        r"RecursionError: maximum recursion depth exceeded\n$",
        printed,
    ), printed
    expect(page.locator("#output .note")).to_have_count(0)  # no crash
    expect(playground.status).to_contain_text("line 6")
    bound = RECURSION_AGAINST_CPYTHON * cpython_s + RECURSION_PAGE_S
    assert took < bound, f"took {took:.2f} s, python3 {cpython_s:.2f} s"
    runs_again_at_once(playground)


# An error raised while handling the last one, 3,500 times: CPython prints the chain of 3,500
# in 0.3 s. The page crashed after 3 s: the copy of the chain that formats the error's own
# line for the editor was dropped whole, freed each from inside the last one's freeing.
LONG_CHAIN = """\
import sys

sys.setrecursionlimit(10_000)

def fail(n):
    try:
        raise ValueError(n)
    except ValueError:
        if n:
            fail(n - 1)
        else:
            raise

fail(3_500)
"""


def test_a_chain_of_thousands_of_errors_ends_as_in_cpython(page: Page, site: Site) -> None:
    playground = Playground(page).open(site.url)
    playground.wait_for_spare()
    playground.type_code(LONG_CHAIN)
    assert playground.run() == "failed"
    printed = page.locator("#output .stderr").inner_text()
    assert printed.startswith("Traceback (most recent call last):\n"), printed[:300]
    assert "During handling of the above exception, another exception occurred:" in printed
    # Two notes and no other (none saying the worker crashed): where the output was cut, and
    # at the end how much was not shown. Notes that arrive together share one element, and the
    # last may be drawn a moment after the status: the check waits for it, then reads them all.
    expect(page.locator("#output")).to_contain_text("more lines not shown]")
    notes = "".join(page.locator("#output .note").all_text_contents())
    assert re.fullmatch(
        r"\[Output is limited to 5,000 lines per run\.\]\n\[\.\.\. [\d,]+ more lines not shown\]\n",
        notes,
    ), notes
    expect(playground.status).to_contain_text("(line 7)")


CAUGHT_RECURSION = """\
import asyncio
import sys

sys.setrecursionlimit(10**6)

def deeper(n):
    return deeper(n + 1)

async def climb(name):
    try:
        deeper(0)
    except RecursionError as error:
        print(name, "caught:", error)

asyncio.run(climb("a task"))
try:
    deeper(0)
except RecursionError:
    print("the top level caught it")
print("and carried on")
"""


def test_a_recursion_error_caught_a_million_calls_down_is_caught_as_in_cpython(
    page: Page, site: Site
) -> None:
    # Where the handler ends, the error's million traceback entries and frames were freed at
    # once, each from inside the last one's freeing, and the browser's stack overflowed:
    # Python crashed (an error caught 10,000 calls down did too). See runner.DeepCatches.
    playground = Playground(page).open(site.url)
    playground.wait_for_spare()
    playground.type_code(CAUGHT_RECURSION)
    assert playground.run() == "finished", playground.output.inner_text()
    expect(playground.output).to_have_text(
        "a task caught: maximum recursion depth exceeded\nthe top level caught it\nand carried on\n"
    )


@pytest.mark.parametrize(
    "first",
    [
        # Cancelled: it awaits, so Stop's first step ends it.
        "import asyncio\n\nprint('first started')\nasyncio.run(asyncio.sleep(1e6))\n",
        # Deaf to cancelling: interrupted or replaced, and the second run starts all the same.
        "print('first started')\nwhile True:\n    pass\n",
    ],
    ids=["cancellable", "busy"],
)
def test_run_during_a_run_stops_the_first_cleanly(page: Page, site: Site, first: str) -> None:
    playground = Playground(page).open(site.url)
    playground.wait_for_spare()
    playground.type_code(first)
    playground.press_run()
    expect(playground.output).to_contain_text("first started")
    playground.type_code("print('second')\n")
    started = time.monotonic()
    # The first run ends stopped (its finally blocks run, as test_stop checks; every run has an
    # interpreter of its own, so nothing of them outlives it) before the second starts.
    states = playground.states_through(playground.press_run)
    took = time.monotonic() - started
    assert states == ["running", "stopped", "running", "finished"]
    assert playground.output.inner_text() == "second\n"  # only the second run's output
    assert took < 1.0 + WARM_RUN_WITHIN_S, f"took {took:.2f} s"


# A start that fails says which step failed, in a sentence, within seconds, not after the 45 s
# a stalled download is given (issue 20: WebKit's refused worker was told as a lost
# connection). Each step broken in turn, as a damaged deploy or a browser's refusal breaks it:
# (what is served instead, the words of the sentence, the console errors that come with it).
BROKEN_STARTS = {
    "file": ("**/python_stdlib.zip", 404, b"", "python_stdlib.zip: HTTP 404", r"404"),
    "frame": (
        "**/sandbox.html",
        200,
        b"<!DOCTYPE html><title>no script</title>",
        "did not run the sandboxed frame",
        r"^$",
    ),
    "worker": (
        "**/worker.js",
        200,
        b"throw new Error('damaged');",
        "this browser would not run its worker",
        r"damaged",
    ),
    "webassembly": (
        "**/pyodide.asm.wasm",
        200,
        b"not webassembly",
        "could not compile Python's WebAssembly",
        r"^$",
    ),
}
# The frame's own watch waits 5 s after its load event (web/runner/frame.js); everything else
# is told as soon as it happens, about a second after the page opens here.
TOLD_WITHIN_S = 10


@pytest.mark.parametrize("step", list(BROKEN_STARTS))
def test_a_start_that_fails_says_which_step_within_seconds(
    page: Page, site: Site, page_errors: PageErrors, step: str
) -> None:
    pattern, status, body, words, logged = BROKEN_STARTS[step]
    page.route(pattern, lambda route: route.fulfill(status=status, body=body))
    page_errors.expect(logged)
    started = time.monotonic()
    page.goto(site.url)
    page.wait_for_function(
        "() => document.body.dataset.state === 'failed'", timeout=TOLD_WITHIN_S * 1000
    )
    took = time.monotonic() - started
    said = page.locator("#status").inner_text()
    assert said.startswith("Python could not start") and words in said, said
    assert took < TOLD_WITHIN_S
