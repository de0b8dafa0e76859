"""Every exercise of py/exercises/, checked as the page checks it: each program run as the page
runs it (tests/page_runs.py: traced, in a fresh interpreter, several at once), then its
check.py given the run's data as JSON (playground.checks.grade_json).

Found from the folders, as futurecoder's tests/test_steps.py submits every step's solution
and every message step: the solution passes, the starter fails, and each mistake fails with
the mistake it names (by id: a message's ``mistake``, never its words). Beside them, answers
a learner may write: right ones written differently (ALSO_RIGHT) and wrong ones in disguise
(ALSO_WRONG), and runs the computer paused once for 0.3 s at moments across the scenario
(PAUSED), which must be judged as unpaused or as delayed, never the other way. The seconds the
lesson names are kept (create-task's jobs of 1, 2 and 3 s, gather's calls of up to 2 s): the
programs run side by side, so the whole file takes about as long as its longest program
(about 15 s), not the sum (about 150 s).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from page_runs import page_runs
from playground.checks import grade_json

import build

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = sorted(path.parent for path in (ROOT / "py/exercises").glob("*/exercise.md"))
SLUGS = [folder.name for folder in FOLDERS]
# Their programs take seconds, the others' a fraction of one: started first, they set the pace.
SLOW = ("create-task", "gather")

# What the create-task and gather solutions print: the output a program can fake.
FAKED = {
    "create-task": (
        "download: started\nresize: started\nupload: started\n"
        "download: finished\nresize: finished\nupload: finished\n"
        "download done resize done upload done\n",
        3,
    ),
    "gather": (
        "weather: 200 OK\nnews: 200 OK\nstocks: 200 OK\nsports: 200 OK\ntraffic: 200 OK\n",
        2,
    ),
}


@cache
def exercise(slug: str) -> dict[str, Any]:
    return build.read_exercise(ROOT / "py/exercises" / slug)


def mistakes(slug: str) -> list[Path]:
    return sorted((ROOT / "py/exercises" / slug / "mistakes").glob("*.*"))


def expected_mistake(mistake: Path) -> tuple[str, str | None]:
    """The id of the mistake a program or answers make, and the question it is about: a .py's
    docstring line "Mistake: ...", a .json's "mistake" and "question". The verdict's first
    message must carry them."""
    if mistake.suffix == ".json":
        data = json.loads(mistake.read_text(encoding="utf-8"))
        return data["mistake"], data["question"]
    docstring = ast.get_docstring(ast.parse(mistake.read_text(encoding="utf-8"))) or ""
    lines = [line for line in docstring.splitlines() if line.startswith("Mistake: ")]
    assert len(lines) == 1, f"{mistake} names no mistake (a docstring line 'Mistake: ...')"
    return lines[0].removeprefix("Mistake: "), None


def cheats() -> dict[tuple[str, str], str]:
    """Programs that print a solution's output, and take its time, without its tasks: one
    without asyncio, one that sleeps in a single task."""
    out = {}
    for slug, (printed, secs) in FAKED.items():
        out[(slug, "cheat-print")] = (
            f"import time\ntime.sleep({secs})\nprint({printed!r}, end='')\n"
        )
        out[(slug, "cheat-sleep")] = (
            "import asyncio\n"
            f"async def main():\n    await asyncio.sleep({secs})\n    print({printed!r}, end='')\n"
            "asyncio.run(main())\n"
        )
    return out


def edited_predict_program() -> str:
    """predict-lifecycle with toast and coffee swapped: toast now takes 0.3 s, coffee 0.1 s."""
    source = exercise("predict-lifecycle")["starter"]
    swapped = source.replace('"coffee", 0.3', '"coffee", 0.1').replace(
        '"toast", 0.1', '"toast", 0.3'
    )
    assert swapped.count("0.1") == source.count("0.1")
    return swapped


# Other right answers a learner may write, each of which must pass: each replaces the
# solution's main() (up to the asyncio.run line), and may first change the solution's text
# (pairs of old and new). Each way of waiting on tasks, helpers, wrappers, other names and
# other prints.
Answer = tuple[str, tuple[tuple[str, str], ...]]

ALSO_RIGHT: dict[tuple[str, str], Answer] = {
    ("create-task", "taskgroup"): (
        """async def main() -> None:
    async with asyncio.TaskGroup() as tg:
        download = tg.create_task(job("download", 1))
        resize = tg.create_task(job("resize", 2))
        upload = tg.create_task(job("upload", 3))
    print(download.result(), resize.result(), upload.result())
