"""Runs a program through the runner (and the tracer), under CPython, as the browser does: on
the playground's loop, turned by a plain scheduler where the browser has its timer.

`python tests/tracing.py < main.py` (with py/ and tests/ on PYTHONPATH) prints one run's data
as the page hands it to an exercise's check: see `page_run`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import heapq
import io
import itertools
import json
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from playground import run_view
from playground.loop import Driver, Latch
from playground.runner import (
    Program,
    ProgramLoop,
    SourceError,
    Task,
    compile_program,
    error_location,
    format_exception,
    syntax_error_location,
)
from playground.schema import cause_words, named, split
from playground.tracer import Event, Tracer


class Scheduler:
    """The browser's part under CPython: calls the driver back when it asked to, sleeping in
    between (time.sleep, as CPython's selector waits), and holds a blocking call up by running
    the same callbacks inside it (as JSPI's run_sync lets the browser do). ``later`` stands
    for the browser's own events (a JavaScript promise resolving), which call into Python
    between the driver's callbacks."""

    def __init__(self, *, can_suspend: bool = True) -> None:
        self.due: float | None = None
        # Without suspending, as the browser without JSPI.
        self.driver = Driver(self.wake, self.suspend if can_suspend else None)
        self.callbacks = 0
        self._events: list[tuple[float, int, Callable[[], object]]] = []

    def wake(self, delay: float | None) -> None:
        self.due = None if delay is None else time.monotonic() + delay

    def later(self, delay: float, event: Callable[[], object]) -> None:
        heapq.heappush(self._events, (time.monotonic() + delay, len(self._events), event))

    def run_until(self, done: Callable[[], bool]) -> None:
        while not done():
            event_due = self._events[0][0] if self._events else None
            if event_due is not None and (self.due is None or event_due < self.due):
                time.sleep(max(0.0, event_due - time.monotonic()))
                heapq.heappop(self._events)[2]()
                continue
            if self.due is None:
                raise RuntimeError("the driver asked for no callback, and nothing else would come")
            time.sleep(max(0.0, self.due - time.monotonic()))
            self.due = None
            self.callbacks += 1
            self.driver.turn()

    def suspend(self, latch: Latch) -> None:
        self.run_until(latch.done)


@dataclass
class Run:
    printed: str  # what the program wrote to stdout
    errors: str  # what it wrote to stderr (the loop's reports among it)
    failure: str  # its trimmed traceback if it raised, else ""
    events: list[Event]
    tracer_errors: list[BaseException]
    elapsed: float = 0.0  # the program's own seconds, from compiling it to its end
    error: SourceError | None = None  # where its uncaught error is, as the page marks it


# libc's usleep called with the GIL held (a PyDLL call keeps it): see pause_the_process.
_USLEEP = ctypes.PyDLL(None).usleep


def pause_the_process(seconds: float) -> None:
    """Stops every Python thread of the process for `seconds`, as a machine that paused it
    would (a garbage collection, a busy phone, a tab in the background): this thread holds
    the GIL, asleep in C, so the program can neither run a step nor come back from waiting
    for its timer until it ends, wherever it was. No CPU is spent meanwhile, so programs run
    beside it keep their timing."""
    _USLEEP(int(seconds * 1_000_000))


def run(
    source: str,
    *,
    traced: bool = True,
    emit: Callable[[Event], None] | None = None,
    scheduler: Scheduler | None = None,
    pause: tuple[float, float] | None = None,
) -> Run:
    """Runs `source` the way the browser does: its top level outside any loop, its loops
    turned by a plain scheduler (a new one unless given), with the tracer on unless `traced`
    is false (`emit` replaces its event sink). `pause` is `(at, seconds)`: the process is
    paused once, `at` seconds after the program starts (see pause_the_process)."""
    events: list[Event] = []
    errors: list[BaseException] = []
    # As the browser's worker measures it (playground.browser.start): compile to last task.
    started = time.monotonic()
    ended: list[float] = []
    where: list[SourceError | None] = [None]

    def host(scheduler: Scheduler) -> str:
        outcome: list[BaseException | None] = []
        try:
            code = compile_program(source)
        except SyntaxError as error:
            ended.append(time.monotonic())
            where[0] = syntax_error_location(error)
            return format_exception(error)
        program = Program(code, scheduler.driver, outcome.append)
        tracer = Tracer(ProgramLoop, emit or events.append, errors.append)
        if traced:
            tracer.install()
        pausing = threading.Timer(pause[0], pause_the_process, (pause[1],)) if pause else None
        if pausing is not None:
            pausing.start()
        try:
            program.start()
            scheduler.run_until(lambda: bool(outcome))
        finally:
            ended.append(time.monotonic())
            tracer.uninstall()
            if pausing is not None:
                pausing.cancel()
                pausing.join()
        error = outcome.pop()
        failure = "" if error is None else format_exception(error)
        where[0] = None if error is None else error_location(error)
        # As at exit (and in the browser): what the program dropped is reported now, in its
        # own stderr, not in some later test's.
        del error
        gc.collect()
        return failure

    out, err = io.StringIO(), io.StringIO()
    # A thread of its own: Playwright's sync API keeps a loop running in the main thread
    # while the browser tests' session lasts.
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        ThreadPoolExecutor(1) as thread,
    ):
        failure = thread.submit(host, scheduler or Scheduler()).result()
    elapsed = ended[0] - started
    return Run(out.getvalue(), err.getvalue(), failure, events, errors, elapsed, where[0])


def page_run(source: str, pause: tuple[float, float] | None = None) -> dict[str, Any]:
    """One run as the page has it when the program ends, and as it hands it to an exercise's
    check (playground.checks.grade): the events in one flat list, stdout, stderr (CPython's
    warnings and loop errors, then the traceback), the program's own seconds, its error as
    `{line, column, message}` and its status; `pause` as run's. Run where no one else catches
    warnings (pytest does): a subprocess, as `__main__` below."""
    result = run(source, pause=pause)
    where = result.error
    return {
        "events": [item for event in result.events for item in event],
        "stdout": result.printed,
        "stderr": result.errors + result.failure,
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


class CPythonLoop(asyncio.SelectorEventLoop):
    """CPython's own event loop, for the reference: with the playground's Task class (whose
    cancel the tracer watches) and tasks named per run, as a new process names them."""

    task_numbers = itertools.count(1)

    def __init__(self) -> None:
        super().__init__()
        self.set_task_factory(self._task)

    @staticmethod
    def _task(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> Task:
        kwargs["name"] = kwargs.get("name") or f"Task-{next(CPythonLoop.task_numbers)}"
        return Task(coro, loop=loop, **kwargs)


def trace_on_cpython(source: str) -> tuple[list[Event], str]:
    """The events of one run of `source` as plain CPython runs it (asyncio.run() and all),
    on CPython's own loop, and what it printed: the reference for the playground's loop."""
    events: list[Event] = []
    errors: list[BaseException] = []

    class Policy(asyncio.DefaultEventLoopPolicy):
        def new_event_loop(self) -> asyncio.AbstractEventLoop:
            return CPythonLoop()

    def host() -> None:
        CPythonLoop.task_numbers = itertools.count(1)
        previous = asyncio.get_event_loop_policy()
        asyncio.set_event_loop_policy(Policy())
        tracer = Tracer(CPythonLoop, events.append, errors.append)
        tracer.install()
        try:
            exec(compile(source, "main.py", "exec"), {"__name__": "__main__"})
        finally:
            tracer.uninstall()
            asyncio.set_event_loop_policy(previous)

    out = io.StringIO()
    with contextlib.redirect_stdout(out), ThreadPoolExecutor(1) as thread:
        thread.submit(host).result()
    assert errors == [], errors
    return events, out.getvalue()


def as_dicts(events: list[Event]) -> list[dict[str, Any]]:
    """The events with their fields named (playground.schema) and times in seconds, and
    what the page would say for each, as the checks' fold (playground.run_view.Run) has it:
    a step's ``wait``, a cancel's ``cause``, an end's ``detail`` and a group's ``label`` as
    words (``sleep(1.5)``, ``timeout``...). The k-th step or cancel event of a task is its
    k-th step or cancel in the fold."""
    run = run_view.Run(events)
    assert run.problems == [], run.problems
    tasks = {task.number: task for task in run.tasks}
    groups = {group.number: group for group in run.groups}
    steps: Counter[int] = Counter()
    cancels: Counter[int] = Counter()
    out = []
    for event in split(events):
        e = named(event)
        kind = e["kind"]
        if kind == "group":
            e["label"] = groups[e["group"]].words
        elif kind == "step":
            wait = tasks[e["task"]].steps[steps[e["task"]]].wait
            steps[e["task"]] += 1
            e["wait"] = wait.words if wait is not None else None
        elif kind == "cancel":
            cause = tasks[e["task"]].cancels[cancels[e["task"]]][1]
            cancels[e["task"]] += 1
            e["cause"] = cause.words if cause is not None else cause_words(None)
        elif kind == "done":
            e["detail"] = tasks[e["task"]].end_words
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
        elif kind == "printed":
            by = names[e["task"]] if e["task"] else "-"
            lines.append(f"{e['t']:.1f} printed by {by} to {e['stream']}: {e['text']}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    # PLAYGROUND_PAUSE="at,seconds": pause the process once (see run).
    at, _, length = os.environ.get("PLAYGROUND_PAUSE", "").partition(",")
    json.dump(page_run(sys.stdin.read(), (float(at), float(length)) if at else None), sys.stdout)
