"""Verdicts on a learner's run, and the one entry point that makes them.

An exercise's ``check.py`` defines ``check(run: Run) -> Verdict``: it reads the run through
:class:`playground.run_view.Run` and says, in a sentence about that run, the first thing
wrong, or that it passed. A verdict is plain data (Exercism's test-runner results and
PrairieLearn's scores are the model: a status, a score in [0, 1], messages), which the
exercise panel, the host API and SCORM all read as they are and never parse back::

    {"status": "pass" | "fail" | "delayed" | "error", "passed": bool, "score": float,
     "messages": [{"text": str, "tasks": ["Task-2", ...], "question": str | None,
                   "mistake": str | None}],
     "check_error": str | None}

``status`` "error" means the exercise's own check failed; "delayed", that the computer ran
the program late (a sleep woke at least LATE_S after its deadline, or a step was held) where
the verdict depended on when things happened: in both the learner's code was not marked, the
attempt is not counted, and no host or LMS hears of it (``web/exercises/exercise-panel.js``).
``tasks`` names the tasks a message is about, for the timeline to mark; ``question`` ties a
message to a question of a predict-then-run exercise; ``mistake`` is the id of the mistake
(or of the pass) the message is about, which tests match instead of its words.

:func:`grade` (and :func:`grade_json`, its JSON-in, JSON-out form for the worker) runs a
check's source over one run's data. The browser calls it in an interpreter the learner's
program never ran in, after the program ended; it imports nothing of the program's, and
never runs the program again: everything it knows was recorded.

Predict-then-run exercises declare questions in their ``exercise.md``; their ``check.py``
gives, for each question, a function that works the right answer out of the run (a
:class:`Key`), and :func:`mark` compares the learner's answers with those. So answers are
marked against what the program did, not a fixed key, and stay right if the program changes.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .run_view import Run, Task, labels, listing, seconds

Status = Literal["pass", "fail", "delayed", "error"]


@dataclass(frozen=True)
class Message:
    """A sentence about the learner's run, the tasks (by name) it is about, and the id of the
    mistake (or pass) it reports."""

    text: str
    tasks: tuple[str, ...] = ()
    question: str | None = None
    mistake: str | None = None


@dataclass(frozen=True)
class Verdict:
    status: Status
    score: float
    messages: tuple[Message, ...] = ()
    check_error: str | None = None  # for the exercise's author: why the check itself failed
    # Whether it rests on when things happened (how long, in which order, what was still
    # running when): then a run the computer delayed gets no verdict (see grade).
    timed: bool = False

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def as_data(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "passed": self.passed,
            "score": self.score,
            "messages": [
                {
                    "text": m.text,
                    "tasks": list(m.tasks),
                    "question": m.question,
                    "mistake": m.mistake,
                }
                for m in self.messages
            ],
            "check_error": self.check_error,
        }


def say(
    text: str,
    tasks: Iterable[Task | None] = (),
    question: str | None = None,
    mistake: str | None = None,
) -> Message:
    """A message about ``tasks`` (the timeline marks them), reporting ``mistake``."""
    names = (t.name for t in tasks if t is not None)
    return Message(text, tuple(dict.fromkeys(names)), question, mistake)


def passed(*messages: Message | str, timed: bool = False) -> Verdict:
    """``timed``: a delay of the computer's could have made a wrong answer pass (see
    Verdict.timed)."""
    return Verdict("pass", 1.0, _messages(messages), timed=timed)


def failed(*messages: Message | str, score: float = 0.0, timed: bool = False) -> Verdict:
    """The first message is the first thing wrong; ``score`` is the share of the exercise
    done (0 unless a check has parts that stand alone); ``timed``: it rests on when things
    happened (see Verdict.timed)."""
    return Verdict("fail", min(max(score, 0.0), 1.0), _messages(messages), timed=timed)


def _messages(messages: Iterable[Message | str]) -> tuple[Message, ...]:
    return tuple(m if isinstance(m, Message) else Message(m) for m in messages)


# How long steps must have held the loop, in all, before a check calls it the program's doing:
# a share of the run, and at least a floor. A single step can overrun asyncio's 100 ms without
# the program's fault when the machine is busy (the worker or process descheduled, a garbage
# collection); a quarter of the run, or 0.3 s, cannot be put down to that. A time.sleep() in
# the lesson's coroutines blocks for most of the run.
# Above a pause of the process the checks must not blame on the learner (0.3 s: a garbage
# collection, a busy phone, a tab in the background).
BLOCKED_SHARE = 0.25
BLOCKED_FLOOR_S = 0.5


def loop_blocked(run: Run) -> Verdict | None:
    """A failed verdict when steps held the loop (a ``time.sleep()`` or a long computation in
    a coroutine) for long enough (see BLOCKED_SHARE), naming each task that did and for how
    long; else None."""
    blocked = sum(block.seconds for block in run.blocked)
    if blocked < max(BLOCKED_FLOOR_S, BLOCKED_SHARE * run.end):
        return None
    held: dict[Task, float] = {}
    for block in run.blocked:
        held[block.task] = held.get(block.task, 0.0) + block.seconds
    parts = [
        f"{task.coro}{' held it' if i == 0 else ''} for {seconds(time)}"
        for i, (task, time) in enumerate(held.items())
    ]
    return failed(
        say(
            f"The loop was blocked: {listing(parts)}, and no other task could run meanwhile. "
            "A coroutine that waits without await (time.sleep(), a long loop) stops every "
            "task; await asyncio.sleep() lets the others run.",
            held,
            mistake="loop-blocked",
        )
    )


def delayed(run: Run) -> Verdict | None:
    """A "delayed" verdict when the computer ran the program late (a sleep woke at least
    LATE_S after it was due, or a step held the loop, too briefly to be the program's doing:
    see loop_blocked), saying where; else None."""
    if loop_blocked(run) is not None:
        return None
    late = run.late_wakes()
    held = run.blocked
    if late:
        worst = max(late, key=lambda w: w.woke - w.due)
        where = (
            f"{worst.task.coro}'s {worst.wait.words} woke at {seconds(worst.woke)}, "
            f"{seconds(worst.woke - worst.due)} after it was due"
        )
        tasks: list[Task] = [worst.task]
    elif held:
        block = max(held, key=lambda b: b.seconds)
        where = f"a step of {block.task.coro} held the loop for {seconds(block.seconds)}"
        tasks = [block.task]
    else:
        return None
    return Verdict(
        "delayed",
        0.0,
        (
            say(
                f"Your run was delayed by the computer, not by your code ({where}), and this "
                "exercise is judged by when things happened: this run was not marked and does "
                "not count as an attempt. Run it again. If it happens every time, look for "
                "a call that blocks the loop, such as time.sleep().",
                tasks,
                mistake="delayed",
            ),
        ),
    )


def never_awaited(run: Run, function: str, fix: str) -> Verdict | None:
    """A failed verdict when Python reported a ``function()`` coroutine "never awaited" (the
    function was called, its coroutine dropped), saying how many ran; else None. ``fix``
    ends the sentence: what to do with each call."""
    if function not in run.never_awaited():
        return None
    ran = run.calls(function)
    tasks = f"only {labels(ran)} ran as tasks" if ran else f"your run made no task for {function}()"
    return failed(
        say(
            f"{function}() was called but never awaited: calling a coroutine function only makes "
            f"a coroutine object, and none of its code runs until it is awaited or scheduled "
            f"({tasks}). {fix}",
            ran,
            mistake="never-awaited",
        )
    )


def ran_in_turn(run: Run, what: str, fix: str) -> Verdict | None:
    """A failed verdict when no task ran ``what`` (e.g. "job()") because ``main()`` awaited
    each call itself, in turn (its own waits show the sleeps one after another); else None.
    ``fix`` ends the sentence."""
    main = run.main
    sleeps = [w for w in main.waits if w.wait.kind == "sleep"] if main else []
    if main is None or len(sleeps) < 2 or run.calls(what.removesuffix("()")):
        return None
    waited = ", then ".join(w.wait.words for w in sleeps)
    took = seconds(sleeps[-1].end - sleeps[0].start)
    return failed(
        say(
            f"No task ran {what}: main() awaited each call itself, one after another "
            f"({waited}: {took} in all). {fix}",
            [main],
            mistake="ran-in-turn",
        )
    )


def crashed(run: Run) -> Verdict | None:
    """A failed verdict for a program that stopped on an uncaught error, or None. Checks
    call it after looking for the errors they explain better themselves."""
    if run.error is None:
        return None
    return failed(
        say(
            f"Your program stopped at line {run.error.line} with {run.error.message}, before "
            "it could finish: fix that first (the Output pane shows where).",
            mistake="crashed",
        )
    )


# --- predict, then run ---------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """The right answer to one question, worked out from the run, and why: ``evidence`` is
    a sentence about the run (``toast ended first, at 0.10 s``) about ``tasks``."""

    answer: str | frozenset[str]
    evidence: str
    tasks: tuple[Task, ...] = field(default=())


Question = Callable[[Run], Key]


def mark(run: Run, questions: Mapping[str, Question]) -> Verdict:
    """Marks ``run.answers`` against what ``run`` did. ``questions`` maps each question's
    id (as in exercise.md) to the function that works out its answer from the run. The
    score is the share answered right; a message per question, those answered wrong first,
    each saying what the run did."""
    if not run.answers:
        return failed(
            say(
                "Answer the questions first, then run the program: your answers are marked "
                "against what it does.",
                mistake="no-answers",
            )
        )
    right: list[Message] = []
    wrong: list[Message] = []
    for question, work_out in questions.items():
        key = work_out(run)
        given = run.answers.get(question)
        if given is None or given == []:
            wrong.append(
                say(
                    f"Not answered. In your run, {key.evidence}.", key.tasks, question, "unanswered"
                )
            )
        elif _same(given, key.answer):
            right.append(say(f"Right: {key.evidence}.", key.tasks, question, "right"))
        else:
            shown = listing(
                f'"{choice}"' for choice in ([given] if isinstance(given, str) else given)
            )
            wrong.append(
                say(
                    f"You answered {shown}; in your run, {key.evidence}.",
                    key.tasks,
                    question,
                    "wrong-answer",
                )
            )
    score = len(right) / len(questions) if questions else 0.0
    if wrong:
        return failed(*wrong, *right, score=score)
    return passed(*right)


def _same(given: str | list[str], answer: str | frozenset[str]) -> bool:
    if isinstance(answer, str):
        return isinstance(given, str) and given.strip() == answer
    chosen = [given] if isinstance(given, str) else given
    return frozenset(c.strip() for c in chosen) == answer


# --- the entry point -----------------------------------------------------------------------


def grade(
    check_source: str, run_data: Mapping[str, Any], filename: str = "check.py"
) -> dict[str, Any]:
    """The verdict, as plain data, of the check in ``check_source`` (an exercise's
    ``check.py``) on one run: ``run_data`` is ``{events, stdout, stderr, elapsed, error,
    status, answers}`` as the page has them (see :meth:`Run.from_data`).

    Never raises: a check that fails, or a record that cannot be read, gives a verdict with
    status "error" saying so in words a learner can act on.
    """
    try:
        run = Run.from_data(run_data)
    except Exception as error:
        return _could_not_check(
            "this run's record could not be read, so your code was not marked: run it again",
            error,
        )
    if run.problems:
        return _could_not_check(
            "the recording of your run broke off, so your code was not marked: run it again",
            RuntimeError("; ".join(run.problems)),
        )
    if run.status == "stopped":
        return failed(
            say(
                "You stopped the program before it ended: run it to the end to have it checked.",
                mistake="stopped",
            )
        ).as_data()
    try:
        # A module of its own each time: nothing of one check's (or the program's) lingers.
        namespace: dict[str, Any] = {"__name__": "exercise_check", "__file__": filename}
        exec(compile(check_source, filename, "exec"), namespace)
        verdict = namespace["check"](run)
        if not isinstance(verdict, Verdict):
            raise TypeError(f"check() returned {type(verdict).__name__}, not a Verdict")
        if verdict.timed:
            verdict = delayed(run) or verdict
    except (Exception, SystemExit) as error:  # sys.exit() in a check must not end the worker
        return _could_not_check(
            "this exercise's check could not run, so your code was not marked: the fault is "
            "in the exercise, not in your code",
            error,
            filename,
        )
    return verdict.as_data()


def grade_json(check_source: str, run_json: str, filename: str = "check.py") -> str:
    """:func:`grade` across the worker's boundary: the run's data in as a JSON text, the
    verdict out as one (one string crosses it far more cheaply than nested objects)."""
    try:
        data = json.loads(run_json)
        if not isinstance(data, dict):
            raise TypeError("the run's data is not a JSON object")
    except (ValueError, TypeError) as error:
        verdict = _could_not_check(
            "this run's record could not be read, so your code was not marked: run it again",
            error,
        )
    else:
        verdict = grade(check_source, data, filename)
    return json.dumps(verdict)


def _could_not_check(why: str, error: BaseException, filename: str = "") -> dict[str, Any]:
    """An "error" verdict: ``why`` for the learner; for the author, ``check_error`` holds the
    exception's last line and where in the check it happened."""
    where = ""
    if filename:
        lines = [
            f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == filename
        ]
        if isinstance(error, SyntaxError) and error.filename == filename:
            lines.append(error.lineno)
        where = f" ({filename}, line {lines[-1]})" if lines else f" ({filename})"
    detail = traceback.format_exception_only(type(error), error)[-1].strip()
    message = Message(why[0].upper() + why[1:] + ".")
    return Verdict("error", 0.0, (message,), f"{detail}{where}").as_data()
