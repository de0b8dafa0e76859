"""Record what every task of a program does, as the event loop does it.

The vocabulary is small and past tense. Each event is a tuple whose first item says which
(a run of 10,000 tasks makes 50,000 of them), with a fixed number of items for each kind
(``ARITY``):

``("group", group, type, label, owner)``  a TaskGroup or gather() first seen
``("created", t, task, name, coro, parent, group)``  a task was created
``("step", task, start, end, wait)``  a task ran one step; ``wait`` is what it then waits on
    in a learner's words (``sleep(1.5)``, ``task fetch(1)``, ``gather of 3``...) or None
``("cancel", t, task, cause)``  someone asked a task to cancel, and why
``("done", t, task, state, detail)``  a task ended: state done/failed/cancelled, detail its
    result, exception or cancellation cause
``("blocked", task, start, end)``  one step held the loop longer than asyncio's slow-callback
    threshold (100 ms)

Times are whole microseconds on the loop's clock since :meth:`Tracer.install` (integers:
JSON writes them several times faster than floats, which matters most in the browser); tasks
and groups are numbered 1, 2... in order of appearance; ``parent``, ``group`` and ``owner``
are such numbers or None.

``emit`` receives each event as it happens. It may keep the tuples (``list.append``) or lay
their items end to end in one flat list (``list.extend``), which the browser does: a list of
numbers and strings holds nothing the garbage collector counts, while 50,000 kept tuples
brought on a full collection in the middle of a run (README, Benchmarks). ``ARITY`` reads the
flat stream back.

How it observes: every loop, CPython's and Pyodide's WebLoop alike, runs a callback through
``asyncio.Handle._run``, and a task runs a step when a callback whose ``__self__`` is the task
runs (``TaskStepMethWrapper`` or ``task_wakeup``). So the tracer wraps that one method while it
is installed, and ``create_task`` of the program's loop class: a program may run several loops
(each ``asyncio.run()`` makes its own), all of one class. What a suspended task waits on comes
from ``task._fut_waiter`` and the innermost
coroutine of its await chain. Who cancelled a task is read from the caller of
``task.cancel()``, which can be wrapped where tasks accept attributes (Pyodide's tasks are a
Python subclass).

Like Trio's instruments, the tracer must never break what it observes: any error inside it
switches it off and is reported once through ``on_error``, never raised into the program.
"""

from __future__ import annotations

import asyncio
import reprlib
import sys
import time
import weakref
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

Event = tuple[Any, ...]
# Items in each kind of event, its name included; web/trace-model.js reads the flat stream
# with the same table.
ARITY = {"group": 5, "created": 7, "step": 5, "cancel": 4, "done": 5, "blocked": 4}

# Where the tracer keeps a task's number: on the task itself (asyncio's tasks, C or Python,
# take attributes). A task class that names it in ``__slots__`` (``TASK_SLOTS``, as the
# playground's do) keeps it without a dict per task: 10,000 such dicts are objects the
# garbage collector counts, and they alone brought on a full collection mid-run (README).
_NUMBER = "_playground_task_number"
TASK_SLOTS = (_NUMBER,)
# Tasks past this many get a short label (``work(…)``): quoting the arguments of thousands of
# tasks costs more than the program's own steps, and nobody reads that many labels.
LABELLED_TASKS = 1000

# The loop's housekeeping, which asyncio.run() runs as tasks of their own once main() is over
# (they take a task number, as in CPython, but are nobody's work): by code object id (a code
# object hashes its whole contents each time), kept alive by asyncio itself.
_HOUSEKEEPING = frozenset(
    id(method.__code__)
    for method in (
        asyncio.BaseEventLoop.shutdown_asyncgens,
        asyncio.BaseEventLoop.shutdown_default_executor,
    )
)

# asyncio's own threshold for "Executing <Handle> took 0.100 seconds" (slow_callback_duration).
BLOCKED_AFTER_NS = 100_000_000

_short = reprlib.Repr()
_short.maxstring = 24
_short.maxother = 24
_short.maxlist = _short.maxtuple = _short.maxdict = 4
_short.maxlevel = 2

# Innermost asyncio coroutines a task can be parked in, by qualified name, in plain words.
_PARKED_IN = {
    "TaskGroup.__aexit__": "TaskGroup",
    "TaskGroup._aexit": "TaskGroup",
    "Queue.get": "Queue.get",
    "Queue.put": "Queue.put",
    "Queue.join": "Queue.join",
    "Event.wait": "Event.wait",
    "Lock.acquire": "Lock",
    "Semaphore.acquire": "Semaphore",
    "BoundedSemaphore.acquire": "Semaphore",
    "Condition.wait": "Condition.wait",
    "Barrier.wait": "Barrier.wait",
    "wait": "wait()",
    "_wait": "wait()",
    "wait_for": "wait_for()",
    "shield": "shield()",
}


