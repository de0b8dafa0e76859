"""One run of a learner's program, as an exercise's checks read it.

Built only from what was recorded: the tracer's events (``trace_schema.json``), what the
program printed to stdout and stderr, its own elapsed time and its uncaught error. Nothing
here runs, imports or looks at the program itself, so a check reads the same facts whether it
runs in the browser's fresh interpreter or under CPython in the tests.

This is Python's one fold of events into tasks (the tests read runs through it too), and it
is the page's (``web/record/trace-model.js``): the same tasks with their arguments and
results as data, steps, waits, ends, printed lines and loop-blocked spans, the same
:meth:`Run.facts`, and the same words for waits, ends and cancellation causes, made from the
schema's templates by ``playground.schema`` (a test compares both sides, task by task).
Events are read by name, never by position, and no words are read back into values.

A check asks questions in the learner's terms: which tasks ran the ``job()`` coroutine
(:meth:`Run.calls`), whether they overlapped or ran one after another, whether the whole took
about as long as the longest of them or as their sum, what blocked the loop, in which order
results were printed. The words helpers (:func:`seconds`, :func:`listing`) keep the numbers
in its sentences as the page shows them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .schema import (
    TaskWords,
    cause_words,
    group_words,
    named,
    split,
    wait_family,
    wait_words,
)

EndState = Literal["done", "failed", "cancelled", "unfinished"]
# What a task is doing at one moment, in the Tasks table's words.
State = Literal["pending", "running", "waiting", "done", "failed", "cancelled"]

# --- tolerances ------------------------------------------------------------------------------

# "About as long as the longest task": the span of a set of tasks may exceed their longest by
# this share of it plus SLACK. Each sleep wakes up to a few ms late (asyncio's timer jitter is
# ~1 ms on CPython, ~0.7 ms in a browser worker; the README's timing table shows +1 to +8 ms
# per program), and a shared machine can delay a step by tens of ms. Sequential tasks overshoot
# by a whole task (the shortest of the lesson's is 1 s in 3 s, +33%), far outside it.
SPAN_SHARE = 0.1
SPAN_SLACK = 0.05
# Instants closer than this count as one. A task created once another has ended is created in
# the step that resumes then, microseconds later; and tasks in flight together for less than
# this did not run together in any way the timeline could show.
SAME_INSTANT = 0.002

# A sleep that woke this much after it was due was delayed by the computer (the process
# paused: a garbage collection, a busy phone, a tab in the background), or by a step that
# held the loop. asyncio's timers wake a few ms late at most (see SPAN_SLACK).
LATE_S = 0.05

# Words a line may use to say that a service failed, besides its error's own text and type.
FAILURE_WORDS = (
    "fail", "down", "error", "unavailable", "not available", "not answering", "exception",
    "broken", "offline", "refused", "could not", "couldn't", "unreachable", "timed out",
)  # fmt: skip

_NEVER_AWAITED = re.compile(r"coroutine '([^']+)' was never awaited")


# --- the parts of a run ------------------------------------------------------------------------


@dataclass(frozen=True)
class Wait:
    """What a task waited on after a step: the schema's data (``kind`` and ``args``, e.g.
    ``("sleep", (1.5,))``) and the page's words for it (``sleep(1.5)``)."""

    kind: str
    args: tuple[Any, ...]
    words: str
    family: str  # "sleep", "tasks" or "other": the timeline's colour

    @property
    def seconds(self) -> float | None:
        """A sleep's seconds (None for any other wait)."""
        if self.kind == "sleep" and self.args and isinstance(self.args[0], int | float):
            return float(self.args[0])
        return None


@dataclass(frozen=True)
class Step:
    """One step a task ran, from ``start`` to ``end``, and what it then waited on (None: it
    was ready to run again, or it ended)."""

    start: float
    end: float
    wait: Wait | None


@dataclass(frozen=True)
class Waiting:
    """A stretch of time a task spent waiting on ``wait``, between two of its steps."""

    start: float
    end: float
    wait: Wait


@dataclass(frozen=True)
class TaskError:
    """A task's exception: its type's name, the traceback's last line for it (``ValueError:
    no cars left``) and its message alone (``no cars left``; "" for a bare exception, or one
    whose own ``__str__`` alone could tell it: see playground.describe.error)."""

    type: str
    text: str
    message: str


