// The timeline's layout: a pure function from the trace (trace-model.js), the time shown and
// the canvas's size to plain data, the lanes in view with their bars, end marks, print ticks
// and labels, the axis's ticks, the loop-blocked spans, the "now" line and the tip. No DOM and
// no canvas here, so it runs and is tested under Node (tests/test_timeline_layout.py);
// timeline.js only paints what this returns. The split is uPlot's (leeoniya/uPlot): positions
// are computed from the data first, then one draw per animation frame paints them.
import {
  endWords,
  groupWords,
  lanes,
  segments,
  stateAt,
  waitFamily,
  waitWords,
} from "../record/trace-model.js";

export const LANE_HEIGHT = 22;
export const AXIS_HEIGHT = 22;
// Past this many rows the lanes are aggregated, several tasks to a row, as trace viewers do,
// so that 10,000 tasks still draw in a frame and fit a canvas.
const MAX_ROWS = 240;
const MIN_LABEL_WIDTH = 120;
const MAX_LABEL_WIDTH = 260;
const TICK_STEPS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];
const MIN_TICK_PX = 64;
// The view's height when the scroller's max-height cannot be read (style.css sets it).
const DEFAULT_VIEW_HEIGHT = 448;
// The printed lines a lane's tip shows, the last ones up to the time shown.
const PRINTS_IN_TIP = 3;

/** The axis's step in seconds: the first of TICK_STEPS that leaves MIN_TICK_PX between ticks. */
export function niceStep(seconds, width) {
  const fit = (seconds * MIN_TICK_PX) / Math.max(width, 1);
  return TICK_STEPS.find((s) => s >= fit) ?? TICK_STEPS.at(-1);
}

function niceCeil(value) {
  const steps = [1, 1.5, 2, 3, 5, 7.5, 10];
  const scale = 10 ** Math.floor(Math.log10(Math.max(value, 1e-3)));
  return (steps.find((s) => s * scale >= value) ?? 10) * scale;
}

// The rows of a trace, kept while it has as many tasks and groups: lanes() walks every task,
// too much to repeat each frame of a 10,000-task run. Memoized, so still a pure function.
const rowsMade = new WeakMap();
const NO_ROWS = { count: 0, rows: [], perRow: 1 };

/** The trace's rows: lanes() as they are, or bundles of `perRow` tasks past MAX_ROWS lanes. */
export function rowsOf(trace) {
  if (!trace) return NO_ROWS;
  const count = trace.tasks.length + trace.groups.size;
  const made = rowsMade.get(trace);
  if (made?.count === count) return made;
  const all = lanes(trace);
  const perRow = Math.max(1, Math.ceil(all.length / MAX_ROWS));
  let rows = all;
  if (perRow > 1) {
    rows = [];
    for (let i = 0; i < all.length; i += perRow) {
      const chunk = all.slice(i, i + perRow).filter((r) => r.kind === "task");
      if (chunk.length) rows.push({ kind: "bundle", tasks: chunk.map((r) => r.task), depth: 0 });
    }
  }
  const result = { count, rows, perRow };
  rowsMade.set(trace, result);
  return result;
}

/** The words of a task's tip at time `t`. */
export function describeTask(trace, task, t) {
  const now = stateAt(task, t);
  const lines = [`${task.name}  ${task.coro}`];
  const on = now?.wait ? ` on ${waitWords(now.wait, trace)}` : "";
  if (now) lines.push(`at ${t.toFixed(2)} s: ${now.state}${on}`);
  const parent = task.parent != null ? trace.byId.get(task.parent) : null;
  const group = task.group != null ? trace.groups.get(task.group) : null;
  lines.push(`parent: ${parent ? parent.name : "none (the program's main task)"}`);
  if (group) lines.push(`in: ${groupWords(group)}`);
  const ran = task.steps.reduce((sum, step) => sum + (step.end - step.start), 0);
  const end = task.end ? `, ended ${task.end.t.toFixed(2)} s` : "";
  lines.push(`created ${task.created.toFixed(2)} s${end}; ran ${(ran * 1000).toFixed(1)} ms`);
  const waits = [...new Set(task.steps.filter((s) => s.wait).map((s) => waitWords(s.wait, trace)))];
  if (waits.length)
    lines.push(`waited on: ${waits.slice(0, 4).join(", ")}${waits.length > 4 ? "…" : ""}`);
  const ending = { done: "result", failed: "raised", cancelled: "cancelled" }[task.end?.state];
  if (ending) lines.push(`${ending}: ${endWords(trace, task)}`);
  // The lines it printed by then (each a tick on its lane), the last few in full.
  const printed = task.prints.filter((p) => p.t <= t);
  if (printed.length) {
    lines.push(`printed ${printed.length} line${printed.length === 1 ? "" : "s"}:`);
    for (const p of printed.slice(-PRINTS_IN_TIP)) {
      lines.push(`  ${p.t.toFixed(2)} s${p.stream === "stderr" ? " (stderr)" : ""}: ${p.text}`);
    }
  }
  return lines.join("\n");
}