_SIMPLE = (int, float, bool, type(None))


def _arg_repr(value: object) -> str:
    # reprlib is slow; most arguments are small numbers and short strings.
    if type(value) in _SIMPLE or (isinstance(value, str) and len(value) <= _short.maxstring):
        return repr(value)
    return _short.repr(value)


def _error_text(error: BaseException) -> str:
    """An exception as a traceback's last line names it: ``ValueError: bad input``, or only
    ``KeyboardInterrupt`` when it has no message (not ``KeyboardInterrupt:``)."""
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def _qualname(frame: FrameType) -> str:
    return frame.f_code.co_qualname


def _is_asyncio(frame: FrameType) -> bool:
    return str(frame.f_globals.get("__name__", "")).startswith("asyncio")


def _frame_kind(frame: FrameType) -> str:
    """ "TaskGroup" or "gather" for the asyncio code that creates a group's tasks, "asyncio"
    for other asyncio code on the way to loop.create_task, "outside" for anything else."""
    if not _is_asyncio(frame):
        return "outside"
    name = _qualname(frame)
    if name == "TaskGroup.create_task":
        return "TaskGroup"
    return "gather" if name == "gather" else "asyncio"


def describe_coroutine(coro: object) -> str:
    """``fetch_api('Service-B', 1.5)``: the coroutine's function and the arguments it got."""
    code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
    if code is None:
        return _short.repr(coro)
    frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
    if frame is None:
        return f"{code.co_name}()"
    count = code.co_argcount + code.co_kwonlyargcount
    local = frame.f_locals
    args = [_arg_repr(local[n]) for n in code.co_varnames[:count] if n in local]
    return f"{code.co_name}({', '.join(args)})"