""",
        (),
    ),
    ("create-task", "gathered-tasks"): (
        """async def main() -> None:
    jobs = [("download", 1), ("resize", 2), ("upload", 3)]
    tasks = [asyncio.create_task(job(name, seconds)) for name, seconds in jobs]
    print(*await asyncio.gather(*tasks))
""",
        (),
    ),
    ("create-task", "wait"): (
        """async def main() -> None:
    specs = [("download", 1), ("resize", 2), ("upload", 3)]
    tasks = [asyncio.create_task(job(n, s)) for n, s in specs]
    await asyncio.wait(tasks)
    for task in tasks:
        print("result:", task.result())
""",
        (),
    ),
    ("create-task", "as-completed"): (
        """async def main() -> None:
    specs = [("upload", 3), ("download", 1), ("resize", 2)]
    tasks = [asyncio.create_task(job(n, s)) for n, s in specs]
    for next_done in asyncio.as_completed(tasks):
        print(await next_done)
""",
        (),
    ),
    ("create-task", "helper-and-dict"): (
        """async def start_all(specs):
    return {name: asyncio.create_task(job(name, secs)) for name, secs in specs}


async def main() -> None:
    running = await start_all([("download", 1), ("resize", 2), ("upload", 3)])
    outcomes = [await task for task in running.values()]  # all three already running
    for name, outcome in zip(running, outcomes):
        print(f"{name} -> {outcome}")
""",
        (),
    ),
    ("gather", "gathered-tasks"): (
        """async def main() -> None:
    tasks = [asyncio.create_task(call_api(name, seconds)) for name, seconds in API_CALLS]
    for result in await asyncio.gather(*tasks):
        print(result)
""",
        (),
    ),
    ("gather", "wrapper-and-join"): (
        """async def ask(call):
    name, seconds = call
    return await call_api(name, seconds)


async def main() -> None:
    answers = await asyncio.gather(*map(ask, API_CALLS))
    print("\\n".join(answers))
""",
        (),
    ),
    ("gather-return-exceptions", "gathered-tasks"): (
        """async def main() -> None:
    tasks = [asyncio.create_task(fetch_service(name, seconds)) for name, seconds in SERVICES]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for task, result in zip(tasks, results):
        print(f"{task.get_name()}: {result!r}")
    print("failed:", [name for (name, _), r in zip(SERVICES, results) if isinstance(r, Exception)])
""",
        (),
    ),
    ("gather-return-exceptions", "dict-and-wait"): (
        """async def main() -> None:
    print("Checking", len(SERVICES), "services...")
    tasks = {name: asyncio.create_task(fetch_service(name, s)) for name, s in SERVICES}
    await asyncio.wait(tasks.values())
    for name, task in tasks.items():
        problem = task.exception()
        print(f"[DOWN] {name}: {problem}" if problem else f"[ok] {task.result()}")
""",
        (),
    ),
    ("taskgroup", "other-names"): (
        """async def main() -> None:
    try:
        async with asyncio.TaskGroup() as trip:
            for what, secs in BOOKINGS:
                trip.create_task(book(what, secs))
    except* ValueError as problems:
        print("Trip cancelled:", *problems.exceptions)
""",
        (),
    ),
    ("choose-gather-or-taskgroup", "wait-dashboard"): (
        """async def main() -> None:
    widgets = {name: asyncio.create_task(load_widget(name, s)) for name, s in WIDGETS}
    await asyncio.wait(widgets.values())
    for name, task in widgets.items():
        print(f"{name}: failed ({task.exception()})" if task.exception() else task.result())
    await transfer()
