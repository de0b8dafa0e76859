"""The view of a run that exercise checks read (playground.run_view): what it says about the
tasks agrees with what asyncio did, and its facts are the page's own, to the last bit."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from expected import EXAMPLES
from nodejs import run_module
from page_runs import page_runs
from playground.run_view import Group, Run, Task, labels, listing, seconds
from playground.schema import make
from tracing import trace

ROOT = Path(__file__).resolve().parents[1]

FOLD = """
import { readFileSync } from "node:fs";
import {
  addEvents, createTrace, endWords, facts, groupWords, waitWords,
} from "./web/record/trace-model.js";
const runs = JSON.parse(readFileSync(0, "utf8"));
console.log(JSON.stringify(runs.map((events) => {
  const trace = addEvents(createTrace(), events);
  return {
    facts: facts(trace),
    fold: {
      tasks: trace.tasks.map((t) => ({
        name: t.name, coro: t.coro, function: t.function, args: t.cut ? null : t.args,
        parent: t.parent, group: t.group, created: t.created,
        steps: t.steps.map((s) => [s.start, s.end, s.wait ? waitWords(s.wait, trace) : null]),
        state: t.end?.state ?? "unfinished", ended: t.end?.t ?? null, end: endWords(trace, t),
        result_printed: t.end?.resultPrinted ?? null,
        prints: t.prints.map((p) => [p.t, p.stream, p.text]),
      })),
      groups: [...trace.groups.values()].map((g) => [g.id, g.type, g.owner, g.size, groupWords(g)]),
      blocked: trace.blocked.map((b) => [b.task, b.start, b.end]),
      outside: trace.prints.filter((p) => p.task == null).map((p) => [p.t, p.stream, p.text]),
      end: trace.end,
    },
  };
})));
"""


def within(measured: float, slept: float) -> bool:
    """Whether `measured` is what sleeping `slept` seconds takes. A sleep never ends early;
    it ends up to a few ms late, and tens of ms when these runs share a busy 2-core machine
    (5.10 s for five 1 s sleeps was seen), so 10% late is allowed, and no more."""
    return slept - 0.001 <= measured <= slept * 1.1


def page_folds(streams: list[list[Any]]) -> list[dict[str, Any]]:
    """web/record/trace-model.js's fold of each flat event stream, and its facts(), computed
    under Node."""
    result: list[dict[str, Any]] = run_module(FOLD, stdin=json.dumps(streams))
    return result


def fold(run: Run) -> dict[str, Any]:
    """What the checks' fold made of the events, in the shape FOLD gives the page's."""

    def number(item: Task | Group | None) -> int | None:
        return item.number if item is not None else None

    def lines(task: Task | None) -> list[list[Any]]:
        return [[p.t, p.stream, p.text] for p in run.printed_lines if p.task is task]

    return {
        "tasks": [
            {
                "name": t.name,
                "coro": t.coro,
                "function": t.function,
                "args": list(t.args) if t.args is not None else None,
                "parent": number(t.parent),
                "group": number(t.group),
                "created": t.created,
                "steps": [[s.start, s.end, s.wait.words if s.wait else None] for s in t.steps],
                "state": t.state,
                "ended": t.ended,
                "end": t.end_words,
                "result_printed": t.result_printed,
                "prints": lines(t),
            }
            for t in run.tasks
        ],
        "groups": [[g.number, g.type, number(g.owner), g.size, g.words] for g in run.groups],
        "blocked": [[b.task.number, b.start, b.end] for b in run.blocked],
        "outside": lines(None),
        "end": run.end,
    }


@pytest.fixture(scope="module")
def lesson_runs() -> dict[str, dict[str, Any]]:
    # Side by side: performance-comparison alone takes 6 s.
    sources = {
        slug: (ROOT / "py/examples" / f"{slug}.py").read_text(encoding="utf-8")
        for slug in sorted(EXAMPLES, key=lambda s: -EXAMPLES[s].seconds)
    }
    return page_runs(sources)


BLOCKED_AND_CUT = textwrap.dedent(
    """
    import asyncio, time
    async def sleeper():
        time.sleep(0.15)
    async def main():
        await asyncio.gather(sleeper(), asyncio.sleep(0.05))
    asyncio.run(main())
    """
)


# Arguments and results of every shape the data takes, cut or whole; printed lines from
# outside every task; a cancellation asked twice, by a task and by a timeout.
SHAPES = textwrap.dedent(
    """
    import asyncio
    class Order: pass
    async def f(x, *more):
        await asyncio.sleep(0.01)
        return x
    async def forever():
        await asyncio.sleep(10)
    async def main():
        asyncio.get_running_loop().call_soon(print, "from a callback")
        await asyncio.gather(
            f(Order()), f("y" * 300), f((1, "a")), f(1, 2), f(float("nan")), f(2**60),
            f({"k": [1.5, True]}), f(None), f(f),
        )
        slow = asyncio.create_task(forever())
        await asyncio.sleep(0)
        slow.cancel()
        try:
            await asyncio.wait_for(forever(), 0.01)
        except TimeoutError:
            print("timed out")
    asyncio.run(main())
    """
)


def test_the_pages_fold_is_the_checks_on_every_lesson_example(lesson_runs) -> None:
    """web/record/trace-model.js and playground.run_view fold the same events apart (one in
    the page, one where checks run): task by task, step by step, they must agree, down to
    their facts."""
    streams = [run["events"] for run in lesson_runs.values()]
    # And a loop blocked, and a run cut off mid-way (tasks unfinished, as when Stop is pressed),
    # and values of every shape.
    events, _ = trace(BLOCKED_AND_CUT)
    flat = [item for event in events for item in event]
    cut = [item for event in events[: len(events) // 2] for item in event]
    shapes, _ = trace(SHAPES)
    streams += [flat, cut, [item for event in shapes for item in event]]
    runs = [Run(json.loads(json.dumps(stream))) for stream in streams]
    pages = page_folds(streams)
    for run, page in zip(runs, pages, strict=True):
        assert fold(run) == page["fold"]
        # The same operations on the same doubles in the same order: equal, not merely close.
        assert run.facts().as_page_has_them() == page["facts"]
    assert runs[-3].facts().tasks[2].blocked > 0.15
    assert runs[-2].facts().by_state["unfinished"] > 0
    shaped = runs[-1]
    assert [t.args for t in shaped.calls("f")] == [
        None, None, ([1, "a"],), None, None, None, ({"k": [1.5, True]},), (None,), None,
    ]  # fmt: skip
    assert [len(t.cancels) for t in shaped.tasks if t.state == "cancelled"] == [1, 1]
    assert [line[2] for line in fold(shaped)["outside"]] == ["from a callback"]


def test_tuples_and_the_pages_flat_list_read_the_same() -> None:
    events, _ = trace(BLOCKED_AND_CUT)
    flat = [item for event in events for item in event]
    as_tuples, as_flat = Run(events), Run(json.loads(json.dumps(flat)))
    assert [repr(t) for t in as_tuples.tasks] == [repr(t) for t in as_flat.tasks]
    assert as_tuples.facts() == as_flat.facts()
    assert [t.steps for t in as_tuples.tasks] == [t.steps for t in as_flat.tasks]


def test_a_taskgroup_whose_child_fails(lesson_runs) -> None:
    run = Run.from_data(lesson_runs["taskgroup-cancellation"])
    main = run.main
    assert main is not None and main.coro == "main()" and main.state == "done"
    work = run.calls("work_on_task")
    assert [t.args for t in work] == [(1, 5), (2, 1), (3, 5)]
    assert [t.parent for t in work] == [main] * 3
    group = work[0].group
    assert group is not None and group.type == "TaskGroup" and group.tasks == work
    assert group.owner is main
    one, two, three = work
    assert two.state == "failed" and two.error is not None
    assert (two.error.type, two.error.message) == ("ValueError", "Task 2 failed during processing")
    for cancelled in (one, three):
        assert cancelled.state == "cancelled" and cancelled.cause is not None
        assert cancelled.cause.kind == "sibling_failed" and cancelled.cause.task is two
        assert cancelled.cause.words.startswith(f"sibling {two.name} failed (ValueError")
        assert cancelled.cancels[0][1] == cancelled.cause
    # Each child waited on its sleep from ~0 s; main waited on its TaskGroup until ~1 s.
    assert [w.wait.words for w in one.waits] == ["sleep(5)"]
    assert [w.wait.seconds for w in two.waits] == [1.0]
    together = run.waited_together(work)
    assert together is not None and together.wait.kind == "taskgroup"
    assert within(together.end, 1.0)
    # At 0.5 s every child is waiting on its sleep; at 1.5 s they are all over.
    assert [t.state_at(0.5) for t in work] == ["waiting"] * 3
    assert [t.state_at(1.5) for t in work] == ["cancelled", "failed", "cancelled"]
    assert one.state_at(-1) is None
    assert run.overlapped(work) and not run.one_after_another(work)
    assert run.created_before_awaited(work)
    assert run.finish_order(work)[0] is two


def test_sequential_and_concurrent_tasks_are_told_apart(lesson_runs) -> None:
    concurrent = Run.from_data(lesson_runs["create-task-basics"])
    users = concurrent.calls("fetch_user")
    assert len(users) == 3 and concurrent.overlapped(users)
    assert concurrent.close_to_longest(users)
    assert within(Run.span(users), 1.0) and within(Run.total(users), 3.0)
    assert [t.result_printed for t in users] == ["User-1", "User-2", "User-3"]
    # performance-comparison: five calls awaited in a loop, inside main: no tasks, but
    # main's own waits show them, one sleep(1) after another.
    sequential = Run.from_data(lesson_runs["performance-comparison"])
    main = sequential.main
    assert main is not None
    sleeps = [w for w in main.waits if w.wait.kind == "sleep"]
    assert [w.wait.seconds for w in sleeps] == [1.0] * 5
    assert within(sleeps[-1].end - sleeps[0].start, 5.0)


def test_awaiting_each_task_at_once_is_one_after_another() -> None:
    events, _ = trace(
        textwrap.dedent(
            """
            import asyncio
            async def job(seconds):
                await asyncio.sleep(seconds)
            async def main():
                for seconds in (0.05, 0.1, 0.05):
                    await asyncio.create_task(job(seconds))
            asyncio.run(main())
            """
        )
    )
    run = Run(events)
    jobs = run.calls("job")
    assert run.one_after_another(jobs) and not run.overlapped(jobs)
    assert not run.created_before_awaited(jobs)
    assert not run.close_to_longest(jobs)
    longest = run.longest(jobs)
    assert longest is not None and longest.args == (0.1,)


def test_gather_is_seen_waiting_on_its_own_tasks_or_on_ready_made_ones() -> None:
    events, _ = trace(
        textwrap.dedent(
            """
            import asyncio
            async def f(x):
                await asyncio.sleep(x)
            async def main():
                await asyncio.gather(f(0.01), f(0.02))
                tasks = [asyncio.create_task(f(x)) for x in (0.01, 0.02, 0.03)]
                await asyncio.gather(*tasks)
                for task in [asyncio.create_task(f(x)) for x in (0.01, 0.02)]:
                    await task
            asyncio.run(main())
            """
        )
    )
    run = Run(events)
    calls = run.calls("f")
    made, ready, awaited = calls[:2], calls[2:5], calls[5:]
    for together in (run.waited_together(made), run.waited_together(ready)):
        assert together is not None and together.wait.kind == "gather"
    first, second = run.waited_together(made), run.waited_together(ready)
    assert first is not None and second is not None and first.end < second.start
    assert first.end >= max(t.ended or 0 for t in made)
    assert run.waited_together(awaited) is None


def test_a_blocked_loop_is_put_down_to_its_task() -> None:
    events, _ = trace(BLOCKED_AND_CUT)
    run = Run(events)
    (sleeper,) = run.calls("sleeper")
    (block,) = run.blocked_by([sleeper])
    # time.sleep(0.15), plus the step's own few microseconds.
    assert 0.15 <= block.seconds < 0.17
    assert run.blocked_by(run.calls("sleep")) == []


def test_never_awaited_coroutines_and_program_errors_are_read_from_the_run() -> None:
    run = Run.from_data(
        {
            "events": [],
            "stderr": "main.py:8: RuntimeWarning: coroutine 'job' was never awaited\n",
            "error": {
                "line": 3,
                "column": 5,
                "message": "asyncio.exceptions.CancelledError",
                "type": "CancelledError",
            },
        }
    )
    assert run.never_awaited() == ["job"]
    assert run.error is not None and run.error.type == "CancelledError"
    assert run.main is None and run.tasks == []


def test_arguments_and_results_are_data_and_unknown_where_cut_or_named_by_class() -> None:
    events, _ = trace(
        textwrap.dedent(
            """
            import asyncio
            class Order: pass
            async def f(x, *more):
                return x
            async def main():
                await asyncio.gather(
                    f(Order()), f("x" * 300), f("y" * 100), f((1, "a")), f(1, 2),
                    f(float("nan")), f(2**60), f({"k": [1.5, True]}), f({1: 2}),
                )
            asyncio.run(main())
            """
        )
    )
    order, longer, long, pair, more, nan, big, nested, keyed = Run(events).calls("f")
    assert order.coro == "f(<Order object>)"
    assert order.args is None and order.result_printed is None
    # A string the label cuts short is whole as data up to 200 characters.
    assert long.coro == "f('yyyyyyyyy...yyyyyyyyyy')"
    assert long.args == ("y" * 100,) and long.result_printed == "y" * 100
    assert longer.args is None and longer.result_printed is None
    # A tuple is data as JSON holds it: a list. Its result prints as Python prints it.
    assert pair.args == ([1, "a"],) and pair.subject == 1
    assert pair.result_printed == "(1, 'a')"
    # Arguments past the named ones are not data: neither the words nor the data show them.
    assert more.coro == "f(1)" and more.args is None and more.result_printed == "1"
    # What JSON cannot hold, or JavaScript's numbers not exactly, is no data either.
    assert nan.args is None and nan.result_printed is None
    assert big.args is None and big.result_printed is None
    assert nested.args == ({"k": [1.5, True]},)
    assert nested.result_printed == "{'k': [1.5, True]}"
    assert keyed.args is None and keyed.result_printed is None


def test_a_garbled_stream_is_a_problem_not_an_exception() -> None:
    main = make.created(
        t=0, task=1, name="Task-1", coro="main()", function="main", args=(), cut=False,
        parent=None, group=None,
    )  # fmt: skip
    run = Run([*main, "nonsense", 1])
    assert [t.name for t in run.tasks] == ["Task-1"]
    assert run.problems and "nonsense" in run.problems[0]


def test_words_for_feedback() -> None:
    assert seconds(6.0) == "6.0 s" and seconds(0.1) == "0.10 s" and seconds(None) == "? s"
    assert listing([]) == "" and listing(["a"]) == "a"
    assert listing(["a", "b", "c"]) == "a, b and c" and listing(["a", "b"], "or") == "a or b"
    events, _ = trace(BLOCKED_AND_CUT)
    run = Run(events)
    assert labels([run.tasks[0], *run.calls("sleeper")]) == "main() and sleeper()"