class Tracer:
    """Records the tasks of one run on loops of the class ``loops``; ``emit`` receives each
    event as it happens."""

    def __init__(
        self,
        loops: type[asyncio.BaseEventLoop],
        emit: Callable[[Event], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.loops = loops
        self._emit = emit
        self._on_error = on_error
        # The loops' clock in nanoseconds: their time() is BaseEventLoop's, time.monotonic(),
        # whose monotonic_ns() twin gives integers at once and saves a call per step.
        self._clock: Callable[[], int] = time.monotonic_ns
        self._t0 = 0
        self._labels: list[str] = [""]  # by task number
        self._groups_by_taskgroup: weakref.WeakKeyDictionary[object, int] = (
            weakref.WeakKeyDictionary()
        )
        # The frame of the gather() call now creating its children (identity marks the call,
        # and reading its locals once per call, not per child, saves a dict each); dropped as
        # soon as another gather() starts.
        self._gather_frame: FrameType | None = None
        self._gather_group = 0
        self._group_count = 0
        self._cancel_causes: dict[int, str] = {}
        # What each code object creating tasks is (see _frame_kind), looked up once. Keyed by
        # id: a code object hashes its whole contents each time (~1 us). Each entry holds its
        # code object, so no other can take that id while the entry lasts.
        self._frame_kinds: dict[int, tuple[CodeType, str]] = {}
        self._hooked: dict[type, Any] = {}  # task class -> its own cancel
        self._original_run: Callable[[asyncio.Handle], None] | None = None
        self._observer: Callable[[asyncio.Handle], None] | None = None
        self._own_create_task: Any = None  # the loop class's own, if it has one
        self._hook: Callable[..., asyncio.Task[Any]] | None = None
        self.active = False

    # --- life cycle ---------------------------------------------------------------------

    def install(self) -> None:
        self._t0 = self._clock()
        self._own_create_task = self.loops.__dict__.get("create_task")
        original = self.loops.create_task
        tracer = self

        # A plain function: as a class attribute it binds to each loop, as create_task does.
        def create_task(loop: asyncio.BaseEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
            return tracer._create_task(original, loop, coro, kwargs)

        self._hook = create_task
        self.loops.create_task = create_task  # type: ignore[method-assign,assignment]
        self._original_run = asyncio.Handle._run
        self._observer = self._step_observer(self._original_run)
        asyncio.Handle._run = self._observer  # type: ignore[method-assign,assignment]
        self.active = True

    def uninstall(self) -> None:
        self.active = False
        # Only take back what is still ours (a program may have replaced them meanwhile).
        if self._hook is not None and self.loops.__dict__.get("create_task") is self._hook:
            if self._own_create_task is not None:
                setattr(self.loops, "create_task", self._own_create_task)  # noqa: B010
            else:
                delattr(self.loops, "create_task")
        if self._original_run is not None and asyncio.Handle.__dict__.get("_run") is self._observer:
            asyncio.Handle._run = self._original_run  # type: ignore[method-assign,assignment]
        for cls, original in self._hooked.items():
            setattr(cls, "cancel", original)  # noqa: B010 (typed as a plain type here)
        self._hooked.clear()
        self._gather_frame = None

    def _fail(self, error: BaseException) -> None:
        """The observer broke: switch it off, keep the program running."""
        self.uninstall()
        if self._on_error is not None:
            self._on_error(error)

    def now(self) -> int:
        """Microseconds since install."""
        return (self._clock() - self._t0) // 1000

    def number_of(self, task: object) -> int | None:
        """The task's number in this trace, or None if it is not the program's."""
        number: int | None = getattr(task, _NUMBER, None)
        return number

    # --- task creation ------------------------------------------------------------------

    def _create_task(
        self,
        original: Callable[..., asyncio.Task[Any]],
        loop: asyncio.BaseEventLoop,
        coro: Any,
        kwargs: dict[str, Any],
    ) -> asyncio.Task[Any]:
        if not self.active:
            return original(loop, coro, **kwargs)
        # Only tasks created through here are the program's. Their first step is scheduled,
        # not run, so they have their number before it runs. The label is read first: an
        # eagerly started task could change its arguments. One function, not several: this
        # runs for every task, and each call costs about as much as a task's step.
        code = getattr(coro, "cr_code", None)
        if id(code) in _HOUSEKEEPING:
            return original(loop, coro, **kwargs)
        labels = self._labels
        if len(labels) <= LABELLED_TASKS:
            label = describe_coroutine(coro)
        else:
            label = f"{code.co_name}(…)" if code is not None else "…"
        task = original(loop, coro, **kwargs)
        try:
            number = len(labels)
            setattr(task, _NUMBER, number)
            labels.append(label)
            parent = asyncio.current_task(loop)
            # Frame 1 is the class's create_task (see install), 2 what called it.
            group = self._group_of(sys._getframe(2), parent)
            t = (self._clock() - self._t0) // 1000
            parent_number = getattr(parent, _NUMBER, None)
            self._emit(("created", t, number, task.get_name(), label, parent_number, group))
            if type(task) not in self._hooked:
                self._watch_cancel(task)
        except Exception as error:
            self._fail(error)
        return task

    def _group_of(self, caller: FrameType | None, parent: asyncio.Task[Any] | None) -> int | None:
        """The TaskGroup or gather() call creating this task, found among the few asyncio
        frames between it and ``loop.create_task``."""
        gathering = self._gather_frame
        if gathering is not None and caller is not None and caller.f_back is gathering:
            return self._gather_group  # the next child of the gather() seen last: the common case
        frame = caller
        for _ in range(4):
            if frame is None:
                return None
            code = frame.f_code
            known = self._frame_kinds.get(id(code))
            if known is None:
                known = self._frame_kinds[id(code)] = (code, _frame_kind(frame))
            kind = known[1]
            if kind == "TaskGroup":
                return self._taskgroup(frame.f_locals["self"], parent)
            if kind == "gather":
                return self._gather(frame, parent)
            if kind == "outside":
                return None
            frame = frame.f_back
        return None

    def _new_group(self, kind: str, label: str, parent: asyncio.Task[Any] | None) -> int:
        self._group_count += 1
        owner = self.number_of(parent) if parent is not None else None
        self._emit(("group", self._group_count, kind, label, owner))
        return self._group_count

    def _taskgroup(self, taskgroup: object, parent: asyncio.Task[Any] | None) -> int:
        group = self._groups_by_taskgroup.get(taskgroup)
        if group is None:
            group = self._new_group("TaskGroup", "TaskGroup", parent)
            self._groups_by_taskgroup[taskgroup] = group
        return group

    def _gather(self, frame: FrameType, parent: asyncio.Task[Any] | None) -> int:
        if frame is not self._gather_frame:
            args = frame.f_locals.get("coros_or_futures")
            count = len(args) if isinstance(args, tuple) else 0
            self._gather_frame = frame
            self._gather_group = self._new_group("gather", f"gather of {count}", parent)
        return self._gather_group

    # --- cancellation causes ------------------------------------------------------------

    def _watch_cancel(self, task: asyncio.Task[Any]) -> None:
        """Hooks ``cancel`` on the task's class, once: a Python subclass of Task, as the
        playground's tasks are. C tasks cannot be hooked: their cancellations then have no
        known cause."""
        cls = type(task)
        if cls in self._hooked or cls.__module__ == "_asyncio" or cls is asyncio.Task:
            return
        original = cls.cancel
        tracer = self

        def cancel(self: asyncio.Task[Any], msg: Any = None) -> bool:
            done: bool = original(self, msg) if msg is not None else original(self)
            if done and tracer.active:
                number = tracer.number_of(self)
                if number is not None:
                    try:
                        tracer._cancel_requested(number, sys._getframe(1), self.get_loop())
                    except Exception as error:
                        tracer._fail(error)
            return done

        self._hooked[cls] = original
        setattr(cls, "cancel", cancel)  # noqa: B010 (typed as a plain type here)

    def _cancel_requested(
        self, number: int, caller: FrameType, loop: asyncio.AbstractEventLoop
    ) -> None:
        cause = self._cancel_cause(caller, loop)
        self._cancel_causes.setdefault(number, cause)
        self._emit(("cancel", self.now(), number, cause))

    def _cancel_cause(self, caller: FrameType, loop: asyncio.AbstractEventLoop) -> str:
        name = _qualname(caller)
        if name == "TaskGroup._abort":
            origin = caller.f_back
            sibling = origin.f_locals.get("task") if origin is not None else None
            if isinstance(sibling, asyncio.Task) and self.number_of(sibling) is not None:
                return f"sibling {sibling.get_name()} failed ({self._error_of(sibling)})"
            return "its TaskGroup was aborted"
        if name == "TaskGroup._on_task_done":
            # A TaskGroup wakes its own task this way when a child fails; it is uncancelled.
            failed = caller.f_locals.get("task")
            what = failed.get_name() if isinstance(failed, asyncio.Task) else "a task"
            return f"its TaskGroup, because {what} failed"
        if name.startswith("Timeout.") or name in {"wait_for", "_cancel_and_wait"}:
            return "timeout"
        if name == "_GatheringFuture.cancel":
            return "its gather() was cancelled"
        if name == "cancel_all_tasks":
            return "still running when asyncio.run() ended"
        if name == "stop" and "playground" in caller.f_code.co_filename:
            return "Stop"
        canceller = asyncio.current_task(loop)
        if canceller is not None and self.number_of(canceller) is not None:
            return f"cancel() called by {canceller.get_name()}"
        return f"cancel() called in {name}"

    def _error_of(self, task: asyncio.Task[Any]) -> str:
        if not task.done() or task.cancelled():
            return "cancelled"
        # _exception, not exception(): that would mark the error retrieved, and CPython's
        # "Task exception was never retrieved" would never come. Observing must not change it.
        error = task._exception
        return _error_text(error) if error is not None else "done"

    # --- steps: the hot path, kept lean (see the benchmark in the README) ------------------

    def _step_observer(
        self, run_handle: Callable[[asyncio.Handle], None]
    ) -> Callable[[asyncio.Handle], None]:
        """A stand-in for ``Handle._run`` that times the steps of this run's tasks. Every
        callback of every loop in the process passes here while the tracer is installed, so
        anything else leaves after two attribute lookups; names are bound in the closure."""
        tracer = self
        clock = self._clock
        emit = self._emit
        t0 = self._t0

        def run(handle: asyncio.Handle) -> None:
            task: Any = getattr(handle._callback, "__self__", None)  # type: ignore[attr-defined]
            number = getattr(task, _NUMBER, None)
            if number is None or not tracer.active:
                return run_handle(handle)
            start = clock()
            try:
                return run_handle(handle)
            finally:
                end = clock()
                if tracer.active:
                    try:
                        s = (start - t0) // 1000
                        e = (end - t0) // 1000
                        done = task.done()
                        wait = (
                            None if done or task._fut_waiter is None else tracer._waiting_on(task)
                        )
                        emit(("step", number, s, e, wait))
                        if end - start > BLOCKED_AFTER_NS:
                            emit(("blocked", number, s, e))
                        if done:
                            emit(tracer._ended(task, number, e))
                    except Exception as error:
                        tracer._fail(error)

        return run

    def _ended(self, task: asyncio.Task[Any], number: int, t: int) -> Event:
        if task.cancelled():
            return ("done", t, number, "cancelled", self._cancel_causes.get(number, "cancelled"))
        error = task._exception  # see _error_of
        if error is not None:
            return ("done", t, number, "failed", _error_text(error))
        return ("done", t, number, "done", _arg_repr(task.result()))

    def _waiting_on(self, task: asyncio.Task[Any]) -> str:
        """What a suspended task waits on, in the words of the lesson."""
        future = task._fut_waiter  # type: ignore[attr-defined]
        if isinstance(future, asyncio.Task):
            number = self.number_of(future)
            label = self._labels[number] if number is not None else ""
            return f"task {label or future.get_name()}"
        children = getattr(future, "_children", None)
        if children is not None:
            return f"gather of {len(children)}"
        coro: Any = task.get_coro()
        while (inner := getattr(coro, "cr_await", None)) is not None and hasattr(inner, "cr_code"):
            coro = inner
        frame = getattr(coro, "cr_frame", None)
        if frame is not None and _is_asyncio(frame):
            name = _qualname(frame)
            if name == "sleep":
                return f"sleep({frame.f_locals.get('delay', '?')!r})"
            if name in _PARKED_IN:
                return _PARKED_IN[name]
        return "future"
