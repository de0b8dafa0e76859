"""Browser-only glue between the worker (``web/runner/worker.js``) and :mod:`playground.runner`.

Imported only inside Pyodide. The worker calls :func:`install` once, then :func:`start` per
run and :func:`stop` when the learner presses Stop. Everything handed back to JavaScript is
plain data (dicts of str/int), never a Python object, but for the event loop's callback,
handed once to the worker's timer.
"""

from __future__ import annotations

import builtins
import gc
import importlib.util
import marshal
import sys
import time
from collections.abc import Callable
from typing import Any, ClassVar

from js import Object
from pyodide.ffi import create_proxy, run_sync, to_js
from pyodide.webloop import _orig_sleep

from .loop import Driver
from .runner import (
    WARM_UP,
    Program,
    ProgramLoop,
    SourceError,
    compile_program,
    error_location,
    format_exception,
    syntax_error_location,
    unlink_frames,
    walks_shared,
)
from .schema import MARSHAL_VERSION, make
from .tracer import Tracer

Done = Callable[[dict[str, Any]], None]
# Blocks the worker for up to the given milliseconds; returns early once Stop is pressed.
# Backed by Atomics.wait where the page is cross-origin isolated, else None.
Block = Callable[[float], object]
# Whether the page has raised the shared stop flag (cross-origin isolated pages only).
StopPressed = Callable[[], bool]
# Tells the page that Stop's KeyboardInterrupt was lost, for it to send it again.
InterruptLost = Callable[[], None]
# The worker's one timer for the event loop: calls the given callback once, after the given
# milliseconds (0: a MessageChannel hop), each call replacing the last; None withdraws it.
LoopTimer = Callable[[Any, float | None], object]

# How often the warm-up runs in a worker restored from the memory snapshot, and its bound:
# should it ever wait, it is let go. One pass suffices after a fresh start, whose seconds of
# Python have warmed the rest; a restored worker starts with nothing compiled, and WebKit's
# first program after one pass still ran up to 0.12 s late (create-task-basics 1.03-1.12 s,
# five pages), after five 1.02-1.05 s, as the next. A pass that takes under
# _WARM_ENOUGH_S ends them: the engine has compiled what the lesson's programs run. Measured
# (ten passes per worker, three workers per page): WebKit's passes took 110-120 ms in a
# page's first worker until it had compiled (then 40-55), Chromium's 40-130 then 13-75 with
# no clear fall (their first program never ran late after a restore), Firefox's 13-26 from the
# first; so five passes there cost 0.07-0.24 s of the warm start and bought nothing.
_WARM_UP_PASSES = 5
_WARM_ENOUGH_S = 0.06
_WARM_UP_WITHIN_S = 3.0

# Longest single wait while time.sleep() blocks: bounds how late a Stop is noticed.
_SLEEP_SLICE_S = 0.05


class _Session:
    # The tracer's events not yet taken by the worker (see take_trace), end to end: a flat
    # list of their items (see playground.tracer).
    trace: ClassVar[list[object]] = []
    block: Block | None = None
    # Posts the output the worker holds back (see createOutbox in web/runner/worker.js).
    flush_output: Callable[[], object] | None = None
    site_url = ""
    micropip_configured = False
    program: Program | None = None
    stop_requested = False
    stop_pressed: StopPressed | None = None
    interrupt_lost: InterruptLost | None = None
    driver: Driver | None = None
    # Each run starts with the interpreter's own limit, as a new process would: a program
    # that raised it must not leave the next one a stack the browser cannot hold.
    recursion_limit = sys.getrecursionlimit()


_session = _Session()


def _blocking_sleep(secs: float) -> None:
    """``time.sleep`` that blocks the event loop, as in CPython.

    Pyodide turns ``time.sleep`` into an ``await asyncio.sleep`` under JSPI, so other tasks
    would run during it: the opposite of what the lesson teaches.
    """
    if not isinstance(secs, int | float) or not secs > 0:
        _orig_sleep(secs)  # CPython's own checks and messages, and sleep(0)
        return
    # What was printed before shows while the loop is blocked, as in a terminal.
    if _session.flush_output is not None:
        _session.flush_output()
    deadline = time.monotonic() + secs
    while (left := deadline - time.monotonic()) > 0:
        if _session.block is not None:
            # Once Stop has raised the flag this returns at once, and the KeyboardInterrupt
            # Stop sends through the interrupt buffer lands within a few turns of the loop.
            _session.block(min(left, _SLEEP_SLICE_S) * 1000)
        else:
            _orig_sleep(min(left, _SLEEP_SLICE_S))


