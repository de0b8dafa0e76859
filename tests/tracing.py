"""Runs a program through the runner (and the tracer), under CPython, as the browser does.

`python tests/tracing.py < main.py` (with py/ and tests/ on PYTHONPATH) prints one run's data
as the page hands it to an exercise's check: see `page_run`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import itertools
import json
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from playground.runner import (
    Program,
    SourceError,
    compile_program,
    error_location,
    format_exception,
    syntax_error_location,
)
from playground.schema import cause_words, group_words, named, split, wait_words
from playground.tracer import TASK_SLOTS, Event, Tracer


class PyTask(asyncio.Task):  # type: ignore[type-arg]
    """Pyodide's tasks are a Python subclass of asyncio.Task (whose ``cancel`` the tracer can
    hook, to see who cancels them); the CPython tests use one too, with the tracer's slot, as
    the playground's Task has."""

    __slots__ = TASK_SLOTS


@dataclass
class Run:
    printed: str  # what the program wrote to stdout
    failure: str  # its trimmed traceback if it raised, else ""
    events: list[Event]
    tracer_errors: list[BaseException]
    elapsed: float = 0.0  # the program's own seconds, from compiling it to its end
    error: SourceError | None = None  # where its uncaught error is, as the page marks it


def run(source: str, *, traced: bool = True, emit: Callable[[Event], None] | None = None) -> Run:
    """Runs `source` the way the browser does: as a task of a running loop, through the
    runner, with the tracer on unless `traced` is false (`emit` replaces its event sink)."""
    events: list[Event] = []
    errors: list[BaseException] = []
    # As the browser's worker measures it (playground.browser.start): compile to last task.
    started = time.monotonic()
    ended: list[float] = []
    where: list[SourceError | None] = [None]

    async def host() -> str:
        loop = asyncio.get_running_loop()
        numbers = itertools.count(1)

        # As the browser's PlaygroundLoop: tasks named Task-1, Task-2... for each run.
        def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> PyTask:
            kwargs["name"] = kwargs.get("name") or f"Task-{next(numbers)}"
            return PyTask(coro, loop=loop, **kwargs)

        try:
            program = Program(compile_program(source))
        except SyntaxError as error:
            ended.append(time.monotonic())
            where[0] = syntax_error_location(error)
            return format_exception(error)
        top = loop.create_task(program.execute(), name="top")
        loop.set_task_factory(factory)
        tracer = Tracer(loop, emit or events.append, errors.append)
        if traced:
            tracer.install()
        try:
            await top
        except BaseException as error:  # the program's own error, whatever it is
            where[0] = error_location(error)
            return format_exception(error)
        finally:
            ended.append(time.monotonic())
            tracer.uninstall()
            loop.set_task_factory(None)
        return ""

    out = io.StringIO()
    # A thread of its own: Playwright's sync API keeps a loop running in the main thread
    # while the browser tests' session lasts.
    with contextlib.redirect_stdout(out), ThreadPoolExecutor(1) as thread:
        failure = thread.submit(asyncio.run, host()).result()
    return Run(out.getvalue(), failure, events, errors, ended[0] - started, where[0])


def page_run(source: str) -> dict[str, Any]:
    """One run as the page has it when the program ends, and as it hands it to an exercise's
    check (playground.checks.grade): the events in one flat list, stdout, stderr (CPython's
    warnings and loop errors, then the traceback), the program's own seconds, its error as
    `{line, column, message}` and its status. Run where no one else catches warnings (pytest
    does): a subprocess, as `__main__` below."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        result = run(source)
        # As the worker does at the end of a run: collect what the program dropped, so a
        # coroutine never awaited is reported inside this run.
        gc.collect()
    where = result.error
    return {
        "events": [item for event in result.events for item in event],
        "stdout": result.printed,
        "stderr": err.getvalue() + result.failure,
        "elapsed": result.elapsed,
        "error": None if where is None else vars(where),
        "status": "failed" if result.failure else "finished",
        "tracer_errors": [repr(e) for e in result.tracer_errors],
    }


def trace(source: str) -> tuple[list[Event], str]:
    """The events of one run of `source`, and what it printed."""
    result = run(source)
    assert result.tracer_errors == [], result.tracer_errors
    return result.events, result.printed


def as_dicts(events: list[Event]) -> list[dict[str, Any]]:
    """The events with their fields named (playground.schema) and times in seconds, and
    what the page would say for each: a step's ``wait``, a cancel's ``cause``, an end's
    ``detail`` and a group's ``label`` as words (``sleep(1.5)``, ``timeout``...)."""
    tasks: dict[int, dict[str, str]] = {}
    out = []
    for event in split(events):
        e = named(event)
        kind = e["kind"]
        if kind == "created":
            tasks[e["task"]] = {"name": e["name"], "label": e["coro"]}
        elif kind == "group":
            e["label"] = group_words(e["type"], e["size"])
        elif kind == "step":
            e["wait"] = wait_words(e["wait"], tasks.get)
        elif kind == "cancel":
            e["cause"] = cause_words(e["cause"], tasks.get)
        elif kind == "done":
            if e["state"] == "failed":
                e["detail"] = e["detail"][1]
            elif e["state"] == "cancelled":
                e["detail"] = cause_words(e["detail"], tasks.get)
            tasks[e["task"]]["error"] = e["detail"] if e["state"] == "failed" else e["state"]
        out.append(e)
    return out


def render(events: list[Event]) -> str:
    """One line per event, times to 0.1 s: a readable whole sequence to compare."""
    names: dict[int, str] = {}
    lines = []
    for e in as_dicts(events):
        kind = e["kind"]
        if kind == "created":
            names[e["task"]] = e["name"]
            parent = names.get(e["parent"], "-") if e["parent"] else "-"
            group = f" group {e['group']}" if e["group"] else ""
            lines.append(f"{e['t']:.1f} created {e['name']} {e['coro']} parent {parent}{group}")
        elif kind == "group":
            owner = names.get(e["owner"], "-") if e["owner"] else "-"
            lines.append(f"group {e['group']} {e['label']} owner {owner}")
        elif kind == "step":
            wait = f" waits {e['wait']}" if e["wait"] else ""
            lines.append(f"{e['start']:.1f}-{e['end']:.1f} step {names[e['task']]}{wait}")
        elif kind == "cancel":
            lines.append(f"{e['t']:.1f} cancel {names[e['task']]}: {e['cause']}")
        elif kind == "done":
            lines.append(f"{e['t']:.1f} {e['state']} {names[e['task']]}: {e['detail']}")
        elif kind == "blocked":
            lines.append(f"{e['start']:.1f}-{e['end']:.1f} blocked by {names[e['task']]}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    json.dump(page_run(sys.stdin.read()), sys.stdout)