@dataclass(frozen=True)
class Cause:
    """Why a task was cancelled: the schema's data (``kind``, ``args``), the page's words
    (``sibling Task-3 failed (ValueError: no cars left)``) and the task it concerns, if any
    (the sibling that failed, the task that called ``cancel()``)."""

    kind: str
    args: tuple[Any, ...]
    words: str
    task: Task | None


@dataclass(frozen=True)
class Blocked:
    """A step of ``task`` that held the loop longer than 100 ms (asyncio's slow-callback
    threshold): no other task could run from ``start`` to ``end``."""

    task: Task
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Printed:
    """A line the program printed, without its newline: when its first part was written, by
    which task (None: code outside every task, such as the top level or a callback), to
    ``stdout`` or ``stderr``."""

    t: float
    task: Task | None
    stream: str
    text: str


@dataclass(frozen=True)
class Late:
    """A sleep of ``task`` that woke at ``woke``, LATE_S or more after it was ``due``."""

    task: Task
    wait: Wait
    due: float
    woke: float


@dataclass(frozen=True)
class ProgramError:
    """The program's uncaught error, as the page shows it: the learner's innermost line, the
    traceback's last line (``ExceptionGroup: unhandled errors in a TaskGroup (1
    sub-exception)``) and the exception's class name without its module (``ExceptionGroup``:
    playground.runner.SourceError, as the worker gave it)."""

    line: int
    column: int
    message: str
    type: str


@dataclass(eq=False)
class Group:
    """A ``TaskGroup`` or a ``gather()`` call: the tasks it made, and the task that made it."""

    number: int
    type: str  # "TaskGroup" or "gather"
    owner: Task | None
    size: int | None  # gather()'s number of awaitables (None for a TaskGroup)
    tasks: list[Task] = field(default_factory=list)

    @property
    def words(self) -> str:
        """``TaskGroup`` or ``gather of 3``, as the page's groupWords()."""
        return group_words(self.type, self.size)


@dataclass(eq=False)
class Task:
    """One task of the program, from creation to its end."""

    number: int
    name: str  # "Task-2"
    coro: str  # its coroutine with the arguments it got, in words: "job('download', 1)"
    function: str | None  # the coroutine's function: "job" (None: not a coroutine)
    # The arguments it got, as values, when the tracer could write them all out (builtin
    # values, not cut short): ('download', 1); else None. Tuples among them are lists.
    args: tuple[Any, ...] | None
    parent: Task | None
    group: Group | None
    created: float
    steps: list[Step] = field(default_factory=list)
    state: EndState = "unfinished"
    ended: float | None = None
    result: str | None = None  # a done task's result, in the tracer's words
    # A done task's result as print() shows it, when the tracer could write it out whole
    # ("download done" for the string 'download done'); else None.
    result_printed: str | None = None
    error: TaskError | None = None  # a failed task's exception
    cause: Cause | None = None  # why a cancelled task was cancelled, when known
    # Each request to cancel it: when, and why (a task can be asked more than once).
    cancels: list[tuple[float, Cause | None]] = field(default_factory=list)
    # Until when its last wait lasts if it never ended: the end of the run's trace.
    run_end: float = field(default=0.0, repr=False)

    @property
    def subject(self) -> Any:
        """What the call is about: its first argument, or that argument's first item when
        it is a tuple or list (a wrapper given ``("weather", 2.0)``); None when unknown."""
        value = self.arg(0)
        return value[0] if isinstance(value, tuple | list) and value else value

    def arg(self, index: int) -> Any:
        """One of :attr:`args`, or None when it is unknown."""
        args = self.args
        return args[index] if args is not None and index < len(args) else None

    @property
    def started(self) -> float | None:
        """When its first step began (None if it never ran)."""
        return self.steps[0].start if self.steps else None

    @property
    def duration(self) -> float | None:
        """Seconds from its first step to its end (None if it never ran or never ended)."""
        if self.started is None or self.ended is None:
            return None
        return self.ended - self.started

    @property
    def waits(self) -> list[Waiting]:
        """Every stretch it spent waiting, in order: from the end of a step that waited on
        something to the start of the next step (or its end)."""
        out = []
        for step, following in zip(self.steps, [*self.steps[1:], None], strict=True):
            if step.wait is None:
                continue
            if following is not None:
                until = following.start
            else:
                until = self.ended if self.ended is not None else self.run_end
            out.append(Waiting(step.end, until, step.wait))
        return out

    def state_at(self, t: float) -> State | None:
        """What it was doing at ``t`` (None before it existed). A zero-length step counts as
        running at its instant. As the page's stateAt()."""
        if t < self.created:
            return None
        ended = self.ended is not None and t >= self.ended
        if ended and (self.state == "done" or self.state == "failed" or self.state == "cancelled"):
            return self.state
        last = None
        for step in self.steps:
            if step.start > t:
                break
            if t < step.end or t == step.start:
                return "running"
            last = step
        return "waiting" if last is not None and last.wait is not None else "pending"

    def segments(self, until: float) -> list[tuple[float, float, str]]:
        """``(start, end, state)`` from its creation to ``until`` (or its end): pending,
        running, waiting. As the page's segments(), so the seconds add up the same."""
        out: list[tuple[float, float, str]] = []
        stop = min(until, self.ended) if self.ended is not None else until
        cursor = self.created
        gap = "pending"
        for step in self.steps:
            if step.start > stop:
                break
            if step.start > cursor:
                out.append((cursor, step.start, gap))
            out.append((step.start, min(step.end, stop), "running"))
            cursor = step.end
            gap = "waiting" if step.wait is not None else "pending"
        if stop > cursor:
            out.append((cursor, stop, gap))
        return out

    @property
    def end_words(self) -> str:
        """How it ended, as the page's endWords() says it: its result in words, its error's
        text, why it was cancelled; "" while unfinished."""
        if self.state == "failed":
            return self.error.text if self.error is not None else ""
        if self.state == "cancelled":
            return self.cause.words if self.cause is not None else cause_words(None)
        return self.result or ""

    def __repr__(self) -> str:
        return f"<{self.name} {self.coro} {self.state}>"