""",
        (),
    ),
}

# Wrong answers in disguise, and the mistake each must be told.
ALSO_WRONG: dict[tuple[str, str], tuple[str, Answer]] = {
    ("create-task", "sequential-comprehension"): (
        "awaited-at-once",
        (
            """async def main() -> None:
    specs = [("download", 1), ("resize", 2), ("upload", 3)]
    print(*[await asyncio.create_task(job(n, s)) for n, s in specs])
""",
            (),
        ),
    ),
    ("create-task", "sleep-then-literals"): (
        "not-awaited",
        (
            """async def main() -> None:
    for n, s in [("download", 1), ("resize", 2), ("upload", 3)]:
        asyncio.create_task(job(n, s))
    await asyncio.sleep(3.1)
    print("download done resize done upload done")
""",
            (),
        ),
    ),
    ("create-task", "no-length"): (
        "jobs-too-short",
        (
            """async def main() -> None:
    tasks = [asyncio.create_task(job(n, 0)) for n in ("download", "resize", "upload")]
    for task in tasks:
        print(await task)
""",
            (),
        ),
    ),
    ("gather", "awaited-in-comprehension"): (
        "ran-in-turn",
        (
            """async def main() -> None:
    for result in [await call_api(name, seconds) for name, seconds in API_CALLS]:
        print(result)
""",
            (),
        ),
    ),
    ("gather", "printed-before-gather"): (
        "results-missing",
        (
            """async def main() -> None:
    for name, _ in API_CALLS:
        print(f"{name}: 200 OK")
    await asyncio.gather(*(call_api(name, seconds) for name, seconds in API_CALLS))
""",
            (),
        ),
    ),
    ("gather-return-exceptions", "header-then-dropped"): (
        "failure-unnamed",
        (
            """async def main() -> None:
    print("Checking auth, billing, search, email and profile: failed ones are skipped")
    calls = (fetch_service(n, s) for n, s in SERVICES)
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if not isinstance(result, Exception):
            print(result)
""",
            (),
        ),
    ),
    ("gather-return-exceptions", "all-claimed-up"): (
        "failure-unnamed",
        (
            """async def main() -> None:
    await asyncio.gather(*(fetch_service(n, s) for n, s in SERVICES), return_exceptions=True)
    for name, _ in SERVICES:
        print(f"{name}: up")
""",
            (),
        ),
    ),
    ("gather-return-exceptions", "nothing-failing"): (
        "nothing-failed",
        (
            """async def main() -> None:
    for result in await asyncio.gather(*(fetch_service(n, s) for n, s in SERVICES)):
        print(result)
""",
            (('DOWN = {"billing", "email"}', "DOWN = set()"),),
        ),
    ),
    ("taskgroup", "gather-instead"): (
        "no-taskgroup",
        (
            """async def main() -> None:
    try:
        await asyncio.gather(*(book(item, seconds) for item, seconds in BOOKINGS))
    except ValueError as error:
        print(f"trip not booked: {error}")
""",
            (),
        ),
    ),
    ("taskgroup", "claims-closed"): (
        "unclosed",
        (
            """async def main() -> None:
    try:
        async with asyncio.TaskGroup() as tg:
            for item, seconds in BOOKINGS:
                tg.create_task(book(item, seconds))
    except* ValueError as failure:
        for item, _ in BOOKINGS:
            print(f"{item}: connection closed")
        print(f"trip not booked: {failure.exceptions[0]}")
""",
            # book() closes nothing itself: main() prints the lines close() would.
            (("        close(item)  # done, failed or cancelled", "        pass"),),
        ),
    ),
    ("choose-gather-or-taskgroup", "claims-stocks-loaded"): (
        "dashboard-unshown",
        (
            """async def main() -> None:
    await asyncio.gather(*(load_widget(n, s) for n, s in WIDGETS), return_exceptions=True)
    for name, _ in WIDGETS:
        print(f"{name} widget")
    await transfer()
