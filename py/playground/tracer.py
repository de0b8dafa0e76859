"""Record what every task of a program does, as the event loop does it.

The vocabulary is small and past tense: a task was ``created``, ran a ``step`` and then
waited on something, someone asked it to ``cancel``, it was ``done``; a ``group`` (TaskGroup
or gather()) appeared; a step ``blocked`` the loop. ``trace_schema.json`` declares each
event's fields in order, and each kind of wait and cancellation cause (``("sleep", 1.5)``,
``("sibling_failed", 3)``) as data: the words are made where they are shown. A task's
function, arguments and result travel as data too, beside their words. The tracer is the
only writer, and makes every event with ``playground.schema.make``, whose constructors take
each field by its name; ``playground.schema`` and ``web/record/trace-model.js`` read by name.

Times are whole microseconds on the loop's clock since :meth:`Tracer.install` (integers:
JSON writes them several times faster than floats, which matters most in the browser); tasks
and groups are numbered 1, 2... in order of appearance.

``emit`` receives each event as it happens. It may keep the tuples (``list.append``) or lay
their items end to end in one flat list (``list.extend``), which the browser does: a list of
numbers and strings holds nothing the garbage collector counts, while 50,000 kept tuples
brought on a full collection in the middle of a run (README, Benchmarks). For the same
reason a wait is made once per kind and argument and then reused.

How it observes: every loop, CPython's and Pyodide's WebLoop alike, runs a callback through
``asyncio.Handle._run``, and a task runs a step when a callback whose ``__self__`` is the task
runs (``TaskStepMethWrapper`` or ``task_wakeup``). So the tracer wraps that one method while it
is installed, and ``create_task`` of the program's loop class: a program may run several loops
(each ``asyncio.run()`` makes its own), all of one class. What a suspended task waits on comes
from ``task._fut_waiter`` and the innermost coroutine of its await chain. Who cancelled a task
is read from the caller of ``task.cancel()``, which can be wrapped where tasks accept
attributes (the playground's tasks are a Python subclass). What was printed is seen by standing
in for ``sys.stdout`` and ``sys.stderr`` while installed (:class:`_Lines`): every write goes on
to the stream it replaced, unchanged, and each whole line is recorded with the task running.

Like Trio's instruments, the tracer must never break what it observes: any error inside it
switches it off and is reported once through ``on_error``, never raised into the program.
Nor does it run the program's code: it never calls ``repr()``, ``str()`` or ``getattr()`` on
the program's objects (``playground.describe`` names them), and it looks at a callback only
once its type shows it is asyncio's own.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import time
import types
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

from . import describe
from .schema import make

Event = tuple[Any, ...]
Wait = tuple[Any, ...]

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

# A printed line is recorded up to this many characters: checks read a status line, not a dump,
# and a program printing long lines must not double its output's cost in the trace.
PRINTED_CHARS = 200
# A task's name, likewise, wherever the trace gives it (its creation, a wait on it): a label
# to read in the table and the timeline. 100 tasks named with 100,000 characters each ended
# 12 times slower than in CPython, all of it the page carrying and laying out 10 MB of names.
NAME_CHARS = 200
_STREAMS = ("stdout", "stderr")

# asyncio's own threshold for "Executing <Handle> took 0.100 seconds" (slow_callback_duration).
BLOCKED_AFTER_NS = 100_000_000

# Innermost asyncio coroutines a task can be parked in, by qualified name: the wait it means.
_PARKED_IN: dict[str, Wait] = {
    "Queue.get": ("queue_get",),
    "Queue.put": ("queue_put",),
    "Queue.join": ("queue_join",),
    "Event.wait": ("event",),
    "Lock.acquire": ("lock",),
    "Semaphore.acquire": ("semaphore",),
    "BoundedSemaphore.acquire": ("semaphore",),
    "Condition.wait": ("condition",),
    "Barrier.wait": ("barrier",),
    "wait": ("wait",),
    "_wait": ("wait",),
    "wait_for": ("wait_for",),
    "shield": ("shield",),
}
_TASKGROUP_EXITS = frozenset({"TaskGroup.__aexit__", "TaskGroup._aexit"})
_FUTURE: Wait = ("future",)

# The types of the callbacks that run a task's step: C code whose ``__self__`` is the task.
# TaskStepMethWrapper is not exported, so it is recognised by name the first time it runs.
_BUILTIN_METHOD = types.BuiltinMethodType
_STEP_WRAPPER_NAME = "TaskStepMethWrapper"
_type_name = type.__dict__["__name__"].__get__
_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class made by a class statement
_flags = type.__dict__["__flags__"].__get__
_own_dict = type.__dict__["__dict__"].__get__
# A task class of the program's (a task factory's) may define __getattribute__ or
# __setattr__: its number is kept and read past them, as object's own lookup does.
_set_attribute = object.__setattr__
_get_attribute = object.__getattribute__


def _number_on(task: object) -> int | None:
    try:
        number: int = _get_attribute(task, _NUMBER)
    except AttributeError:
        return None
    return number


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


# A task's coroutine, for its created event: its label, its function, the arguments it got
# as data, and whether they were cut (see trace_schema.json).
Call = tuple[str, str | None, tuple[Any, ...], bool]
_NO_ARGS: tuple[Any, ...] = ()
_STARRED = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS


def describe_coroutine(coro: object) -> Call:
    """``("fetch_api('Service-B', 1.5)", "fetch_api", ("Service-B", 1.5), False)``: the
    coroutine's function and the arguments it got, as words and as data (playground.describe),
    and whether the data is cut: an argument that is not builtin data JSON holds whole, or
    arguments past the named ones (``*args``, ``**kwargs``), which neither shows."""
    kind = type(coro)
    if kind is types.CoroutineType:
        code, frame = coro.cr_code, coro.cr_frame  # type: ignore[attr-defined]
    elif kind is types.GeneratorType:
        code, frame = coro.gi_code, coro.gi_frame  # type: ignore[attr-defined]
    else:
        return describe.value(coro), None, _NO_ARGS, True
    name = code.co_name
    if frame is None:
        return f"{name}()", name, _NO_ARGS, True
    count = code.co_argcount + code.co_kwonlyargcount
    local = frame.f_locals
    names = code.co_varnames
    given = [local[n] for n in names[:count] if n in local]
    cut = len(given) < count
    flags = code.co_flags
    if flags & _STARRED:
        # *args, then **kwargs, follow the named ones: a tuple and a dict the call made.
        starred = bool(flags & inspect.CO_VARARGS) + bool(flags & inspect.CO_VARKEYWORDS)
        for local_name in names[count : count + starred]:
            extra = local.get(local_name)
            cut = cut or ((type(extra) is tuple or type(extra) is dict) and len(extra) > 0)
    words = []
    args = []
    for value in given:
        words.append(describe.value(value))
        item, whole = describe.data(value)
        args.append(item)
        cut = cut or not whole
    return f"{name}({', '.join(words)})", name, tuple(args), cut


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
        self._labelled = 0
        # The classes of the program's tasks, by id (a class's own hash could be the
        # program's code), kept alive by _task_classes.
        self._task_class_ids: set[int] = set()
        self._task_classes: list[type] = []
        # TaskGroups by id, each kept with its number (a TaskGroup subclass could hash itself).
        self._taskgroups: dict[int, tuple[object, int]] = {}
        # The frame of the gather() call now creating its children (identity marks the call,
        # and reading its locals once per call, not per child, saves a dict each); dropped as
        # soon as another gather() starts.
        self._gather_frame: FrameType | None = None
        self._gather_group = 0
        self._group_count = 0
        self._group_by_task: dict[int | None, int] = {}  # task number -> its group's
        self._cancel_causes: dict[int, Wait] = {}
        # Waits made once and reused (see the module's docstring), by kind then argument.
        self._sleeps: dict[float, Wait] = {}
        self._task_waits: dict[int, Wait] = {}
        self._group_waits: dict[tuple[str, int | None, int], Wait] = {}
        # What each code object creating tasks is (see _frame_kind), looked up once. Keyed by
        # id: a code object hashes its whole contents each time (~1 us). Each entry holds its
        # code object, so no other can take that id while the entry lasts.
        self._frame_kinds: dict[int, tuple[CodeType, str]] = {}
        self._hooked: dict[type, Any] = {}  # task class -> its own cancel
        self._original_run: Callable[[asyncio.Handle], None] | None = None
        self._observer: Callable[[asyncio.Handle], None] | None = None
        # Methods of the loop class stood in for: name -> (the stand-in, the class's own or None).
        self._loop_hooks: dict[str, tuple[Any, Any]] = {}
        self._lines: dict[str, _Lines] = {}  # stream name -> the stand-in installed for it
        self.active = False

    # --- life cycle ---------------------------------------------------------------------

    def install(self) -> None:
        self._t0 = self._clock()
        original = self.loops.create_task
        tracer = self

        # Plain functions: as class attributes they bind to each loop, as methods do.
        def create_task(loop: asyncio.BaseEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
            return tracer._create_task(original, loop, coro, kwargs)

        self._hook_loops("create_task", create_task)
        self._original_run = asyncio.Handle._run
        self._observer, turn = self._step_observer(self._original_run, self.loops._run_once)  # type: ignore[attr-defined]
        asyncio.Handle._run = self._observer  # type: ignore[method-assign,assignment]
        self._hook_loops("_run_once", turn)
        for name in _STREAMS:
            lines = self._lines[name] = _Lines(self, name, getattr(sys, name))
            setattr(sys, name, lines)
        self.active = True

    def uninstall(self) -> None:
        if self.active:
            for lines in self._lines.values():
                self._end_line(lines)  # a last line without its newline
        self.active = False
        for name, lines in self._lines.items():
            if getattr(sys, name) is lines:
                setattr(sys, name, lines.stream)
        self._lines.clear()
        # Only take back what is still ours (a program may have replaced them meanwhile).
        for name, (hook, own) in self._loop_hooks.items():
            if self.loops.__dict__.get(name) is hook:
                if own is not None:
                    setattr(self.loops, name, own)
                else:
                    delattr(self.loops, name)
        self._loop_hooks.clear()
        if self._original_run is not None and asyncio.Handle.__dict__.get("_run") is self._observer:
            asyncio.Handle._run = self._original_run  # type: ignore[method-assign,assignment]
        for cls, original in self._hooked.items():
            setattr(cls, "cancel", original)  # noqa: B010 (typed as a plain type here)
        self._hooked.clear()
        self._gather_frame = None

    def _hook_loops(self, name: str, hook: Callable[..., Any]) -> None:
        """Stands ``hook`` in for the loop class's method ``name`` until :meth:`uninstall`."""
        self._loop_hooks[name] = (hook, self.loops.__dict__.get(name))
        setattr(self.loops, name, hook)

    def _fail(self, error: BaseException) -> None:
        """The observer broke: switch it off, keep the program running."""
        self.active = False  # first: what it holds half-recorded is not to be trusted
        self.uninstall()
        if self._on_error is not None:
            self._on_error(error)

    def now(self) -> int:
        """Microseconds since install."""
        return (self._clock() - self._t0) // 1000

    def number_of(self, task: object) -> int | None:
        """The task's number in this trace, or None if it is not one of the program's."""
        if id(type(task)) not in self._task_class_ids:
            return None
        return _number_on(task)

    # --- printed lines -------------------------------------------------------------------

    def _wrote(self, lines: _Lines, text: str) -> None:
        """Part of a line, a line or several were written to ``lines``' stream: each line is
        recorded once its newline comes, with the time and task of its first part. They are
        read once per write, when a line begins in it (``print(x)`` writes ``x``, then the
        newline): the lines of one write were written at one moment, by one task."""
        stamp: tuple[int, int | None] | None = None
        start = 0
        while True:
            end = text.find("\n", start)
            piece = text[start:] if end == -1 else text[start:end]
            if end == -1 and not piece:
                return
            if lines.started is None:
                if stamp is None:
                    stamp = (self.now(), self._current_task())
                lines.started = stamp
            lines.pending.append(piece)
            if end == -1:
                return
            self._end_line(lines)
            start = end + 1

    def _end_line(self, lines: _Lines) -> None:
        started = lines.started
        if started is None:
            return
        text = "".join(lines.pending)[:PRINTED_CHARS]
        lines.pending.clear()
        lines.started = None
        self._emit(make.printed(t=started[0], task=started[1], stream=lines.name, text=text))

    def _current_task(self) -> int | None:
        loop = asyncio._get_running_loop()
        return None if loop is None else self.number_of(asyncio.current_task(loop))

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
        if type(coro) is types.CoroutineType and id(coro.cr_code) in _HOUSEKEEPING:
            return original(loop, coro, **kwargs)
        try:
            call: Call
            if self._labelled < LABELLED_TASKS:
                call = describe_coroutine(coro)
            elif type(coro) is types.CoroutineType:
                name = coro.cr_code.co_name
                call = f"{name}(…)", name, _NO_ARGS, True
            else:
                call = "…", None, _NO_ARGS, True
        except Exception as error:
            self._fail(error)
            return original(loop, coro, **kwargs)
        task = original(loop, coro, **kwargs)
        try:
            self._labelled += 1
            number = self._labelled
            cls = type(task)
            if id(cls) not in self._task_class_ids:
                self._task_class_ids.add(id(cls))
                self._task_classes.append(cls)
            _set_attribute(task, _NUMBER, number)
            parent = asyncio.current_task(loop)
            # Frame 1 is the class's create_task (see install), 2 what called it.
            group = self._group_of(sys._getframe(2), parent)
            if group is not None:
                self._group_by_task[number] = group
            t = (self._clock() - self._t0) // 1000
            parent_number = self.number_of(parent)
            label, function, args, cut = call
            self._emit(
                make.created(
                    t=t,
                    task=number,
                    name=task.get_name()[:NAME_CHARS],
                    coro=label,
                    function=function,
                    args=args,
                    cut=cut,
                    parent=parent_number,
                    group=group,
                )
            )
            if cls not in self._hooked:
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

    def _new_group(self, kind: str, size: int | None, parent: asyncio.Task[Any] | None) -> int:
        self._group_count += 1
        self._emit(
            make.group(group=self._group_count, type=kind, owner=self.number_of(parent), size=size)
        )
        return self._group_count

    def _taskgroup(self, taskgroup: object, parent: asyncio.Task[Any] | None) -> int:
        known = self._taskgroups.get(id(taskgroup))
        if known is not None:
            return known[1]
        group = self._new_group("TaskGroup", None, parent)
        self._taskgroups[id(taskgroup)] = (taskgroup, group)
        return group

    def _gather(self, frame: FrameType, parent: asyncio.Task[Any] | None) -> int:
        if frame is not self._gather_frame:
            args = frame.f_locals.get("coros_or_futures")
            count = len(args) if type(args) is tuple else 0
            self._gather_frame = frame
            self._gather_group = self._new_group("gather", count, parent)
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
        self._emit(make.cancel(t=self.now(), task=number, cause=cause))

    def _cancel_cause(self, caller: FrameType, loop: asyncio.AbstractEventLoop) -> Wait:
        name = _qualname(caller)
        if name == "TaskGroup._abort":
            origin = caller.f_back
            sibling = self.number_of(origin.f_locals.get("task")) if origin is not None else None
            return ("sibling_failed", sibling) if sibling is not None else ("taskgroup_aborted",)
        if name == "TaskGroup._on_task_done":
            # A TaskGroup wakes its own task this way when a child fails; it is uncancelled.
            return ("taskgroup_child_failed", self.number_of(caller.f_locals.get("task")))
        if name.startswith("Timeout.") or name in {"wait_for", "_cancel_and_wait"}:
            return ("timeout",)
        if name == "_GatheringFuture.cancel":
            return ("gather_cancelled",)
        if name == "cancel_all_tasks":
            return ("run_ended",)
        if name == "stop" and "playground" in caller.f_code.co_filename:
            return ("stop",)
        canceller = self.number_of(asyncio.current_task(loop))
        if canceller is not None:
            return ("cancelled_by", canceller)
        return ("cancelled_in", name)

    # --- steps: the hot path, kept lean (see the benchmark in the README) ------------------

    def _step_observer(
        self, run_handle: Callable[[asyncio.Handle], None], run_once: Callable[[Any], None]
    ) -> tuple[Callable[[asyncio.Handle], None], Callable[[Any], None]]:
        """Stand-ins for ``Handle._run``, which times the steps of this run's tasks, and for
        the loop class's ``_run_once`` (one turn of the loop). Every callback of every loop in
        the process passes through the first while the tracer is installed, so anything else
        leaves after a few identity checks; names are bound in the closure.

        The clock is read once per step where it can be: in a turn, the loop runs its ready
        callbacks one after another, so a step that follows another step begins where that one
        ended (its span then holds the loop's handing over, a few microseconds, and the
        tracer's own work on the step before). Anything else that runs (another callback, the
        turn's start after a wait) makes the next step read the clock at its start. A read of
        the clock costs over a microsecond in WebAssembly, a quarter of a task's step."""
        tracer = self
        clock = self._clock
        emit = self._emit
        t0 = self._t0
        classes = self._task_class_ids
        step_event = make.step
        blocked_event = make.blocked
        blocked_after = BLOCKED_AFTER_NS
        step_wrapper: type | None = None
        # When the last step ended, if nothing has run since but the loop; else 0.
        last_end = 0

        def turn(loop: Any) -> None:
            nonlocal last_end
            last_end = 0
            return run_once(loop)

        def run(handle: asyncio.Handle) -> None:
            nonlocal step_wrapper, last_end
            callback = handle._callback  # type: ignore[attr-defined]
            kind = type(callback)
            # Only asyncio's own C callbacks are looked into: a callback of the program's could
            # answer any attribute lookup with its own code.
            if kind is not step_wrapper and kind is not _BUILTIN_METHOD:
                if step_wrapper is not None or not _is_step_wrapper(kind):
                    last_end = 0
                    return run_handle(handle)
                step_wrapper = kind
            task: Any = callback.__self__
            if id(type(task)) not in classes or not tracer.active:
                last_end = 0
                return run_handle(handle)
            try:
                number = _get_attribute(task, _NUMBER)
            except AttributeError:  # the loop's housekeeping (see _HOUSEKEEPING)
                last_end = 0
                return run_handle(handle)
            start = last_end or clock()
            try:
                return run_handle(handle)
            finally:
                end = last_end = clock()
                if tracer.active:
                    try:
                        s = (start - t0) // 1000
                        e = (end - t0) // 1000
                        done = task.done()
                        wait = (
                            None if done or task._fut_waiter is None else tracer._waiting_on(task)
                        )
                        emit(step_event(task=number, start=s, end=e, wait=wait))
                        if end - start > blocked_after:
                            emit(blocked_event(task=number, start=s, end=e))
                        if done:
                            emit(tracer._ended(task, number, e))
                    except Exception as error:
                        tracer._fail(error)

        return run, turn

    def _ended(self, task: asyncio.Task[Any], number: int, t: int) -> Event:
        # _exception, not exception(): that would mark the error retrieved, and CPython's
        # "Task exception was never retrieved" would never come. Observing must not change it.
        error = task._exception
        detail: object
        printed = None
        if task.cancelled():
            state, detail = "cancelled", self._cancel_causes.get(number)
        elif error is not None:
            state, detail = "failed", describe.error(error)
        else:
            result = task.result()
            if result is None:  # most tasks': two calls saved, once per task
                state, detail, printed = "done", "None", "None"
            else:
                state, detail, printed = "done", describe.value(result), describe.printed(result)
        return make.done(t=t, task=number, state=state, detail=detail, result_printed=printed)

    def _waiting_on(self, task: asyncio.Task[Any]) -> Wait:
        """What a suspended task waits on (see trace_schema.json's waits)."""
        future = task._fut_waiter  # type: ignore[attr-defined]
        number = self.number_of(future)
        if number is not None:
            wait = self._task_waits.get(number)
            if wait is None:
                wait = self._task_waits[number] = ("task", number, future.get_name()[:NAME_CHARS])
            return wait
        if type(future) is _GATHERING_FUTURE:
            children = future._children  # type: ignore[attr-defined]
            first = self.number_of(children[0]) if children else None
            return self._group_wait("gather", self._group_by_task.get(first), len(children))
        coro: Any = task.get_coro()
        while type(coro) is types.CoroutineType:
            inner = coro.cr_await
            if type(inner) is not types.CoroutineType:
                break
            coro = inner
        if type(coro) is not types.CoroutineType:
            return _FUTURE
        frame = coro.cr_frame
        if frame is None or not _is_asyncio(frame):
            return _FUTURE
        name = _qualname(frame)
        if name == "sleep":
            return self._sleep_wait(frame.f_locals.get("delay"))
        if name in _TASKGROUP_EXITS:
            known = self._taskgroups.get(id(frame.f_locals.get("self")))
            return self._group_wait("taskgroup", known[1] if known else None, 0)
        return _PARKED_IN.get(name, _FUTURE)

    def _sleep_wait(self, delay: object) -> Wait:
        if type(delay) is not int and type(delay) is not float:
            return ("sleep", None)
        seconds: float = delay
        wait = self._sleeps.get(seconds)
        if wait is None:
            # JSON has no infinity or NaN (the page's JSON.parse refuses json.dumps' Infinity,
            # and with it the whole batch), JavaScript no exact int past 2**53: such a delay
            # is given in words (``inf``), which the page shows as they are.
            whole = describe.data(seconds)[1]
            wait = ("sleep", seconds if whole else describe.value(seconds))
            self._sleeps[seconds] = wait
        return wait

    def _group_wait(self, kind: str, group: int | None, size: int) -> Wait:
        key = (kind, group, size)
        wait = self._group_waits.get(key)
        if wait is None:
            made = ("gather", group, size) if kind == "gather" else ("taskgroup", group)
            wait = self._group_waits[key] = made
        return wait


