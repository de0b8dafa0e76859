"""The entry point the page's worker calls (playground.checks.grade_json) and the verdicts it
gives: plain data of one shape, whatever the check or the run's data does."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest
from playground.checks import BLOCKED_FLOOR_S, Key, grade, grade_json, loop_blocked, mark
from playground.run_view import Run
from playground.schema import make
from tracing import page_run

PASSING = textwrap.dedent(
    """
    from playground.checks import Verdict, passed, say
    from playground.run_view import Run

    def check(run: Run) -> Verdict:
        return passed(say(f"{len(run.tasks)} tasks", run.tasks))
    """
)

SHAPE = {"status", "passed", "score", "messages", "check_error"}


@pytest.fixture(scope="module")
def one_run() -> dict[str, Any]:
    return page_run(
        textwrap.dedent(
            """
            import asyncio
            async def main():
                await asyncio.gather(asyncio.sleep(0.01), asyncio.sleep(0.02))
            asyncio.run(main())
            """
        )
    )


def test_a_verdict_is_plain_data_naming_the_tasks_it_is_about(one_run) -> None:
    result = json.loads(grade_json(PASSING, json.dumps(one_run)))
    assert result == {
        "status": "pass",
        "passed": True,
        "score": 1.0,
        "messages": [
            {
                "text": "3 tasks",
                "tasks": ["Task-1", "Task-2", "Task-3"],
                "question": None,
                "mistake": None,
            }
        ],
        "check_error": None,
    }


BROKEN_CHECKS = {
    "raises": ("def check(run):\n    return 1 / 0\n", "ZeroDivisionError", "line 2"),
    "returns no verdict": ("def check(run):\n    return True\n", "TypeError", "check.py"),
    "has no check()": ("CHECK = 1\n", "KeyError", "check.py"),
    "does not compile": ("def check(run) ->:\n", "SyntaxError", "check.py"),
    "imports what is not there": ("import no_such_module\n", "ModuleNotFoundError", "line 1"),
    "exits": ("import sys\ndef check(run):\n    sys.exit(1)\n", "SystemExit", "line 3"),
}


@pytest.mark.parametrize(("source", "error", "where"), BROKEN_CHECKS.values(), ids=BROKEN_CHECKS)
def test_a_check_that_fails_says_it_could_not_run(one_run, source, error, where) -> None:
    result = grade(source, one_run)
    assert set(result) == SHAPE
    assert result["status"] == "error" and not result["passed"] and result["score"] == 0
    (message,) = result["messages"]
    assert message["text"].startswith("This exercise's check could not run")
    assert "your code was not marked" in message["text"]
    # The learner reads a sentence; the author finds the error and the line apart from it.
    assert "Traceback" not in message["text"] and error not in message["text"]
    assert result["check_error"].startswith(error) and where in result["check_error"]


def test_a_stopped_run_is_not_marked(one_run) -> None:
    result = grade(PASSING, {**one_run, "status": "stopped"})
    assert result["status"] == "fail"
    assert result["messages"][0]["text"].startswith("You stopped the program")


MAIN = make.created(
    t=0, task=1, name="Task-1", coro="main()", function="main", args=(), cut=False, parent=None,
    group=None,
)  # fmt: skip


@pytest.mark.parametrize(
    "events",
    [
        [*MAIN, *make.tracer_error(message="RuntimeError: boom")],
        [*MAIN][:-1],  # cut off inside an event
        ["no such event", 1, 2],
    ],
    ids=["tracer broke", "cut off", "garbled"],
)
def test_a_broken_record_is_not_marked(events) -> None:
    result = grade(PASSING, {"events": events})
    assert result["status"] == "error"
    assert "recording of your run broke off" in result["messages"][0]["text"]


@pytest.mark.parametrize("text", ["not json", "[1, 2]"])
def test_data_that_is_no_run_is_not_marked(text) -> None:
    result = json.loads(grade_json(PASSING, text))
    assert set(result) == SHAPE and result["status"] == "error"
    assert "could not be read" in result["messages"][0]["text"]


def test_answers_are_marked_one_by_one_with_a_share_for_the_score(one_run) -> None:
    def tasks(run: Run) -> Key:
        return Key(str(len(run.tasks)), f"{len(run.tasks)} tasks ran", tuple(run.tasks))

    def sleepers(run: Run) -> Key:
        return Key(frozenset(t.name for t in run.calls("sleep")), "two tasks slept")

    questions = {"how-many": tasks, "which": sleepers}

    def marked(answers: dict[str, Any]) -> Any:
        return mark(Run.from_data({**one_run, "answers": answers}), questions)

    right = marked({"how-many": "3", "which": ["Task-3", "Task-2"]})
    assert right.passed and right.score == 1
    assert [m.text for m in right.messages] == ["Right: 3 tasks ran.", "Right: two tasks slept."]
    assert right.messages[0].tasks == ("Task-1", "Task-2", "Task-3")
    half = marked({"how-many": "2", "which": ["Task-2", "Task-3"]})
    assert not half.passed and half.score == 0.5
    # Wrong answers first, each tied to its question.
    assert half.messages[0].question == "how-many"
    assert half.messages[0].text == 'You answered "2"; in your run, 3 tasks ran.'
    unanswered = marked({"which": ["Task-2"]})
    assert unanswered.score == 0
    assert [m.text for m in unanswered.messages] == [
        "Not answered. In your run, 3 tasks ran.",
        'You answered "Task-2"; in your run, two tasks slept.',
    ]


def test_a_blocked_loop_counts_only_past_what_a_busy_machine_explains() -> None:
    def blocked_for(seconds: float, wall: float) -> Run:
        us = 1_000_000
        return Run(
            [
                MAIN,
                make.step(task=1, start=0, end=int(seconds * us), wait=None),
                make.blocked(task=1, start=0, end=int(seconds * us)),
                make.step(task=1, start=int(wall * us), end=int(wall * us), wait=None),
                make.done(
                    t=int(wall * us), task=1, state="done", detail="None", result_printed="None"
                ),
            ]
        )

    # A 0.15 s hiccup in a 3 s run: a busy machine can do that to a correct program.
    assert loop_blocked(blocked_for(0.15, 3.0)) is None
    found = loop_blocked(blocked_for(1.0, 3.0))
    assert found is not None and found.messages[0].tasks == ("Task-1",)
    assert found.messages[0].text.startswith("The loop was blocked: main() held it for 1.0 s")
    assert loop_blocked(blocked_for(BLOCKED_FLOOR_S, BLOCKED_FLOOR_S * 1.2)) is not None