""",
            (),
        ),
    ),
}

# Runs the computer paused once, for PAUSE_S, at moments across each scenario: (slug,
# program) -> the moments, in seconds after the program starts.
PAUSE_S = 0.3
PAUSED = {
    ("taskgroup", "solution"): (0.05, 0.15, 0.35, 0.55, 0.75),
    ("taskgroup", "gather-instead"): (0.05, 0.15, 0.35, 0.55),
    ("choose-gather-or-taskgroup", "solution"): (0.05, 0.15, 0.55, 0.95, 1.15, 1.35),
    ("choose-gather-or-taskgroup", "gather_for_both"): (0.15, 0.95, 1.15),
    ("gather-return-exceptions", "solution"): (0.05, 0.15, 0.35, 0.55, 0.75),
    ("gather-return-exceptions", "without_return_exceptions"): (0.05, 0.15, 0.35),
    ("create-task", "solution"): (0.5, 1.5, 2.5),
    ("gather", "solution"): (0.5, 1.0, 1.7),
}


def variant(slug: str, answer: Answer) -> str:
    main, changes = answer
    solution = exercise(slug)["solution"]
    for old, new in changes:
        assert old in solution, (slug, old)
        solution = solution.replace(old, new)
    start, end = solution.index("async def main"), solution.index("asyncio.run(")
    return solution[:start] + main + "\n\n" + solution[end:]


def programs() -> dict[tuple[str, str], str]:
    """Every program these tests run, by (slug, name), the longest first: the slow
    exercises' starters and mistakes (about 6 s each), then their solutions and the cheats
    (2 to 3 s), then the rest (under 1 s)."""
    out: dict[tuple[str, str], str] = {}
    for slug in SLUGS:
        folder = ROOT / "py/exercises" / slug
        out[(slug, "starter")] = (folder / "starter.py").read_text(encoding="utf-8")
        if exercise(slug)["solution"] is not None:
            out[(slug, "solution")] = exercise(slug)["solution"]
        for mistake in mistakes(slug):
            if mistake.suffix == ".py":
                out[(slug, mistake.stem)] = mistake.read_text(encoding="utf-8")
    out |= cheats()
    out |= {key: variant(key[0], answer) for key, answer in ALSO_RIGHT.items()}
    out |= {key: variant(key[0], answer) for key, (_, answer) in ALSO_WRONG.items()}
    out[("predict-lifecycle", "edited")] = edited_predict_program()
    out |= {paused(key, at): out[key] for key, moments in PAUSED.items() for at in moments}

    def pace(key: tuple[str, str]) -> tuple[bool, bool]:
        slug, name = key
        shorter = key in ALSO_RIGHT or name.startswith("solution") or "cheat" in name
        return slug not in SLOW, shorter

    return dict(sorted(out.items(), key=lambda item: pace(item[0])))


def paused(key: tuple[str, str], at: float) -> tuple[str, str]:
    """The key of `key`'s program run paused at `at` seconds."""
    return (key[0], f"{key[1]}, paused at {at} s")


def pauses() -> dict[tuple[str, str], tuple[float, float]]:
    return {paused(key, at): (at, PAUSE_S) for key, moments in PAUSED.items() for at in moments}


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest) -> dict[tuple[str, str], dict[str, Any]]:
    """The runs the selected tests need, all made at once: each test names the (slug,
    program) pairs it reads in its `runs_needed` parameter."""
    wanted = {
        key
        for item in request.session.items
        if item.module is request.module and hasattr(item, "callspec")
        for key in item.callspec.params.get("runs_needed", ())
    }
    sources = {key: source for key, source in programs().items() if key in wanted}
    return page_runs(sources, pauses())


def verdict(slug: str, data: dict[str, Any], answers: Any = None) -> dict[str, Any]:
    """The check's verdict, across the same JSON boundary as in the worker."""
    run = dict(data, answers=answers) if answers is not None else data
    result: dict[str, Any] = json.loads(grade_json(exercise(slug)["check"], json.dumps(run)))
    assert result["status"] != "error", result
    return result


