"""The timeline's layout (web/timeline/layout.js) under Node: a pure function from a trace, the
time shown and the canvas's size to what is drawn where, so its lanes, bars, marks and labels
are checked here without a browser (tests/test_timeline.py checks the canvas in one); and the
panel's one animation frame, which paints that picture and updates the Tasks table together."""

from __future__ import annotations

import json
from typing import Any

import pytest
from nodejs import run_module
from playground.schema import Event, make

LAYOUT = """
import { readFileSync } from "node:fs";
import { addEvents, createTrace } from "./web/record/trace-model.js";
import { layout, rowAt, timeAt } from "./web/timeline/layout.js";
const { events, calls } = JSON.parse(readFileSync(0, "utf8"));
const trace = addEvents(createTrace(), events);
const rowWords = (row) =>
  row.kind === "group" ? `group ${row.group.id}` :
  row.kind === "task" ? row.task.name : row.tasks.map((task) => task.name).join(",");
console.log(JSON.stringify(calls.map(([t, size, view]) => {
  const picture = layout(trace, t, size, view);
  return {
    ...picture,
    rows: picture.rows.map(rowWords),
    rowAt: [20, 30, 50, 100].map((y) => rowAt(picture, y)),
    timeAt: [0, 260, 624, 2000].map((x) => timeAt(picture, x, trace.end)),
  };
})));
"""

S = 1_000_000  # the tracer's times are microseconds


def created(t: int, task: int, function: str, args: tuple[Any, ...], **owners: Any) -> Event:
    """A created event as the tracer makes it, its words written from its data."""
    coro = f"{function}({', '.join(map(repr, args))})"
    return make.created(
        t=t, task=task, name=f"Task-{task}", coro=coro, function=function, args=args, cut=False,
        parent=owners.get("parent"), group=owners.get("group"),
    )  # fmt: skip


