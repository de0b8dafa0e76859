"""Runs a program through the runner (and the tracer), under CPython, as the browser does."""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from playground.runner import Program, compile_program, format_exception
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


def run(source: str, *, traced: bool = True, emit: Callable[[Event], None] | None = None) -> Run:
    """Runs `source` the way the browser does: as a task of a running loop, through the
    runner, with the tracer on unless `traced` is false (`emit` replaces its event sink)."""
    events: list[Event] = []
    errors: list[BaseException] = []

    async def host() -> str:
        loop = asyncio.get_running_loop()
        numbers = itertools.count(1)

        # As the browser's PlaygroundLoop: tasks named Task-1, Task-2... for each run.
        def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> PyTask:
            kwargs["name"] = kwargs.get("name") or f"Task-{next(numbers)}"
            return PyTask(coro, loop=loop, **kwargs)

        program = Program(compile_program(source))
        top = loop.create_task(program.execute(), name="top")
        loop.set_task_factory(factory)
        tracer = Tracer(loop, emit or events.append, errors.append)
        if traced:
            tracer.install()
        try:
            await top
        except BaseException as error:  # the program's own error, whatever it is
            return format_exception(error)
        finally:
            tracer.uninstall()
            loop.set_task_factory(None)
        return ""

    out = io.StringIO()
    # A thread of its own: Playwright's sync API keeps a loop running in the main thread
    # while the browser tests' session lasts.
    with contextlib.redirect_stdout(out), ThreadPoolExecutor(1) as thread:
        failure = thread.submit(asyncio.run, host()).result()
    return Run(out.getvalue(), failure, events, errors)


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