def first_text(result: dict[str, Any]) -> str:
    return str(result["messages"][0]["text"])


def task_names(data: dict[str, Any]) -> set[str]:
    return {item for item in data["events"] if isinstance(item, str) and item.startswith("Task-")}


def right_answers(slug: str) -> Any:
    return exercise(slug)["answers"]


# --- the folders --------------------------------------------------------------------------


def test_six_exercises_serve_all_five_objectives() -> None:
    objectives = json.loads((ROOT / "py/exercises/objectives.json").read_text(encoding="utf-8"))
    served = {exercise(slug)["objective"] for slug in SLUGS}
    assert len(SLUGS) >= 6
    assert served == {objective["id"] for objective in objectives}


@pytest.mark.parametrize("slug", SLUGS)
def test_each_exercise_names_its_mistakes(slug: str) -> None:
    found = mistakes(slug)
    assert len(found) >= 2, "each exercise has at least two likely wrong answers"
    for mistake in found:
        assert expected_mistake(mistake)[0]


# --- solutions, starters and mistakes -----------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "runs_needed"),
    [(slug, ((slug, "solution" if exercise(slug)["solution"] else "starter"),)) for slug in SLUGS],
    ids=SLUGS,
)
def test_the_solution_passes(slug: str, runs_needed: Any, runs: Any) -> None:
    data = runs[runs_needed[0]]
    result = verdict(slug, data, right_answers(slug))
    if delayed_by_the_machine(result, data):
        return
    assert result["status"] == "pass" and result["passed"] and result["score"] == 1, result
    for message in result["messages"]:
        assert message["tasks"] and set(message["tasks"]) <= task_names(data), message
        assert message["mistake"] in {"passed", "right", "dashboard-passed", "transfer-passed"}


@pytest.mark.parametrize(
    ("key", "runs_needed"),
    [(key, (key,)) for key in ALSO_RIGHT],
    ids=["/".join(k) for k in ALSO_RIGHT],
)
def test_other_right_answers_pass_too(key: tuple[str, str], runs_needed: Any, runs: Any) -> None:
    result = verdict(key[0], runs[key])
    if delayed_by_the_machine(result, runs[key]):
        return
    assert result["status"] == "pass", result


def delayed_by_the_machine(result: dict[str, Any], data: dict[str, Any]) -> bool:
    """Whether the verdict is "delayed", for a run the machine did delay: the programs run
    side by side on a shared machine, and a sleep woken 50 ms late is then not the answer's
    fault (the paused runs below check that verdict on purpose)."""
    from playground.run_view import Run

    if result["status"] != "delayed":
        return False
    run = Run.from_data(data)
    assert run.late_wakes() or run.blocked, "delayed, but the run shows no delay"
    return True


@pytest.mark.parametrize(
    ("key", "runs_needed"),
    [(key, (key,)) for key in ALSO_WRONG],
    ids=["/".join(k) for k in ALSO_WRONG],
)
def test_wrong_answers_in_disguise_fail_with_their_mistake(
    key: tuple[str, str], runs_needed: Any, runs: Any
) -> None:
    data = runs[key]
    result = verdict(key[0], data)
    assert result["status"] == "fail", result
    assert result["messages"][0]["mistake"] == ALSO_WRONG[key][0], result["messages"]
    assert_a_sentence(result["messages"][0], data)


def assert_a_sentence(message: dict[str, Any], data: dict[str, Any]) -> None:
    """Feedback is a whole sentence about the run: no blank where words go, no traceback of
    the check, only tasks the run had."""
    text = message["text"]
    assert "  " not in text and " ," not in text and " ." not in text and " :" not in text, text
    assert "Traceback" not in text and "File " not in text
    assert set(message["tasks"]) <= task_names(data)


def expected_id(key: tuple[str, str]) -> str:
    """The id of the mistake a wrong program of ALSO_WRONG or of a mistakes/ folder makes."""
    if key in ALSO_WRONG:
        return ALSO_WRONG[key][0]
    return expected_mistake(next(m for m in mistakes(key[0]) if m.stem == key[1]))[0]


