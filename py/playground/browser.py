"""Browser-only glue between the worker (``web/worker.js``) and :mod:`playground.runner`.

Imported only inside Pyodide. The worker calls :func:`install` once, then :func:`start` per
run and :func:`stop` when the learner presses Stop. Everything handed back to JavaScript is
plain data (dicts of str/int), never a Python object.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib.util
import itertools
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any

from js import Object
from pyodide.ffi import can_run_sync, run_sync, to_js
from pyodide.webloop import WebLoop, _orig_sleep

from .runner import (
    Program,
    SourceError,
    compile_program,
    error_location,
    format_exception,
    syntax_error_location,
)

Done = Callable[[dict[str, Any]], None]
# Blocks the worker for up to the given milliseconds; returns early once Stop is pressed.
# Backed by Atomics.wait where the page is cross-origin isolated, else None.
Block = Callable[[float], None]

# Longest single wait while time.sleep() blocks: bounds how late a Stop is noticed.
_SLEEP_SLICE_S = 0.05


class PlaygroundLoop(WebLoop):
    """Pyodide's WebLoop, fresh for every run, naming tasks ``Task-1``, ``Task-2``... as a new
    CPython process does (the worker's own earlier tasks would otherwise shift the numbers)."""

    def __init__(self) -> None:
        super().__init__()
        self._task_numbers = itertools.count(1)

    def create_task(
        self,
        coro: Coroutine[Any, Any, Any],
        *,
        name: str | None = None,
        context: contextvars.Context | None = None,
        eager_start: bool | None = None,
    ) -> asyncio.Task[Any]:
        if name is None:
            name = f"Task-{next(self._task_numbers)}"
        task: asyncio.Task[Any] = super().create_task(coro, name=name, context=context)
        return task


class _Session:
    block: Block | None = None
    site_url = ""
    micropip_configured = False
    program: Program | None = None
    stop_requested = False


_session = _Session()


def _blocking_sleep(secs: float) -> None:
    """``time.sleep`` that blocks the event loop, as in CPython.

    Pyodide turns ``time.sleep`` into an ``await asyncio.sleep`` under JSPI, so other tasks
    would run during it: the opposite of what the lesson teaches.
    """
    if not isinstance(secs, int | float) or not secs > 0:
        _orig_sleep(secs)  # CPython's own checks and messages, and sleep(0)
        return
    deadline = time.monotonic() + secs
    while (left := deadline - time.monotonic()) > 0:
        if _session.block is not None:
            _session.block(min(left, _SLEEP_SLICE_S) * 1000)
        else:
            _orig_sleep(min(left, _SLEEP_SLICE_S))


def _run_sync_if_possible(coro: Coroutine[Any, Any, Any]) -> Any:
    if can_run_sync():
        return run_sync(coro)
    coro.close()
    raise RuntimeError(
        "asyncio.run() was called inside a function, which needs WebAssembly stack "
        "switching (JSPI) that this browser lacks: call asyncio.run(...) at the top level "
        "of your program instead"
    )


def install(block: Block | None, site_url: str) -> None:
    """Once per worker: make ``time.sleep`` block like CPython's."""
    _session.block = block
    _session.site_url = site_url
    time.sleep = _blocking_sleep  # type: ignore[assignment]


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
    return {"line": where.line, "column": where.column, "message": where.message}


def _outcome(task: asyncio.Task[Any]) -> dict[str, Any]:
    sys.stdout.flush()
    if _session.stop_requested:
        return {"status": "stopped", "error": None}
    if task.cancelled():
        print("asyncio.exceptions.CancelledError", file=sys.stderr)
        return {"status": "failed", "error": None}
    error = task.exception()
    if error is None:
        return {"status": "finished", "error": None}
    if isinstance(error, SystemExit):
        # As the interpreter does at exit: a str code is printed, None and 0 mean success.
        if error.code is None or error.code == 0:
            return {"status": "finished", "error": None}
        if not isinstance(error.code, int):
            print(error.code, file=sys.stderr)
        return {"status": "failed", "error": None}
    sys.stderr.write(format_exception(error))
    return {"status": "failed", "error": _error(error_location(error))}


def start(source: str, done: Done) -> None:
    """Compile and start one run; ``done`` receives ``{status, error}`` when it ends."""

    def report(result: dict[str, Any]) -> None:
        done(to_js(result, dict_converter=Object.fromEntries))

    _session.stop_requested = False
    _configure_micropip()
    try:
        code = compile_program(source)
    except SyntaxError as error:
        sys.stderr.write(format_exception(error))
        report({"status": "failed", "error": _error(syntax_error_location(error))})
        return
    loop = PlaygroundLoop()
    asyncio.set_event_loop(loop)
    # KeyboardInterrupt and SystemExit re-raise out of the task step that met them; the task
    # itself already holds the exception, which _outcome reports.
    loop._keyboard_interrupt_handler = lambda: None
    loop._system_exit_handler = lambda code: None
    program = Program(code, on_blocking_run=_run_sync_if_possible)
    _session.program = program
    task = loop.create_task(program.execute(), name="playground-main-module")
    task.add_done_callback(lambda t: report(_outcome(t)))


def stop() -> None:
    """Cancel every task of the running program, as asyncio.run does to leftovers."""
    program = _session.program
    if program is None or program.top_task is None or program.top_task.done():
        return
    _session.stop_requested = True
    for task in (*program.tasks(), program.top_task):
        task.cancel()