class _Lines:
    """``sys.stdout`` or ``sys.stderr`` while the tracer is installed: every write goes on to
    ``stream``, the one it replaced, as it came; the tracer is then told of the text, if it is
    a plain ``str`` (a subclass of the program's could run its own code when split). Anything
    else asked of it is the stream's."""

    def __init__(self, tracer: Tracer, name: str, stream: Any) -> None:
        self.tracer = tracer
        self.name = name
        self.stream = stream
        self.pending: list[str] = []  # the current line's parts, not yet ended by a newline
        self.started: tuple[int, int | None] | None = None  # its time and task

    def write(self, text: Any) -> Any:
        written = self.stream.write(text)
        tracer = self.tracer
        if tracer.active and type(text) is str:
            try:
                tracer._wrote(self, text)
            except Exception as error:
                tracer._fail(error)
        return written

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _is_step_wrapper(kind: type) -> bool:
    """Whether ``kind`` is asyncio's C TaskStepMethWrapper: a static type before Python 3.12,
    a heap type of the ``_asyncio`` module since (a class of the program's could take the
    name, but would live in the program's module)."""
    if _type_name(kind) != _STEP_WRAPPER_NAME:
        return False
    return not _flags(kind) & _HEAP_TYPE or _own_dict(kind).get("__module__") == "_asyncio"


_GATHERING_FUTURE: type = asyncio.tasks._GatheringFuture  # type: ignore[attr-defined]