def paused_cases() -> list[Any]:
    return [
        pytest.param(key, at, (paused(key, at),), id=f"{'/'.join(key)}@{at}")
        for key, moments in PAUSED.items()
        for at in moments
    ]


@pytest.mark.parametrize(("key", "at", "runs_needed"), paused_cases())
def test_a_pause_of_the_computer_never_changes_the_verdict_only_delays_it(
    key: tuple[str, str], at: float, runs_needed: Any, runs: Any
) -> None:
    """Paused once for 0.3 s at a moment of the scenario, a solution passes or is told that the
    run was delayed; a wrong answer fails with its own mistake or is told the same. A delayed
    verdict counts for nothing: not passed, no score."""
    slug, program = key
    data = runs[runs_needed[0]]
    result = verdict(slug, data)
    first = result["messages"][0]
    if result["status"] == "delayed":
        assert (result["passed"], result["score"], first["mistake"]) == (False, 0, "delayed")
        assert first["text"].startswith("Your run was delayed by the computer")
    elif program == "solution":
        assert result["status"] == "pass", result
    else:
        assert result["status"] == "fail", result
        assert first["mistake"] == expected_id(key), result
    assert_a_sentence(first, data)


@pytest.mark.parametrize(
    "runs_needed", [tuple(paused(key, at) for key, moments in PAUSED.items() for at in moments)]
)
def test_the_pauses_delay_the_runs_and_some_verdicts_say_so(runs_needed: Any, runs: Any) -> None:
    from playground.run_view import Run

    late = [key for key in runs_needed if Run.from_data(runs[key]).late_wakes()]
    assert len(late) >= len(runs_needed) // 2, "a pause must show as sleeps woken late"
    said = [key for key in runs_needed if verdict(key[0], runs[key])["status"] == "delayed"]
    assert said, "no verdict needed a run again"


@pytest.mark.parametrize(
    ("slug", "runs_needed"), [(slug, ((slug, "starter"),)) for slug in SLUGS], ids=SLUGS
)
def test_the_starter_fails(slug: str, runs_needed: Any, runs: Any) -> None:
    result = verdict(slug, runs[runs_needed[0]])
    assert result["status"] == "fail" and not result["passed"] and result["score"] < 1
    assert "Traceback" not in first_text(result)


def mistake_cases() -> list[Any]:
    cases = []
    for slug in SLUGS:
        for mistake in mistakes(slug):
            program = "starter" if mistake.suffix == ".json" else mistake.stem
            cases.append(
                pytest.param(slug, mistake, ((slug, program),), id=f"{slug}/{mistake.name}")
            )
    return cases


# Mistakes whose run made no task of the function the exercise asks for: their feedback says
# so and has no task to mark.
NAME_NO_TASK = {
    ("create-task", "called_without_await.py"),
    ("gather", "gather_a_list.py"),
}


@pytest.mark.parametrize(("slug", "mistake", "runs_needed"), mistake_cases())
def test_each_mistake_gets_its_feedback(
    slug: str, mistake: Path, runs_needed: Any, runs: Any
) -> None:
    data = runs[runs_needed[0]]
    answers = None
    if mistake.suffix == ".json":
        answers = json.loads(mistake.read_text(encoding="utf-8"))["answers"]
    result = verdict(slug, data, answers)
    assert result["status"] == "fail", result
    first = result["messages"][0]
    assert (first["mistake"], first["question"]) == expected_mistake(mistake), result["messages"]
    assert_a_sentence(first, data)
    # The tasks the feedback is about, for the timeline to mark: some of the run's own, unless
    # the mistake is that the run made no task of the kind asked for.
    named = first["tasks"]
    if (slug, mistake.name) in NAME_NO_TASK:
        assert named == [], first
    else:
        assert named and set(named) <= task_names(data), first


