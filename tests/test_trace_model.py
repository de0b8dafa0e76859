"""The page's trace model (web/record/trace-model.js) over events the tracer recorded under
CPython: the run record's facts, printed lines and saved traces, computed by the page's own
code under Node. (tests/test_run_view.py compares its whole fold with the checks'.)"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from nodejs import run_module
from tracing import trace

ROOT = Path(__file__).resolve().parents[1]

READ = """
import { readFileSync } from "node:fs";
import { addEvents, createTrace, facts } from "./web/record/trace-model.js";
const trace = addEvents(createTrace(), JSON.parse(readFileSync(0, "utf8")));
console.log(JSON.stringify({ facts: facts(trace) }));
"""


def model(source: str) -> dict[str, Any]:
    events, _ = trace(source)
    flat = [item for event in events for item in event]
    result: dict[str, Any] = run_module(READ, stdin=json.dumps(flat))
    return result


def example(slug: str) -> str:
    return (ROOT / "py/examples" / f"{slug}.py").read_text(encoding="utf-8")


def test_facts_of_a_taskgroup_whose_child_fails() -> None:
    seen = model(example("taskgroup-cancellation"))
    facts = seen["facts"]
    # Task-1 and its three children, all in flight together until Task-3 fails at 1 s.
    assert facts["peak"] == 4
    assert facts["byState"] == {"done": 1, "failed": 1, "cancelled": 2, "unfinished": 0}
    # Wall time: 1 s of sleeping plus a few ms of steps (asyncio's timer jitter is ~1 ms).
    assert facts["wall"] == pytest.approx(1.0, abs=0.05)
    tasks = {t["name"]: t for t in facts["tasks"].values()}
    for name in ("Task-2", "Task-3", "Task-4"):
        # Each child spent the second waiting on its sleep, hardly any of it running.
        assert tasks[name]["waiting"] == pytest.approx(1.0, abs=0.05)
        assert tasks[name]["running"] < 0.05
        assert tasks[name]["blocked"] == 0


def test_facts_say_which_task_blocked_the_loop_and_for_how_long() -> None:
    seen = model(
        textwrap.dedent(
            """
            import asyncio, time
            async def sleeper():
                time.sleep(0.3)
            async def main():
                await asyncio.gather(sleeper(), asyncio.sleep(0.1))
            asyncio.run(main())
            """
        )
    )
    tasks = {t["name"]: t for t in seen["facts"]["tasks"].values()}
    # time.sleep(0.3) blocks for 0.3 s plus a step's overhead (well under 20 ms).
    assert 0.3 <= tasks["Task-2"]["blocked"] < 0.32
    assert tasks["Task-2"]["blocked"] <= tasks["Task-2"]["running"]
    assert tasks["Task-3"]["blocked"] == 0


PRINTS = """
import { readFileSync } from "node:fs";
import {
  addEvents, createTrace, fromChromeTrace, toChromeTrace,
} from "./web/record/trace-model.js";
const trace = addEvents(createTrace(), JSON.parse(readFileSync(0, "utf8")));
const back = addEvents(createTrace(), fromChromeTrace(toChromeTrace(trace, "t")));
const lines = (t) =>
  t.prints.map((p) => [p.task ? t.byId.get(p.task).name : null, p.stream, p.text]);
console.log(JSON.stringify({
  lines: lines(trace),
  back: lines(back),
  perTask: Object.fromEntries(trace.tasks.map((t) => [t.name, t.prints.length])),
}));
"""


def test_the_page_keeps_each_printed_line_with_its_task_as_the_checks_do() -> None:
    from playground.run_view import Run

    events, _ = trace(example("taskgroup-cancellation"))
    flat = [item for event in events for item in event]
    seen = run_module(PRINTS, stdin=json.dumps(flat))
    checks_see = Run(flat).printed_lines
    assert seen["lines"] == [
        [p.task.name if p.task else None, p.stream, p.text] for p in checks_see
    ]
    # The downloaded trace keeps them too.
    assert seen["back"] == seen["lines"]
    assert seen["perTask"] == {"Task-1": 4, "Task-2": 1, "Task-3": 1, "Task-4": 1}


SAVED = """
import { readFileSync } from "node:fs";
import {
  addEvents, createTrace, endWords, fromChromeTrace, toChromeTrace,
} from "./web/record/trace-model.js";
const trace = addEvents(createTrace(), JSON.parse(readFileSync(0, "utf8")));
const saved = toChromeTrace(trace, "t");
const back = addEvents(createTrace(), fromChromeTrace(saved));
// The same file as the page saved it before arguments and results were data: words only.
for (const e of saved.traceEvents) {
  if (e.name === "created") for (const key of ["function", "args", "cut"]) delete e.args[key];
  if (e.name === "done") delete e.args.result_printed;
}
const old = addEvents(createTrace(), fromChromeTrace(JSON.parse(JSON.stringify(saved))));
const tasks = (t) => t.tasks.map((task) => ({
  name: task.name, coro: task.coro, function: task.function, args: task.args, cut: task.cut,
  end: endWords(t, task), printed: task.end?.resultPrinted ?? null,
}));
console.log(JSON.stringify({ now: tasks(trace), back: tasks(back), old: tasks(old) }));
"""


def test_a_saved_trace_keeps_arguments_and_results_as_data() -> None:
    from playground.run_view import Run

    events, _ = trace(example("create-task-basics"))
    flat = [item for event in events for item in event]
    seen = run_module(SAVED, stdin=json.dumps(flat))
    checks_see = Run(flat).tasks
    # The page's model holds what the checks read: fetch_user(1) is ("fetch_user", [1]).
    assert [
        (t["function"], None if t["cut"] else t["args"], t["printed"]) for t in seen["now"]
    ] == [
        (t.function, None if t.args is None else list(t.args), t.result_printed) for t in checks_see
    ]
    assert seen["now"][1]["function"] == "fetch_user" and seen["now"][1]["args"] == [1]
    assert seen["now"][1]["printed"] == "User-1"
    # Downloaded and loaded back, nothing is lost.
    assert seen["back"] == seen["now"]
    # A file saved before keeps its words; its tasks' arguments count as cut, not as none.
    words = [(t["name"], t["coro"], t["end"]) for t in seen["now"]]
    assert [(t["name"], t["coro"], t["end"]) for t in seen["old"]] == words
    assert all(t["cut"] and t["printed"] is None for t in seen["old"])