def event_list() -> list[Any]:
    """A small run, as the tracer would record it: main() gathers fetch('A', 1) and
    fetch('B', 2), and starts a third task on its own at 1 s; B blocks the loop 0.2 s and
    fails, so main() fails with it at 2.6 s."""
    step, done = make.step, make.done
    failed = ("ValueError", "ValueError: B", "B")
    events: list[Event] = [
        created(0, 1, "main", ()),
        make.group(group=1, type="gather", owner=1, size=2),
        created(0, 2, "fetch", ("A", 1), parent=1, group=1),
        created(0, 3, "fetch", ("B", 2), parent=1, group=1),
        step(task=1, start=0, end=S // 10, wait=["gather", 1, 2]),
        step(task=2, start=S // 10, end=2 * S // 10, wait=["sleep", 1]),
        make.printed(t=15 * S // 100, task=2, stream="stdout", text="A starting"),
        step(task=3, start=2 * S // 10, end=3 * S // 10, wait=["sleep", 2]),
        created(S, 4, "tick", (), parent=1),
        step(task=4, start=S, end=105 * S // 100, wait=["sleep", 0.5]),
        step(task=2, start=12 * S // 10, end=13 * S // 10, wait=None),
        make.printed(t=125 * S // 100, task=2, stream="stdout", text="A done"),
        done(t=13 * S // 10, task=2, state="done", detail="'A'", result_printed="A"),
        step(task=4, start=155 * S // 100, end=16 * S // 10, wait=None),
        done(t=16 * S // 10, task=4, state="done", detail="None", result_printed="None"),
        step(task=3, start=23 * S // 10, end=25 * S // 10, wait=None),
        make.blocked(task=3, start=23 * S // 10, end=25 * S // 10),
        done(t=25 * S // 10, task=3, state="failed", detail=failed, result_printed=None),
        step(task=1, start=25 * S // 10, end=26 * S // 10, wait=None),
        done(t=26 * S // 10, task=1, state="failed", detail=failed, result_printed=None),
    ]
    return [item for event in events for item in event]


SIZE = {"width": 1000, "viewHeight": 448, "scrollTop": 0, "dpr": 1}
# At 1000 px wide the labels take 30% (260 px, their most) and the plot 1000 - 260 - 12 px;
# after the run the axis spans the run's 2.6 s and 2% more.
LABELS = 260
PLOT = 728
SPAN = 2.6 * 1.02


def x(t: float) -> float:
    return LABELS + t / SPAN * PLOT


def pictures(*calls: tuple[float, dict[str, Any], dict[str, Any]]) -> list[dict[str, Any]]:
    stdin = json.dumps({"events": event_list(), "calls": calls})
    result: list[dict[str, Any]] = run_module(LAYOUT, stdin=stdin)
    return result


def bars(lane: dict[str, Any]) -> list[tuple[str, float, float]]:
    """A lane's bars as (colour, start x, end x), its tasks one after the other."""
    return [
        (bar["color"], bar["x"], bar["x"] + bar["width"])
        for task in lane["tasks"]
        for bar in task["bars"]
    ]


def test_after_the_run_each_task_has_a_lane_under_its_parent_and_group() -> None:
    (picture,) = pictures((2.6, SIZE, {}))
    assert picture["rows"] == ["Task-1", "group 1", "Task-2", "Task-3", "Task-4"]
    assert (picture["labelWidth"], picture["plotWidth"]) == (LABELS, PLOT)
    assert picture["span"] == pytest.approx(SPAN)
    assert (picture["canvasWidth"], picture["canvasHeight"]) == (1000, 22 + 5 * 22 + 6)
    lanes = picture["lanes"]
    assert [lane["top"] for lane in lanes] == [22, 44, 66, 88, 110]
    assert [(lane["label"]["text"], lane["label"]["x"]) for lane in lanes] == [
        ("Task-1 main()", 8),
        ("▾ gather of 2", 20),
        ("Task-2 fetch('A', 1)", 32),
        ("Task-3 fetch('B', 2)", 32),
        ("Task-4 tick()", 20),
    ]
    # Task-2: pending until its first step at 0.1 s, sleeps 1 s, runs its last step, done.
    assert bars(lanes[2]) == [
        ("pending", x(0), pytest.approx(x(0.1))),
        ("running", pytest.approx(x(0.1)), pytest.approx(x(0.2))),
        ("sleep", pytest.approx(x(0.2)), pytest.approx(x(1.2))),
        ("running", pytest.approx(x(1.2)), pytest.approx(x(1.3))),
    ]
    task2 = lanes[2]["tasks"][0]
    assert [bar["wait"] for bar in task2["bars"]] == [None, None, ["sleep", 1], None]
    # Running bars are the lane less 3 px each side, the others less 6 px.
    assert [(bar["y"], bar["height"]) for bar in task2["bars"]] == [
        (72, 10),
        (69, 16),
        (72, 10),
        (69, 16),
    ]
    assert task2["end"] == {"state": "done", "x": pytest.approx(x(1.3)), "y": 77}
    assert task2["prints"] == [
        {"x": round(x(0.15)) - 0.5, "y": 67},
        {"x": round(x(1.25)) - 0.5, "y": 67},
    ]
    # main() waits on its gather (a wait on tasks), then fails with Task-3.
    assert [bar[0] for bar in bars(lanes[0])] == ["running", "tasks", "running"]
    assert lanes[0]["tasks"][0]["end"]["state"] == "failed"
    assert lanes[1]["tasks"] == []  # a group's row is only its label
    assert lanes[3]["tasks"][0]["end"]["state"] == "failed"
    # A task whose first step starts as it is created has no pending bar.
    assert [bar[:2] for bar in bars(lanes[4])] == [
        ("running", pytest.approx(x(1.0))),
        ("sleep", pytest.approx(x(1.05))),
        ("running", pytest.approx(x(1.55))),
    ]
    # Task-3's last step held the loop from 2.3 to 2.5 s, drawn across all lanes.
    (blocked,) = picture["blocked"]
    assert blocked["x"] == pytest.approx(x(2.3))
    assert blocked["width"] == pytest.approx(x(2.5) - x(2.3))
    assert picture["now"] == {"x": pytest.approx(x(2.6)), "top": 16, "bottom": 138}
    # A tick every 0.5 s (at least 64 px apart), each at a pixel's middle.
    assert [tick["label"] for tick in picture["ticks"]] == [
        "0 s",
        "0.5 s",
        "1 s",
        "1.5 s",
        "2 s",
        "2.5 s",
    ]
    assert [tick["x"] for tick in picture["ticks"]] == [
        round(x(t)) + 0.5 for t in (0, 0.5, 1, 1.5, 2, 2.5)
    ]
    assert picture["tip"] is None
    assert picture["rowAt"] == [-1, 0, 1, 3]
    assert picture["timeAt"] == [0, 0, pytest.approx((624 - LABELS) / PLOT * SPAN), 2.6]


def test_a_scrubbed_time_shows_only_what_happened_by_then() -> None:
    early, middle = pictures((0.25, SIZE, {}), (2.4, SIZE, {}))
    for picture in early, middle:
        # The axis keeps the whole run's scale while scrubbing.
        assert picture["span"] == pytest.approx(SPAN)
    lanes = early["lanes"]
    assert bars(lanes[2]) == [
        ("pending", x(0), pytest.approx(x(0.1))),
        ("running", pytest.approx(x(0.1)), pytest.approx(x(0.2))),
        ("sleep", pytest.approx(x(0.2)), pytest.approx(x(0.25))),
    ]
    assert lanes[2]["tasks"][0]["end"] is None
    assert len(lanes[2]["tasks"][0]["prints"]) == 1  # "A done" comes at 1.25 s
    # Task-3 is in its first step at 0.25 s; Task-4 is not created yet, only its label shows.
    assert [bar[0] for bar in bars(lanes[3])] == ["pending", "running"]
    assert bars(lanes[3])[-1][2] == pytest.approx(x(0.25))
    assert lanes[4]["label"]["text"] == "Task-4 tick()"
    assert lanes[4]["tasks"] == []
    assert early["blocked"] == []
    assert early["now"]["x"] == pytest.approx(x(0.25))
    # At 2.4 s the loop has been blocked 0.1 s of its 0.2, and Task-3 has not failed yet.
    (blocked,) = middle["blocked"]
    assert blocked["width"] == pytest.approx(x(2.4) - x(2.3))
    assert middle["lanes"][3]["tasks"][0]["end"] is None
    assert middle["lanes"][2]["tasks"][0]["end"]["state"] == "done"
    assert middle["lanes"][4]["tasks"][0]["end"]["state"] == "done"


def test_a_live_run_gets_an_axis_ahead_of_now_and_a_scrolled_view_its_lanes_in_view() -> None:
    size = {"width": 1000, "viewHeight": 22 + 2 * 22, "scrollTop": 44, "dpr": 2}
    live, scrolled = pictures((2.6, SIZE, {"live": True}), (2.6, size, {"selected": 2}))
    # Live, the axis runs to a round number past 1.15 times the run so far (2.99 s): 3 s.
    assert live["span"] == 3
    assert live["ticks"][-1] == {"x": LABELS + PLOT + 0.5, "label": "3 s"}
    # Scrolled two lanes down in a view two lanes tall: the lanes in view (and one more for
    # the part row) from Task-2 on, drawn from the canvas's top; the canvas is the view's
    # height, in device pixels.
    assert scrolled["firstRow"] == 2
    assert [lane["index"] for lane in scrolled["lanes"]] == [2, 3, 4]
    assert [lane["top"] for lane in scrolled["lanes"]] == [22, 44, 66]
    assert scrolled["fullHeight"] == 22 + 5 * 22 + 6
    assert (scrolled["canvasWidth"], scrolled["canvasHeight"]) == (2000, 2 * 66)
    assert [lane["highlighted"] for lane in scrolled["lanes"]] == [True, False, False]
    # The selected lane's tip, just under it in the scrolled content.
    tip = scrolled["tip"]
    assert tip["text"].splitlines()[:3] == [
        "Task-2  fetch('A', 1)",
        "at 2.60 s: done",
        "parent: Task-1",
    ]
    assert "printed 2 lines:" in tip["text"]
    assert tip["top"] == 44 + 22 + 22 + 4


def test_layout_is_deterministic_and_leaves_the_trace_alone() -> None:
    script = """
    import { readFileSync } from "node:fs";
    import { addEvents, createTrace } from "./web/record/trace-model.js";
    import { layout } from "./web/timeline/layout.js";
    const events = JSON.parse(readFileSync(0, "utf8"));
    const size = { width: 640, viewHeight: 448, scrollTop: 0, dpr: 1.5 };
    const one = addEvents(createTrace(), events);
    const before = JSON.stringify(one.tasks);
    const draw = (trace, t) => JSON.stringify(layout(trace, t, size, { hovered: 3 }),
      (key, value) => (key === "rows" ? value.length : value));
    const times = [0, 0.3, 1.27, 2.6];
    const first = times.map((t) => draw(one, t));
    const again = times.map((t) => draw(one, t));
    const fresh = times.map((t) => draw(addEvents(createTrace(), events), t));
    console.log(JSON.stringify({
      same: first.every((p, i) => p === again[i] && p === fresh[i]),
      untouched: JSON.stringify(one.tasks) === before,
      differ: new Set(first).size,
    }));
    """
    seen = run_module(script, stdin=json.dumps(event_list()))
    assert seen == {"same": True, "untouched": True, "differ": 4}


def test_past_240_lanes_tasks_share_rows_and_each_is_drawn_once() -> None:
    script = """
    import { addEvents, createTrace } from "./web/record/trace-model.js";
    import { layout } from "./web/timeline/layout.js";
    const events = ["created", 0, 1, "Task-1", "main()", "main", [], false, null, null];
    for (let i = 2; i <= 1000; i++) {
      events.push("created", i, i, `Task-${i}`, "work()", "work", [], false, 1, null,
        "step", i, i, i + 10, ["sleep", 1]);
    }
    const trace = addEvents(createTrace(), events);
    const size = { width: 800, viewHeight: 1e6, scrollTop: 0, dpr: 1 };
    const picture = layout(trace, 1, size);
    console.log(JSON.stringify({
      perRow: picture.perRow,
      rows: picture.rows.length,
      kinds: [...new Set(picture.rows.map((row) => row.kind))],
      first: picture.lanes[0].label.text,
      drawn: picture.lanes.flatMap((lane) => lane.tasks.map((task) => task.id)),
    }));
    """
    seen = run_module(script)
    # 1000 lanes, at most 240 rows: 5 tasks to a row.
    assert seen["perRow"] == 5
    assert seen["rows"] == 200
    assert seen["kinds"] == ["bundle"]
    assert seen["first"] == "Task-1 … Task-5 (5)"
    assert seen["drawn"] == list(range(1, 1001))


# The panel (web/timeline/timeline-panel.js) on a stand-in page: just enough DOM for it, an
# animation frame queue run by hand, and a canvas that counts its paintings (a clearRect
# starts each).
PANEL = """
import { readFileSync } from "node:fs";
import { addEvents, createTrace } from "./web/record/trace-model.js";
const queue = [];
globalThis.window = globalThis;
globalThis.requestAnimationFrame = (f) => queue.push(f);
// The page's clock moves a frame's time between frames and stands still within one, so a
// frame here takes no time: a live picture is not held back (timeline-panel.js LIVE_SHARE).
let clock = 0;
globalThis.performance = { now: () => clock };
globalThis.matchMedia = () => ({ matches: false, addEventListener() {} });
globalThis.ResizeObserver = class { observe() {} };
globalThis.getComputedStyle = () => ({ color: "black", maxHeight: "448px" });
const node = (more = {}) => ({
  style: {}, dataset: {}, hidden: false, textContent: "", value: "0", max: "1000",
  listeners: {}, addEventListener(type, f) { this.listeners[type] = f; },
  append() {}, remove() {}, setAttribute() {}, setPointerCapture() {}, ...more,
});
globalThis.document = { createElement: () => node(), body: node() };
let paints = 0;
const ctx = new Proxy({}, {
  get: (target, key) => key in target ? target[key] :
    key === "measureText" ? (s) => ({ width: 6 * s.length }) :
    key === "clearRect" ? () => { paints += 1; } : () => {},
  set: (target, key, value) => { target[key] = value; return true; },
});
const rows = [];
const body = node({
  insertRow() {
    const row = node({ insertCell: () => node() });
    rows.push(row);
    return row;
  },
  replaceChildren() { rows.length = 0; },
});
const el = {
  canvas: node({ width: 0, height: 0, getContext: () => ctx }),
  scroller: node({ clientWidth: 800, clientHeight: 448, scrollTop: 0 }),
  spacer: node(), tip: node(), table: node({ tBodies: [body] }), tableNote: node(),
  summary: node(), replay: node(), speed: node({ value: "1" }), scrub: node(),
  download: node(), load: node(),
};
let listener;
const record = { subscribe: (f) => { listener = f; } };
const { createTimelinePanel } = await import("./web/timeline/timeline-panel.js");
createTimelinePanel(el, record, { onProblem() {} });
const states = () => rows.map((row) => (row.hidden ? "-" : row.dataset.state)).join(" ");
const log = [];
// Runs the frames asked for so far (not those they ask for): what each changed.
const frame = (what) => {
  clock += 1000 / 60;
  const due = queue.splice(0);
  const before = [paints, states()];
  for (const f of due) f(performance.now());
  log.push({ what, frames: due.length, painted: paints - before[0],
    table: states(), tableChanged: states() !== before[1], pending: queue.length });
};
const run = {
  source: { kind: "example", slug: "t", edited: false },
  trace: createTrace(),
  startedAt: performance.now(),
};
listener({ type: "run-started", run });
frame("run started");
addEvents(run.trace, JSON.parse(readFileSync(0, "utf8")));
listener({ type: "trace", run });
frame("live");
frame("live");
listener({ type: "run-ended", run });
frame("ended");
frame("idle");
el.scrub.value = "100";
el.scrub.listeners.input();
frame("scrubbed");
el.canvas.listeners.focus();
frame("focused");
// A replay at 1000 times: its frames until it stops at the run's end.
el.speed.value = "1000";
el.replay.listeners.click();
for (let n = 0; queue.length && n < 100000; n++) frame("replay");
console.log(JSON.stringify(log));
"""


def test_one_frame_updates_the_tasks_table_and_the_picture_together() -> None:
    log = run_module(PANEL, stdin=json.dumps(event_list()))
    by_step = {entry["what"]: entry for entry in log if entry["what"] != "live"}
    live = [entry for entry in log if entry["what"] == "live"]
    # Live, each frame paints the picture once and asks for one more frame, not two.
    for entry in [by_step["run started"], *live]:
        assert (entry["frames"], entry["painted"], entry["pending"]) == (1, 1, 1)
    # The run ends: one frame paints the final picture and asks for none after it.
    assert (by_step["ended"]["frames"], by_step["ended"]["painted"]) == (1, 1)
    assert by_step["ended"]["table"] == "failed done failed done"
    assert by_step["idle"] == {**by_step["idle"], "frames": 0, "painted": 0}
    # A scrub (to 0.26 s) changes the table and the picture in the same, only, frame.
    scrubbed = by_step["scrubbed"]
    assert (scrubbed["frames"], scrubbed["painted"], scrubbed["pending"]) == (1, 1, 0)
    assert scrubbed["tableChanged"]
    assert scrubbed["table"] == "waiting waiting running -"  # Task-4 is not yet created
    # Focus only redraws the picture (its selected lane); the table stays as it was.
    focused = by_step["focused"]
    assert (focused["frames"], focused["painted"], focused["pending"]) == (1, 1, 0)
    assert not focused["tableChanged"]
    # Each frame of a replay paints once; the last shows the end in the picture and the table.
    replay = [entry for entry in log if entry["what"] == "replay"]
    assert all((entry["frames"], entry["painted"]) == (1, 1) for entry in replay)
    assert replay[-1]["pending"] == 0
    assert replay[-1]["table"] == "failed done failed done"