@pytest.mark.parametrize(
    ("slug", "runs_needed"),
    [(slug, ((slug, "cheat-print"), (slug, "cheat-sleep"), (slug, "solution"))) for slug in FAKED],
    ids=list(FAKED),
)
def test_printing_the_expected_output_is_not_enough(slug: str, runs_needed: Any, runs: Any) -> None:
    printed = FAKED[slug][0]
    solution = runs[(slug, "solution")]
    assert solution["stdout"] == printed
    for cheat in ("cheat-print", "cheat-sleep"):
        data = runs[(slug, cheat)]
        # Same output, about the same time: only the trace tells them apart.
        assert data["stdout"] == printed
        assert data["elapsed"] >= FAKED[slug][1]
        result = verdict(slug, data)
        assert result["status"] == "fail", (cheat, result)
        assert result["messages"][0]["mistake"] == "no-tasks", (cheat, result)


# --- predict, then run ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "runs_needed"),
    [(slug, ((slug, "starter"),)) for slug in SLUGS if exercise(slug)["questions"]],
)
def test_every_question_is_marked_and_every_answer_is_a_choice(
    slug: str, runs_needed: Any, runs: Any
) -> None:
    questions = {q["id"]: q for q in exercise(slug)["questions"]}
    answers = right_answers(slug)
    assert set(answers) == set(questions)
    for question, answer in answers.items():
        chosen = answer if questions[question]["multiple"] else [answer]
        assert set(chosen) <= set(questions[question]["choices"]), question
    result = verdict(slug, runs[runs_needed[0]], answers)
    assert {m["question"] for m in result["messages"]} == set(questions)


@pytest.mark.parametrize(
    "runs_needed", [(("predict-lifecycle", "starter"), ("predict-lifecycle", "edited"))]
)
def test_predictions_are_marked_against_the_run_not_a_fixed_key(
    runs_needed: Any, runs: Any
) -> None:
    slug = "predict-lifecycle"
    edited = runs[(slug, "edited")]
    before = right_answers(slug)
    result = verdict(slug, edited, before)
    # With toast slower than coffee, the old answers are wrong where the run changed.
    wrong = {m["question"] for m in result["messages"] if not m["text"].startswith("Right")}
    assert wrong == {"first-done", "cancelled", "coffee-state"}
    after = {
        "first-done": "coffee",
        "cancelled": ["toast"],
        "cancelled-by": "eggs failing",
        "coffee-state": "done",
    }
    assert verdict(slug, edited, after)["status"] == "pass"
    half = {**before, "first-done": "coffee", "cancelled": ["toast"]}
    assert verdict(slug, edited, half)["score"] == 0.75


@pytest.mark.parametrize("runs_needed", [(("predict-lifecycle", "starter"),)])
def test_no_answers_is_asked_for_before_anything_is_marked(runs_needed: Any, runs: Any) -> None:
    data = runs[runs_needed[0]]
    for answers in (None, {}):
        result = verdict("predict-lifecycle", data, answers)
        assert result["status"] == "fail" and result["score"] == 0
        assert result["messages"][0]["mistake"] == "no-answers"


# --- where the check runs ------------------------------------------------------------------

PATCHING = """
import playground.checks as checks, playground.run_view as run_view
# Whatever the program does to the modules its own interpreter loaded...
run_view.Run.calls = lambda self, *args: []
checks.failed = checks.passed
print({printed!r}, end="")
"""


def test_a_program_that_patches_the_checks_cannot_change_its_verdict() -> None:
    # The program runs in its interpreter; the check in another, which never ran it and is
    # given the run's data as JSON, as the browser's worker does.
    patching = PATCHING.format(printed=FAKED["gather"][0])
    data = page_runs({"patching": patching})["patching"]
    grading = (
        "import sys\nfrom playground.checks import grade_json\n"
        "print(grade_json(sys.argv[1], sys.stdin.read()))"
    )

    def fresh_verdict(script: str) -> Any:
        done = subprocess.run(
            [sys.executable, "-c", script, exercise("gather")["check"]],
            input=json.dumps(data),
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT / "py")},
            check=True,
        )
        return json.loads(done.stdout.splitlines()[-1])

    assert fresh_verdict(grading)["status"] == "fail"
    # Had the check run where the program ran, the patch would have passed it.
    assert fresh_verdict(patching + grading)["status"] == "pass"