@dataclass(frozen=True)
class TaskTimes:
    """Seconds one task spent in each state (``blocked`` is part of ``running``)."""

    name: str
    running: float
    waiting: float
    pending: float
    blocked: float


@dataclass(frozen=True)
class Facts:
    """The run's numbers, as the page's run record keeps them (trace-model.js facts())."""

    wall: float
    tasks: dict[int, TaskTimes]
    peak: int  # most tasks in flight at once
    by_state: dict[str, int]  # done, failed, cancelled, unfinished

    def as_page_has_them(self) -> dict[str, Any]:
        """The same as the page's JSON: ``{wall, tasks: {"1": {...}}, peak, byState}``."""
        return {
            "wall": self.wall,
            "tasks": {str(n): vars(times) for n, times in self.tasks.items()},
            "peak": self.peak,
            "byState": self.by_state,
        }


# --- the run -------------------------------------------------------------------------------


class Run:
    """One run: what it printed, its time and error, and its tasks as the tracer saw them.

    ``events``: the tracer's events as the page received them (one flat list, items end to
    end) or as tuples. ``elapsed``: the program's own seconds. ``error``: its uncaught error
    as the page has it, ``{line, column, message}``. ``answers``: the learner's answers to
    an exercise's questions, ``{question id: choice or [choices]}``.
    """

    def __init__(
        self,
        events: Iterable[Any] = (),
        *,
        stdout: str = "",
        stderr: str = "",
        elapsed: float | None = None,
        error: ProgramError | None = None,
        status: str | None = None,
        answers: Mapping[str, str | Sequence[str]] | None = None,
    ) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed
        self.error = error
        self.status = status  # the page's end state: finished, failed or stopped
        self.answers: dict[str, str | list[str]] = {
            key: value if isinstance(value, str) else list(value)
            for key, value in (answers or {}).items()
        }
        self.tasks: list[Task] = []
        self.groups: list[Group] = []
        self.blocked: list[Blocked] = []
        self.printed_lines: list[Printed] = []  # in the order printed, both streams
        self.problems: list[str] = []  # the tracer's own failures: the record is incomplete
        self.end = 0.0  # the last instant the trace mentions: the run's wall time
        self._fold(events)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Run:
        """A run from the page's plain data: ``{events, stdout, stderr, elapsed, error,
        status, answers}`` (all but ``events`` optional)."""
        error = data.get("error")
        return cls(
            data.get("events") or (),
            stdout=str(data.get("stdout") or ""),
            stderr=str(data.get("stderr") or ""),
            elapsed=_number(data.get("elapsed")),
            error=(
                ProgramError(
                    int(error["line"]),
                    int(error["column"]),
                    str(error["message"]),
                    str(error.get("type") or ""),
                )
                if isinstance(error, Mapping)
                else None
            ),
            status=data.get("status"),
            answers=data.get("answers"),
        )

    # --- building (the page's addEvents, then the words once every task is known) ---------

    def _fold(self, events: Iterable[Any]) -> None:
        by_number: dict[int, Task] = {}
        groups: dict[int, Group] = {}
        waits: list[tuple[Task, int, Any]] = []  # steps' raw waits, made into Wait below
        causes: list[tuple[Task, int | None, Any]] = []  # (task, cancel index or None, raw)
        blocked: list[tuple[int, float, float]] = []
        try:
            for event in split(events):
                e = named(event)
                kind = e["kind"]
                if kind == "group":
                    owner = by_number.get(e["owner"]) if e["owner"] is not None else None
                    groups[e["group"]] = Group(e["group"], e["type"], owner, e["size"])
                elif kind == "created":
                    parent = by_number.get(e["parent"]) if e["parent"] is not None else None
                    group = groups.get(e["group"]) if e["group"] is not None else None
                    args = None if e["cut"] else tuple(e["args"])
                    task = Task(
                        e["task"], e["name"], e["coro"], e["function"], args, parent, group, e["t"]
                    )
                    by_number[task.number] = task
                    self.tasks.append(task)
                    if group is not None:
                        group.tasks.append(task)
                    self.end = max(self.end, e["t"])
                elif kind == "step":
                    stepped = by_number.get(e["task"])
                    if stepped is not None:
                        waits.append((stepped, len(stepped.steps), e["wait"]))
                        stepped.steps.append(Step(e["start"], e["end"], None))
                    self.end = max(self.end, e["end"])
                elif kind == "cancel":
                    asked = by_number.get(e["task"])
                    if asked is not None:
                        causes.append((asked, len(asked.cancels), e["cause"]))
                        asked.cancels.append((e["t"], None))
                elif kind == "done":
                    ending = by_number.get(e["task"])
                    if ending is not None:
                        ending.state = e["state"]
                        ending.ended = e["t"]
                        detail = e["detail"]
                        if e["state"] == "failed":
                            ending.error = TaskError(*map(str, detail))
                        elif e["state"] == "cancelled":
                            causes.append((ending, None, detail))
                        else:
                            ending.result = detail
                            ending.result_printed = e["result_printed"]
                    self.end = max(self.end, e["t"])
                elif kind == "blocked":
                    blocked.append((e["task"], e["start"], e["end"]))
                elif kind == "printed":
                    printer = by_number.get(e["task"]) if e["task"] is not None else None
                    self.printed_lines.append(Printed(e["t"], printer, e["stream"], e["text"]))
                elif kind == "tracer_error":
                    self.problems.append(e["message"])
        except (ValueError, RuntimeError, KeyError, TypeError, IndexError) as error:
            # A cut or garbled stream: what came before it stands, as the page's fold does.
            self.problems.append(f"unreadable trace: {error}")
        self.groups = sorted(groups.values(), key=lambda g: g.number)
        for task in self.tasks:
            task.run_end = self.end
        words = _task_words(by_number)
        for task, index, raw in waits:
            if raw:
                made = Wait(
                    raw[0], tuple(raw[1:]), wait_words(raw, words) or "", wait_family(raw) or ""
                )
                task.steps[index] = Step(task.steps[index].start, task.steps[index].end, made)
        for task, cancel, raw in causes:
            cause = None
            if raw:
                # The task a cause names, if any, is its first argument (trace_schema.json).
                concerned = by_number.get(raw[1]) if len(raw) > 1 else None
                cause = Cause(raw[0], tuple(raw[1:]), cause_words(raw, words), concerned)
            if cancel is None:
                task.cause = cause
            else:
                task.cancels[cancel] = (task.cancels[cancel][0], cause)
        for number, start, end in blocked:
            if number in by_number:
                self.blocked.append(Blocked(by_number[number], start, end))

    # --- finding tasks -------------------------------------------------------------------

    @property
    def main(self) -> Task | None:
        """The task ``asyncio.run()`` made for ``main()``: the first with no parent."""
        return next((t for t in self.tasks if t.parent is None), None)

    def calls(self, function: str, firsts: Iterable[object] = ()) -> list[Task]:
        """The tasks that ran the coroutine function ``function``, in order of creation. If
        none did, and ``firsts`` are given, the tasks whose first argument (or its first
        item) is one of them: each call wrapped in a coroutine of the program's own."""
        found = [t for t in self.tasks if t.function == function]
        wanted = set(firsts)
        if found or not wanted:
            return found

        return [t for t in self.tasks if _hashable(t.subject) and t.subject in wanted]

    def never_awaited(self) -> list[str]:
        """Coroutine functions Python reported as "never awaited" (a coroutine made by a
        call, then dropped without running), in the order reported."""
        return list(dict.fromkeys(_NEVER_AWAITED.findall(self.stderr)))

    # --- what was printed ----------------------------------------------------------------

    def prints(
        self, by: Iterable[Task | None] | None = None, after: float | None = None
    ) -> list[Printed]:
        """The lines printed to stdout, as the tracer recorded them: only those printed by
        ``by`` (tasks, None for code outside every task) if given, and only at or after
        ``after`` if given."""
        wanted = None if by is None else {id(t) for t in by}
        return [
            p
            for p in self.printed_lines
            if p.stream == "stdout"
            and (wanted is None or id(p.task) in wanted)
            and (after is None or p.t >= after)
        ]

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()

    def printed(self, text: str) -> bool:
        """Whether stdout holds ``text`` anywhere."""
        return bool(text) and text in self.stdout

    def line_with(self, text: str) -> int | None:
        """The index of the first stdout line holding ``text``."""
        return next((i for i, line in enumerate(self.lines) if text and text in line), None)

    def reported(self, task: Task) -> Printed | None:
        """The first line that reports ``task``'s failure: printed once it failed (in its
        last step or later), by the task itself, a task it was made by (directly or not) or
        code outside every task, naming its first argument (the service) together with its
        error's text or type or a word for failing (FAILURE_WORDS). A header printed before
        anything ran, or a line saying the service is up, is not one."""
        if task.state != "failed" or not task.steps:
            return None
        name = str(task.subject if task.subject is not None else task.function).lower()
        error = task.error
        words = [*FAILURE_WORDS]
        if error is not None:
            words += [w.lower() for w in (error.type, error.message) if w]
        handlers: list[Task | None] = [task, None]
        parent = task.parent
        while parent is not None:
            handlers.append(parent)
            parent = parent.parent
        for line in self.prints(by=handlers, after=task.steps[-1].start):
            text = line.text.lower()
            if name in text and any(word in text for word in words):
                return line
        return None

    def shows_result(self, task: Task) -> Printed | None:
        """The first line printed once ``task`` ended that holds its result as print() shows
        it (see Task.result_printed), by a task other than it or code outside every
        task: a result handed on, not one the task printed itself or a literal printed
        before it existed."""
        result = task.result_printed
        if not result or task.ended is None:
            return None
        return next(
            (
                line
                for line in self.prints(after=task.ended)
                if line.task is not task and result in line.text
            ),
            None,
        )

    def waited_on(self, task: Task) -> bool:
        """Whether another task waited for ``task`` to end: on the task itself, on the
        gather() or TaskGroup holding it, or on a wait() or other future it ended during
        (as_completed()'s and wait()'s): not a sleep, which ends on its own."""
        if task.ended is None:
            return False
        for other in self.tasks:
            if other is task:
                continue
            for waiting in other.waits:
                wait = waiting.wait
                if wait_is_on(wait, task):
                    return True
                specific = wait.kind in {"task", "taskgroup"} or (
                    wait.kind == "gather" and bool(wait.args) and wait.args[0] is not None
                )
                if (
                    wait.family != "sleep"
                    and not specific
                    and waiting.start <= task.ended <= waiting.end + SAME_INSTANT
                ):
                    return True
        return False

    # --- time ----------------------------------------------------------------------------

    def late_wakes(self) -> list[Late]:
        """Every sleep that woke LATE_S or more after it was due, in order of waking."""
        out = []
        for task in self.tasks:
            for step, woken in itertools.pairwise(task.steps):
                length = step.wait.seconds if step.wait is not None else None
                if length is None:
                    continue
                # A sleep cut short (cancelled) wakes before it is due.
                due = step.end + max(length, 0.0)
                if woken.start - due >= LATE_S:
                    out.append(Late(task, step.wait, due, woken.start))  # type: ignore[arg-type]
        return sorted(out, key=lambda late: late.woke)

    def facts(self, now: float | None = None) -> Facts:
        """Wall time, each task's seconds running/waiting/pending/blocked, the peak number
        of tasks in flight and how many ended in each state, up to ``now`` (default: the end
        of the trace). The page's facts(), computed in the same order, so the same floats."""
        wall = max(now if now is not None else self.end, self.end)
        times: dict[int, dict[str, float]] = {}
        by_state = {"done": 0, "failed": 0, "cancelled": 0, "unfinished": 0}
        changes: list[tuple[float, int]] = []
        for task in self.tasks:
            spent: dict[str, float] = {"running": 0, "waiting": 0, "pending": 0, "blocked": 0}
            for start, end, state in task.segments(wall):
                spent[state] += end - start
            times[task.number] = spent
            by_state[task.state] += 1
            ended = task.ended if task.state != "unfinished" and task.ended is not None else None
            changes += [(task.created, 1), (ended if ended is not None else float("inf"), -1)]
        for block in self.blocked:
            times[block.task.number]["blocked"] += block.end - block.start
        # Ends before starts at one instant: a task that ends as another starts never
        # overlaps it.
        changes.sort()
        in_flight = peak = 0
        for _, change in changes:
            in_flight += change
            peak = max(peak, in_flight)
        names = {t.number: t.name for t in self.tasks}
        return Facts(
            wall,
            {n: TaskTimes(names[n], **spent) for n, spent in times.items()},
            peak,
            by_state,
        )

    @staticmethod
    def span(tasks: Sequence[Task]) -> float:
        """Seconds from the first of ``tasks`` starting to the last ending (0 if none ran)."""
        starts = [t.started for t in tasks if t.started is not None]
        ends = [t.ended for t in tasks if t.ended is not None]
        return max(ends) - min(starts) if starts and ends else 0.0

    @staticmethod
    def longest(tasks: Sequence[Task]) -> Task | None:
        """The task of ``tasks`` that took longest from its first step to its end."""
        timed = [t for t in tasks if t.duration is not None]
        return max(timed, key=lambda t: t.duration or 0.0) if timed else None

    @staticmethod
    def total(tasks: Sequence[Task]) -> float:
        """Their durations added up: what they take one after another."""
        return sum(t.duration or 0.0 for t in tasks)

    def close_to_longest(self, tasks: Sequence[Task]) -> bool:
        """Whether ``tasks`` took about as long together as the longest of them alone (see
        SPAN_SHARE): what running them concurrently gives, against the sum one after
        another gives."""
        longest = self.longest(tasks)
        if longest is None or longest.duration is None:
            return False
        return self.span(tasks) <= longest.duration * (1 + SPAN_SHARE) + SPAN_SLACK

    @staticmethod
    def overlapped(tasks: Sequence[Task]) -> bool:
        """Whether there was an instant when every one of ``tasks`` had started and none had
        ended."""
        if len(tasks) < 2 or any(t.started is None for t in tasks):
            return False
        last_start = max(t.started or 0.0 for t in tasks)
        first_end = min(t.ended if t.ended is not None else float("inf") for t in tasks)
        return last_start + SAME_INSTANT < first_end

    @staticmethod
    def one_after_another(tasks: Sequence[Task]) -> bool:
        """Whether each of ``tasks`` (in order of creation) was created only once the one
        before it had ended: what awaiting each right after creating it gives."""
        ordered = sorted(tasks, key=lambda t: t.created)
        return len(ordered) > 1 and all(
            before.ended is not None and after.created + SAME_INSTANT >= before.ended
            for before, after in itertools.pairwise(ordered)
        )

    @staticmethod
    def created_before_awaited(tasks: Sequence[Task]) -> bool:
        """Whether all of ``tasks`` were created before their creator began waiting on any
        of them: scheduled first, awaited after."""
        creators = {id(t.parent): t.parent for t in tasks if t.parent is not None}
        last_created = max((t.created for t in tasks), default=0.0)
        for creator in creators.values():
            for waiting in creator.waits:
                if any(wait_is_on(waiting.wait, t) for t in tasks):
                    if waiting.start + SAME_INSTANT < last_created:
                        return False
                    break
        return True

    @staticmethod
    def finish_order(tasks: Sequence[Task]) -> list[Task]:
        """``tasks`` in the order they ended (unfinished ones last)."""
        return sorted(tasks, key=lambda t: t.ended if t.ended is not None else float("inf"))

    def blocked_by(self, tasks: Iterable[Task]) -> list[Blocked]:
        """The loop-blocked spans caused by ``tasks``."""
        wanted = {id(t) for t in tasks}
        return [b for b in self.blocked if id(b.task) in wanted]

    @staticmethod
    def waited_together(tasks: Sequence[Task]) -> Waiting | None:
        """How the task that made ``tasks`` waited on them all at once: on their gather() or
        TaskGroup, or on a gather() given them ready-made (create_task()'s tasks: a gather()
        of as many, begun while they ran). From the first such wait's start to the last's
        end, which is when gather() returned or raised, or the ``async with`` ended; None if
        nothing waited on them together."""
        if not tasks:
            return None
        groups = {t.group.number for t in tasks if t.group is not None}
        last_created = max(t.created for t in tasks)
        first_end = min(t.ended if t.ended is not None else float("inf") for t in tasks)
        found: list[Waiting] = []
        for creator in {id(t.parent): t.parent for t in tasks if t.parent is not None}.values():
            for waiting in creator.waits:
                kind, args = waiting.wait.kind, waiting.wait.args
                on_group = kind in {"gather", "taskgroup"} and bool(args) and args[0] in groups
                on_these = (
                    kind == "gather"
                    and args[:2] == (None, len(tasks))
                    and last_created <= waiting.start <= first_end
                )
                if on_group or on_these:
                    found.append(waiting)
        if not found:
            return None
        return Waiting(found[0].start, found[-1].end, found[0].wait)