function tipText(trace, row, perRow, t) {
  if (row.kind === "task") return describeTask(trace, row.task, t);
  if (row.kind === "group") return `${groupWords(row.group)}: tasks grouped under their parent`;
  return `${row.tasks.length} tasks in one row (${perRow} per row): hover fewer tasks for details`;
}

/**
 * What one task draws in its lane up to `t`: bars {x, y, width, height, color} (color is a
 * key of timeline.js's colours: a state, or a wait's family), its end mark {state, x, y} or
 * null, and print ticks {x, y}.
 */
function taskMarks(task, t, x, top) {
  const bars = [];
  // A task that only awaits asyncio.sleep(0) steps every few microseconds: thousands of
  // its segments can share one pixel, and drawing each one made a frame take hundreds of
  // milliseconds (Stop waited behind them). Past the first segment in a pixel, one that
  // ends inside that pixel adds nothing to see.
  let drawnTo = -Infinity;
  for (const { start, end, state, wait } of segments(task, t)) {
    const x0 = x(start);
    const x1 = x(end);
    if (x1 < drawnTo) continue;
    drawnTo = Math.floor(x0) + 1;
    const inset = state === "running" ? 3 : 6;
    bars.push({
      x: x0,
      y: top + inset,
      width: Math.max(x1 - x0, state === "running" ? 1.5 : 0),
      height: LANE_HEIGHT - inset * 2,
      color: state === "waiting" ? waitFamily(wait) : state,
      state,
      wait,
    });
  }
  const mid = top + LANE_HEIGHT / 2;
  const end =
    task.end && task.end.t <= t ? { state: task.end.state, x: x(task.end.t), y: mid } : null;
  // A tick above the lane at each line the task printed, one per pixel at most.
  const prints = [];
  let printedTo = -Infinity;
  for (const line of task.prints) {
    if (line.t > t) break;
    const px = Math.round(x(line.t));
    if (px <= printedTo) continue;
    printedTo = px;
    prints.push({ x: px - 0.5, y: top + 1 });
  }
  return { id: task.id, bars, end, prints };
}

/** One row in view: its highlight, its label (cut to maxWidth when painted) and its tasks. */
function laneAt(row, index, top, t, x, labelWidth, highlighted) {
  const mid = top + LANE_HEIGHT / 2;
  const indent = 8 + row.depth * 12;
  const label = { text: "", x: indent, y: mid, maxWidth: labelWidth - indent - 4, font: "task" };
  const lane = { index, kind: row.kind, top, highlighted, label, tasks: [] };
  if (row.kind === "group") {
    label.text = `▾ ${groupWords(row.group)}`;
    label.font = "group";
    return lane;
  }
  const tasks = row.kind === "bundle" ? row.tasks : [row.task];
  label.text =
    row.kind === "bundle"
      ? `${tasks[0].name} … ${tasks.at(-1).name} (${tasks.length})`
      : `${row.task.name} ${row.task.coro}`;
  for (const task of tasks) {
    if (task.created <= t) lane.tasks.push(taskMarks(task, t, x, top));
  }
  return lane;
}