# --- what the page is given ------------------------------------------------------------------

FIELDS = {
    "slug", "title", "objective", "instructions", "hints", "questions",
    "starter", "solution", "answers", "check",
}  # fmt: skip


def test_exercises_json_lists_every_exercise_for_the_page() -> None:
    data = json.loads(build.exercises_json())
    assert [o["id"] for o in data["objectives"]] == [
        "create-task", "gather", "taskgroup", "choose", "lifecycle",
    ]  # fmt: skip
    listed = {e["slug"]: e for e in data["exercises"]}
    assert set(listed) == set(SLUGS)
    for slug, entry in listed.items():
        assert set(entry) == FIELDS
        folder = ROOT / "py/exercises" / slug
        assert entry["check"] == (folder / "check.py").read_text(encoding="utf-8")
        assert entry["starter"] == (folder / "starter.py").read_text(encoding="utf-8")
        assert entry["instructions"].startswith("<p>") and entry["hints"]
        assert all(hint.startswith(("<p>", "<pre>")) for hint in entry["hints"])
    create_task = listed["create-task"]
    assert "<code>asyncio.create_task()</code>" in create_task["instructions"]
    assert '<pre><code class="language-python">' in create_task["hints"][-1]
    predict = listed["predict-lifecycle"]
    assert predict["solution"] is None and predict["answers"] == right_answers(predict["slug"])
    cancelled = next(q for q in predict["questions"] if q["id"] == "cancelled")
    assert cancelled["multiple"] and cancelled["choices"][-1] == "none of them"
    assert cancelled["text"] == "<p>Which tasks are cancelled? Choose all that apply.</p>\n"


HOSTILE = """---
title: Hostile
objective: gather
---

<script>alert(1)</script> <img src=x onerror=alert(2)> [a link](javascript:alert(3))

## Hint

<b onclick="alert(4)">bold</b>

```python
## Hint inside a code block is code, not a section
```

## Question q-1

Pick <i>one</i>:

- <em>a</em>
- b
"""


def test_no_raw_html_from_an_exercise_reaches_the_page(tmp_path, monkeypatch) -> None:
    (tmp_path / "objectives.json").write_bytes((ROOT / "py/exercises/objectives.json").read_bytes())
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "exercise.md").write_text(HOSTILE, encoding="utf-8")
    for name in ("starter.py", "check.py"):
        (folder / name).write_text("print(1)\n", encoding="utf-8")
    (folder / "answers.json").write_text('{"q-1": "b"}', encoding="utf-8")
    monkeypatch.setattr(build, "EXERCISES", tmp_path)
    (entry,) = json.loads(build.exercises_json())["exercises"]
    html = " ".join([entry["instructions"], *entry["hints"], entry["questions"][0]["text"]])
    for raw in ("<script", "<img", "<b ", "<i>", 'href="javascript'):
        assert raw not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in entry["instructions"]
    assert len(entry["hints"]) == 1 and "## Hint inside" in entry["hints"][0]
    # Choices are plain text, sent back as they are: the page shows them as text.
    assert entry["questions"][0]["choices"] == ["<em>a</em>", "b"]


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda md: md.replace("objective: gather\n", ""), "needs title and objective"),
        (lambda md: md.replace("## Hint\n", "## Hints\n"), "is not a section"),
        (lambda md: md.replace("- b\n", ""), "two or more choices"),
    ],
    ids=["no objective", "a misspelt section", "one choice"],
)
def test_a_malformed_exercise_stops_the_build_saying_why(tmp_path, change, complaint) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "exercise.md").write_text(change(HOSTILE), encoding="utf-8")
    with pytest.raises(SystemExit, match=complaint):
        build.read_exercise(folder)