def wait_is_on(wait: Wait, task: Task) -> bool:
    """Whether ``wait`` is on ``task`` itself or on the gather() or TaskGroup holding it."""
    if wait.kind == "task":
        return wait.args[:1] == (task.number,)
    if wait.kind in {"gather", "taskgroup"} and task.group is not None:
        return wait.args[:1] == (task.group.number,)
    return False


# --- words for feedback -----------------------------------------------------------------------


def seconds(x: float | None) -> str:
    """Seconds as feedback gives them: ``6.0 s``, and ``0.15 s`` under 1 s, where a tenth is
    too coarse for the short exercises' sleeps."""
    if x is None:
        return "? s"
    return f"{x:.1f} s" if abs(x) >= 1 else f"{x:.2f} s"


def listing(items: Iterable[str], conjunction: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    words = list(items)
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def labels(tasks: Iterable[Task]) -> str:
    """The tasks' coroutines, listed: ``job('download', 1) and job('resize', 2)``."""
    return listing(t.coro for t in tasks)


def fate(task: Task) -> str:
    """How a task ended, for feedback: ``finished at 0.30 s``, ``failed at 0.10 s with
    ValueError: no cars left``, ``was cancelled at 0.10 s, when book('car', 0.1) failed``."""
    at = seconds(task.ended)
    if task.state == "done":
        return f"finished at {at}"
    if task.state == "failed":
        return f"failed at {at} with {task.error.text if task.error else 'an error'}"
    if task.state == "cancelled":
        cause = task.cause
        if cause is not None and cause.kind == "sibling_failed" and cause.task is not None:
            return f"was cancelled at {at}, when {cause.task.coro} failed"
        return f"was cancelled at {at} ({cause.words if cause else 'cause unknown'})"
    return "never ended"


# --- helpers -------------------------------------------------------------------------------


def _hashable(value: object) -> bool:
    return isinstance(value, str | int | float)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _task_words(by_number: Mapping[int, Task]) -> TaskWords:
    """What the schema's templates may ask of a task: its name, label and end (the error's
    text if it failed), as the page's taskFacts()."""

    def words(number: int | None) -> dict[str, str] | None:
        task = by_number.get(number) if number is not None else None
        if task is None:
            return None
        facts = {"name": task.name, "label": task.coro}
        if task.state != "unfinished":
            facts["error"] = task.error.text if task.error is not None else task.state
        return facts

    return words