/**
 * The picture of `trace` at time `t`, as plain data. `size`: the scroller's width, the view's
 * height (its max-height), its scrollTop and devicePixelRatio. `view`: live (the axis grows
 * ahead of a running program), and the selected and hovered rows (-1: none). Only the rows in
 * view are laid out: a canvas as tall as 240 lanes would cost every frame.
 */
export function layout(trace, t, size, view = {}) {
  const { width, viewHeight = DEFAULT_VIEW_HEIGHT, scrollTop = 0, dpr = 1 } = size;
  const { live = false, selected = -1, hovered = -1 } = view;
  const { rows, perRow } = rowsOf(trace);
  // The view is as tall as the lanes, up to the scroller's max-height (then it scrolls).
  const fullHeight = AXIS_HEIGHT + Math.max(rows.length, 1) * LANE_HEIGHT + 6;
  const height = Math.min(fullHeight, viewHeight);
  const firstRow = Math.max(0, Math.floor(scrollTop / LANE_HEIGHT));
  const labelWidth = Math.max(MIN_LABEL_WIDTH, Math.min(MAX_LABEL_WIDTH, width * 0.3));
  const plotWidth = Math.max(width - labelWidth - 12, 40);
  const end = trace ? Math.max(trace.end, t) : 0;
  // The axis grows ahead of a live run, so the picture rescales now and then, not always.
  const span = live ? Math.max(1, niceCeil(end * 1.15)) : Math.max(end, 0.05) * 1.02;
  const x = (s) => labelWidth + (s / span) * plotWidth;
  const step = niceStep(span, plotWidth);
  const ticks = [];
  for (let s = 0; s <= span + 1e-9; s += step) {
    ticks.push({ x: Math.round(x(s)) + 0.5, label: `${+s.toFixed(2)} s` });
  }
  const picture = {
    t,
    width,
    height,
    fullHeight,
    dpr,
    canvasWidth: Math.round(width * dpr),
    canvasHeight: Math.round(height * dpr),
    labelWidth,
    plotWidth,
    span,
    step,
    ticks,
    axisEnd: x(span),
    rows,
    perRow,
    firstRow,
    blocked: [],
    lanes: [],
    now: null, // {x, top, bottom}: the line at the time shown
    tip: null, // {text, top} for the selected or hovered row, {text: null} to hide it
  };
  if (!trace) return picture;
  for (const block of trace.blocked) {
    if (block.start > t) continue;
    const x0 = x(block.start);
    const x1 = Math.max(x(Math.min(block.end, t)), x0 + 2);
    picture.blocked.push({ x: x0, width: x1 - x0, task: block.task });
  }
  const visible = Math.ceil((height - AXIS_HEIGHT) / LANE_HEIGHT) + 1;
  for (let i = firstRow; i < Math.min(rows.length, firstRow + visible); i++) {
    const top = AXIS_HEIGHT + (i - firstRow) * LANE_HEIGHT;
    picture.lanes.push(laneAt(rows[i], i, top, t, x, labelWidth, i === selected || i === hovered));
  }
  picture.now = { x: x(t), top: AXIS_HEIGHT - 6, bottom: height };
  const tipped = hovered >= 0 ? hovered : selected;
  if (tipped >= 0) {
    const row = rows[tipped];
    picture.tip = row
      ? {
          text: tipText(trace, row, perRow, t),
          top: scrollTop + AXIS_HEIGHT + (tipped - firstRow + 1) * LANE_HEIGHT + 4,
        }
      : { text: null, top: 0 };
  }
  return picture;
}

/** The row under `offsetY` on the canvas of `picture`, or -1. */
export function rowAt(picture, offsetY) {
  if (offsetY < AXIS_HEIGHT) return -1;
  const i = picture.firstRow + Math.floor((offsetY - AXIS_HEIGHT) / LANE_HEIGHT);
  return i >= 0 && i < picture.rows.length ? i : -1;
}

/** The time under `offsetX` on the canvas of `picture`, within the trace's run. */
export function timeAt(picture, offsetX, end) {
  const { labelWidth, plotWidth, span } = picture;
  return Math.max(0, Math.min(((offsetX - labelWidth) / plotWidth) * span, end));
}