def _input(prompt: object = "") -> str:
    """``input()``, which cannot work here: say so clearly, as an EOFError.

    Decision: no prompt in the Output pane. Waiting for a line would have to block the worker
    (Atomics.wait), which needs a cross-origin isolated page, so input() would work on some
    pages and not others (never in an LMS iframe); and a blocked input() stalls every task of
    the event loop, which a lesson on asyncio should not invite. What a learner needs is to
    know at once why it fails and what to do instead.
    """
    sys.stdout.write(str(prompt))
    sys.stdout.flush()
    raise EOFError(
        "input() cannot read from the keyboard in this playground; "
        "put the value in your code instead (for example name = 'Ada')"
    )


def _unraisable(info: sys.UnraisableHookArgs) -> None:
    """CPython's report of an exception it cannot raise, but for Stop's KeyboardInterrupt.

    That lands wherever Python happens to be. In a finaliser (``__del__``) or a weakref
    callback CPython can only print it ("Exception ignored") and carry on, so the program
    would run on until the page replaced the worker, its ``finally`` blocks never run, with a
    traceback of the playground's own in the Output (a WeakSet's, once in CI). Instead the
    page is told, and sends the interrupt again a few milliseconds later: it lands elsewhere.
    """
    lost = _session.interrupt_lost
    if lost is None or not issubclass(info.exc_type, KeyboardInterrupt) or not _stopped():
        sys.__unraisablehook__(info)  # as CPython does, the program's own KeyboardInterrupt too
        return
    try:
        lost()
    except KeyboardInterrupt:
        lost()  # the page had already sent it again, and it landed here


def install(
    block: Block | None,
    flush_output: Callable[[], object],
    site_url: str,
    stop_pressed: StopPressed | None,
    interrupt_lost: InterruptLost | None,
    loop_timer: LoopTimer,
    jspi: bool,
) -> None:
    """Once per worker: make ``time.sleep`` block like CPython's and ``input()`` explain
    itself, and give the event loop the worker's timer. ``jspi``: the timer calls back with
    stack switching (``callPromising``), so a loop run inside a function can wait."""
    _session.block = block
    _session.flush_output = flush_output
    _session.site_url = site_url
    _session.stop_pressed = stop_pressed
    _session.interrupt_lost = interrupt_lost
    time.sleep = _blocking_sleep  # type: ignore[assignment]
    builtins.input = _input

    def wake(delay: float | None) -> None:
        loop_timer(turn, None if delay is None else delay * 1000)

    driver = Driver(wake, run_sync if jspi else None)
    # One proxy for the worker's whole life, however many callbacks it takes.
    turn = create_proxy(driver.turn)
    _session.driver = driver


def _configure_micropip() -> None:
    """Look for wheels on the site itself first, so ``micropip.install`` works offline."""
    # Pyodide has just installed micropip if the program imports it; not imported it yet.
    if _session.micropip_configured or importlib.util.find_spec("micropip") is None:
        return
    import micropip
    from micropip.package_index import DEFAULT_INDEX_URLS

    micropip.set_index_urls([f"{_session.site_url}simple/{{package_name}}/", *DEFAULT_INDEX_URLS])
    _session.micropip_configured = True


def _error(where: SourceError | None) -> dict[str, Any] | None:
    if where is None:
        return None
    return dict(vars(where))


def _stopped() -> bool:
    return _session.stop_requested or bool(_session.stop_pressed and _session.stop_pressed())


def _missing_module_hint(error: ModuleNotFoundError) -> str | None:
    package = (error.name or "").partition(".")[0]
    # `import asyncio.nothing` fails too, but asyncio itself is here: no package to install.
    if not package or importlib.util.find_spec(package) is not None:
        return None
    return (
        f"The module '{package}' is not available: this playground has Python's standard "
        "library only. A pure-Python package from PyPI can be installed with micropip "
        f'before the import: import micropip, then await micropip.install("{package}") '
        "(its name on PyPI may differ)."
    )


# Collects garbage as the interpreter does at exit, from code that calls itself line 1 of
# "sys": a coroutine collected there, never awaited, is then reported as CPython reports it
# at exit ("sys:1: RuntimeWarning: coroutine 'f' was never awaited"), not from this file.
# The error the program ended with lets go of its frames first, as it does once printed:
# `pieces` holds them taken apart (see runner.unlink_frames), so that none frees a chain.
_COLLECT_AT_EXIT = compile("pieces.clear(); gc.collect()", "sys", "exec")


def _outcome(error: BaseException | None) -> dict[str, Any]:
    """What the page is told of a program that ended with `error` (None: it ran to its end)."""
    # Printing the error, finding its line and taking it apart walk its tracebacks once.
    with walks_shared():
        result = _reported(error)
        pieces = [] if error is None else unlink_frames(error)
    del error
    # As at interpreter exit, after its traceback: collect what the program dropped, so a
    # coroutine never awaited or a task's exception never retrieved is reported now, inside
    # this run.
    exec(_COLLECT_AT_EXIT, {"gc": gc, "pieces": pieces})
    sys.stdout.flush()
    return result


def _reported(error: BaseException | None) -> dict[str, Any]:
    if _stopped():
        return {"status": "stopped", "error": None}
    if error is None:
        return {"status": "finished", "error": None}
    if isinstance(error, SystemExit):
        # As the interpreter does at exit: a str code is printed, None and 0 mean success.
        code = error.code
        if code is None or isinstance(code, int):
            exit_code = code or 0
        else:
            print(code, file=sys.stderr)
            exit_code = 1
        status = "finished" if exit_code == 0 else "failed"
        return {"status": status, "error": None, "exit_code": exit_code}
    sys.stderr.write(format_exception(error))
    result = {"status": "failed", "error": _error(error_location(error))}
    if isinstance(error, ModuleNotFoundError) and (hint := _missing_module_hint(error)):
        result["hint"] = hint
    return result


def start(source: str, trace: bool, done: Done) -> None:
    """Compile and start one run, traced unless ``trace`` is false; ``done`` receives
    ``{status, error, elapsed, ...}`` when it ends (``elapsed`` in seconds)."""

    def report(result: dict[str, Any]) -> None:
        done(to_js(result, dict_converter=Object.fromEntries))

    _session.stop_requested = False
    sys.setrecursionlimit(_session.recursion_limit)
    sys.unraisablehook = _unraisable  # afresh, should the last program have replaced it
    _configure_micropip()
    # The program's own time, as `python3 main.py` would take it: from compiling to its last
    # task, without the page's messaging or the collection at exit (see _outcome).
    started = time.monotonic()
    try:
        code = compile_program(source)
    except SyntaxError as error:
        sys.stderr.write(format_exception(error))
        report({"status": "failed", "error": _error(syntax_error_location(error))})
        return
    _session.trace.clear()
    tracer = Tracer(ProgramLoop, _session.trace.extend, _tracer_failed)

    def finished(error: BaseException | None) -> None:
        # Nothing of this program runs after it: its loops are never turned again.
        elapsed = time.monotonic() - started
        tracer.uninstall()
        report({**_outcome(error), "elapsed": elapsed})

    assert _session.driver is not None, "install() first"
    program = Program(code, _session.driver, finished)
    _session.program = program
    if trace:
        tracer.install()
    program.start()


def warm_up(restored: bool) -> bool:
    """Runs :data:`~playground.runner.WARM_UP` as a traced program (up to
    :data:`_WARM_UP_PASSES` times in a worker ``restored`` from the memory snapshot, once in
    one started afresh), turning the loop here until each pass ends, and forgets it; True if
    every pass ran to its end."""
    driver = _session.driver
    assert driver is not None, "install() first"
    give_up = time.monotonic() + _WARM_UP_WITHIN_S
    ran_to_end = True
    for _ in range(_WARM_UP_PASSES if restored else 1):
        began = time.monotonic()
        ran_to_end = _warm_up_pass(driver, give_up - began)
        if not ran_to_end or time.monotonic() - began < _WARM_ENOUGH_S:
            break
    _session.program = None
    _session.trace.clear()
    return ran_to_end


def _warm_up_pass(driver: Driver, within_s: float) -> bool:
    """One traced run of the warm-up, turned here: True if it ran to its end within
    ``within_s``; a run past that is abandoned (its tracer, ``asyncio.run`` and the policy put
    back)."""
    ended: list[Any] = []
    start(WARM_UP, True, ended.append)
    if driver.turn_until(ended.__len__, within_s):
        return bool(ended[0].status == "finished")
    if _session.program is not None:
        _session.program.abandon()
    return False


def _tracer_failed(error: BaseException) -> None:
    _session.trace.extend(make.tracer_error(message=f"{type(error).__name__}: {error}"))


def take_trace() -> bytes | None:
    """The events recorded since the last call, their items end to end in one list, as
    marshal writes it (the format of :data:`~playground.schema.MARSHAL_VERSION`; None if none):
    one block of bytes is far cheaper to hand to JavaScript than thousands of small objects,
    and marshal writes it in C four times faster than json.dumps (10,000 tasks' 310,040 items
    natively: 5.6 ms against 22.5 ms). web/record/marshal.js reads it."""
    if not _session.trace:
        return None
    data = marshal.dumps(_session.trace, MARSHAL_VERSION)
    _session.trace.clear()
    return data


def stop() -> None:
    """Cancel every task of the running program, as asyncio.run does to leftovers; then its
    top level gets a CancelledError where it waits."""
    program = _session.program
    if program is None or program.finished:
        return
    _session.stop_requested = True
    for task in program.running_tasks():
        task.cancel()
    program.interrupt()
