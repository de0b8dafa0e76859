// The live task timeline: one lane per task, drawn on a canvas once per animation frame.
// Layout is a pure function of the trace (trace-model.js) and the time shown; drawing only
// reads from it. As in uPlot, changes only mark the picture dirty and one frame redraws it.
import {
  endWords,
  groupWords,
  lanes,
  segments,
  stateAt,
  summary,
  waitFamily,
  waitWords,
} from "../record/trace-model.js";

const LANE_HEIGHT = 22;
const AXIS_HEIGHT = 22;
// Past this many rows the lanes are aggregated, several tasks to a row, as trace viewers do,
// so that 10,000 tasks still draw in a frame and fit a canvas.
const MAX_ROWS = 240;
const MIN_LABEL_WIDTH = 120;
const MAX_LABEL_WIDTH = 260;
const TICK_STEPS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];
const MIN_TICK_PX = 64;

const COLOR_VARS = {
  text: "--text",
  muted: "--muted",
  border: "--border",
  panel: "--panel",
  pending: "--tl-pending",
  running: "--tl-running",
  sleep: "--tl-wait-sleep",
  tasks: "--tl-wait-tasks",
  other: "--tl-wait-other",
  done: "--tl-done",
  failed: "--tl-failed",
  cancelled: "--tl-cancelled",
  blocked: "--tl-blocked",
  now: "--tl-now",
};

// The colours as a canvas takes them. A custom property's computed value is its text, here
// light-dark(light, dark) (style.css), so each is resolved as a probe element's colour.
function readColors() {
  const probe = document.createElement("span");
  probe.hidden = true;
  document.body.append(probe);
  const colors = Object.fromEntries(
    Object.entries(COLOR_VARS).map(([key, name]) => {
      probe.style.color = `var(${name})`;
      return [key, getComputedStyle(probe).color];
    }),
  );
  probe.remove();
  return colors;
}

function niceStep(seconds, width) {
  const fit = (seconds * MIN_TICK_PX) / Math.max(width, 1);
  return TICK_STEPS.find((s) => s >= fit) ?? TICK_STEPS.at(-1);
}

// The printed lines a lane's tip shows, the last ones up to the time shown.
const PRINTS_IN_TIP = 3;

function describeTask(trace, task, t) {
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

/**
 * `canvas` draws; `tip` shows details of the hovered or focused lane. `onTime(t)` is called
 * when the learner scrubs to a time (dragging, or arrow keys on the focused canvas).
 */
export function createTimeline(canvas, tip, { onTime, scroller, spacer }) {
  const ctx = canvas.getContext("2d");
  let colors = readColors();
  let trace = null;
  let shownTime = 0; // the time the picture shows (the live "now", or a scrubbed time)
  let live = false;
  let rows = [];
  let rowCount = -1; // tasks + groups the rows were made for
  let perRow = 1;
  let selected = -1;
  let hovered = -1;
  let frame = 0;
  let geometry = { width: 0, labelWidth: 0, plotWidth: 0, span: 1 };
  let firstRow = 0; // the first lane in view

  const scheme = matchMedia("(prefers-color-scheme: dark)");
  scheme.addEventListener("change", () => {
    colors = readColors();
    invalidate();
  });

  function invalidate() {
    if (!frame) frame = requestAnimationFrame(draw);
  }

  function layoutRows() {
    const count = trace ? trace.tasks.length + trace.groups.size : 0;
    if (count === rowCount) return;
    rowCount = count;
    const all = trace ? lanes(trace) : [];
    perRow = Math.max(1, Math.ceil(all.length / MAX_ROWS));
    if (perRow === 1) {
      rows = all;
      return;
    }
    rows = [];
    for (let i = 0; i < all.length; i += perRow) {
      const chunk = all.slice(i, i + perRow).filter((r) => r.kind === "task");
      if (chunk.length) rows.push({ kind: "bundle", tasks: chunk.map((r) => r.task), depth: 0 });
    }
  }

  function draw() {
    frame = 0;
    layoutRows();
    // Read phase: the only layout reads, before any write.
    const width = scroller.clientWidth;
    // The view is as tall as the lanes, up to the scroller's max-height (then it scrolls).
    const viewHeight = parseFloat(getComputedStyle(scroller).maxHeight) || 448;
    const scrollTop = scroller.scrollTop;
    const dpr = window.devicePixelRatio || 1;
    const fullHeight = AXIS_HEIGHT + Math.max(rows.length, 1) * LANE_HEIGHT + 6;
    // Only the visible part is drawn: a canvas as tall as 240 lanes would cost every frame.
    const height = Math.min(fullHeight, viewHeight);
    firstRow = Math.max(0, Math.floor(scrollTop / LANE_HEIGHT));
    // Write phase.
    spacer.style.height = `${fullHeight}px`;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const labelWidth = Math.max(MIN_LABEL_WIDTH, Math.min(MAX_LABEL_WIDTH, width * 0.3));
    const plotWidth = Math.max(width - labelWidth - 12, 40);
    const end = trace ? Math.max(trace.end, shownTime) : 0;
    // The axis grows ahead of a live run, so the picture rescales now and then, not always.
    const span = live ? Math.max(1, niceCeil(end * 1.15)) : Math.max(end, 0.05) * 1.02;
    geometry = { width, labelWidth, plotWidth, span };
    const x = (t) => labelWidth + (t / span) * plotWidth;
    drawGrid(x, span, plotWidth, height);
    if (!trace) return;
    for (const block of trace.blocked) {
      if (block.start > shownTime) continue;
      const x0 = x(block.start);
      const x1 = Math.max(x(Math.min(block.end, shownTime)), x0 + 2);
      ctx.fillStyle = colors.blocked;
      ctx.fillRect(x0, AXIS_HEIGHT, x1 - x0, height - AXIS_HEIGHT);
      ctx.fillStyle = colors.failed;
      ctx.font = "11px system-ui, sans-serif";
      ctx.fillText("loop blocked", x0 + 3, AXIS_HEIGHT + 11);
    }
    const visible = Math.ceil((height - AXIS_HEIGHT) / LANE_HEIGHT) + 1;
    for (let i = firstRow; i < Math.min(rows.length, firstRow + visible); i++) {
      drawRow(rows[i], i, x, labelWidth);
    }
    // The axis last, over the lanes: it stays put while the lanes scroll under it.
    ctx.fillStyle = colors.panel;
    ctx.fillRect(0, 0, width, AXIS_HEIGHT);
    drawAxis(x, span, plotWidth);
    const nowX = x(shownTime);
    ctx.strokeStyle = colors.now;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(nowX, AXIS_HEIGHT - 6);
    ctx.lineTo(nowX, height);
    ctx.stroke();
    if (selected >= 0 || hovered >= 0) showTip(hovered >= 0 ? hovered : selected);
  }

  function drawGrid(x, span, plotWidth, height) {
    const step = niceStep(span, plotWidth);
    ctx.lineWidth = 1;
    ctx.strokeStyle = colors.border;
    ctx.beginPath();
    for (let t = 0; t <= span + 1e-9; t += step) {
      const px = Math.round(x(t)) + 0.5;
      ctx.moveTo(px, AXIS_HEIGHT - 4);
      ctx.lineTo(px, height);
    }
    ctx.stroke();
  }

  function drawAxis(x, span, plotWidth) {
    const step = niceStep(span, plotWidth);
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    ctx.fillStyle = colors.muted;
    for (let t = 0; t <= span + 1e-9; t += step) {
      const px = Math.round(x(t)) + 0.5;
      const label = `${+t.toFixed(2)} s`;
      ctx.fillText(
        label,
        Math.min(px + 3, x(span) - ctx.measureText(label).width),
        AXIS_HEIGHT / 2,
      );
    }
    ctx.strokeStyle = colors.border;
    ctx.beginPath();
    ctx.moveTo(0, AXIS_HEIGHT - 0.5);
    ctx.lineTo(x(span), AXIS_HEIGHT - 0.5);
    ctx.stroke();
  }

  function drawRow(row, i, x, labelWidth) {
    const top = AXIS_HEIGHT + (i - firstRow) * LANE_HEIGHT;
    const mid = top + LANE_HEIGHT / 2;
    ctx.textBaseline = "middle";
    const indent = 8 + row.depth * 12;
    if (i === selected || i === hovered) {
      ctx.fillStyle = colors.border;
      ctx.globalAlpha = 0.35;
      ctx.fillRect(0, top, geometry.width, LANE_HEIGHT);
      ctx.globalAlpha = 1;
    }
    if (row.kind === "group") {
      ctx.fillStyle = colors.muted;
      ctx.font = "600 11px system-ui, sans-serif";
      ctx.fillText(fit(`▾ ${groupWords(row.group)}`, labelWidth - indent - 4), indent, mid);
      return;
    }
    const tasks = row.kind === "bundle" ? row.tasks : [row.task];
    ctx.font = "12px system-ui, sans-serif";
    ctx.fillStyle = colors.text;
    const label =
      row.kind === "bundle"
        ? `${tasks[0].name} … ${tasks.at(-1).name} (${tasks.length})`
        : `${row.task.name} ${row.task.coro}`;
    ctx.fillText(fit(label, labelWidth - indent - 4), indent, mid);
    for (const task of tasks) {
      if (task.created > shownTime) continue;
      // A task that only awaits asyncio.sleep(0) steps every few microseconds: thousands of
      // its segments can share one pixel, and drawing each one made a frame take hundreds of
      // milliseconds (Stop waited behind them). Past the first segment in a pixel, one that
      // ends inside that pixel adds nothing to see.
      let drawnTo = -Infinity;
      for (const { start, end, state, wait } of segments(task, shownTime)) {
        const x0 = x(start);
        const x1 = x(end);
        if (x1 < drawnTo) continue;
        drawnTo = Math.floor(x0) + 1;
        const w = Math.max(x1 - x0, state === "running" ? 1.5 : 0);
        ctx.fillStyle = state === "waiting" ? colors[waitFamily(wait)] : colors[state];
        const inset = state === "running" ? 3 : 6;
        ctx.fillRect(x0, top + inset, w, LANE_HEIGHT - inset * 2);
      }
      if (task.end && task.end.t <= shownTime) drawEnd(task.end.state, x(task.end.t), mid);
      drawPrints(task, x, top);
    }
  }

  // A tick above the lane at each line the task printed, one per pixel at most.
  function drawPrints(task, x, top) {
    ctx.fillStyle = colors.text;
    let drawnTo = -Infinity;
    for (const line of task.prints) {
      if (line.t > shownTime) break;
      const px = Math.round(x(line.t));
      if (px <= drawnTo) continue;
      drawnTo = px;
      ctx.fillRect(px - 0.5, top + 1, 1.5, 4);
    }
  }

  function drawEnd(state, px, mid) {
    ctx.fillStyle = colors[state];
    ctx.strokeStyle = colors[state];
    ctx.lineWidth = 2;
    if (state === "done") {
      ctx.beginPath();
      ctx.arc(px, mid, 4, 0, Math.PI * 2);
      ctx.fill();
    } else if (state === "failed") {
      ctx.beginPath();
      ctx.moveTo(px, mid - 6);
      ctx.lineTo(px + 5, mid + 4);
      ctx.lineTo(px - 5, mid + 4);
      ctx.closePath();
      ctx.fill();
    } else {
      ctx.beginPath();
      ctx.moveTo(px - 4, mid - 4);
      ctx.lineTo(px + 4, mid + 4);
      ctx.moveTo(px + 4, mid - 4);
      ctx.lineTo(px - 4, mid + 4);
      ctx.stroke();
    }
  }

  // Labels are cut with an ellipsis rather than squeezed; widths are cached per font+text.
  const fitted = new Map();
  function fit(text, width) {
    const key = `${ctx.font}|${width}|${text}`;
    let out = fitted.get(key);
    if (out === undefined) {
      out = text;
      if (ctx.measureText(text).width > width) {
        let lo = 0;
        let hi = text.length;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (ctx.measureText(`${text.slice(0, mid)}…`).width <= width) lo = mid;
          else hi = mid - 1;
        }
        out = `${text.slice(0, lo)}…`;
      }
      if (fitted.size > 5000) fitted.clear();
      fitted.set(key, out);
    }
    return out;
  }

  function rowAt(offsetY) {
    if (offsetY < AXIS_HEIGHT) return -1;
    const i = firstRow + Math.floor((offsetY - AXIS_HEIGHT) / LANE_HEIGHT);
    return i >= 0 && i < rows.length ? i : -1;
  }

  function timeAt(offsetX) {
    const { labelWidth, plotWidth, span } = geometry;
    return Math.max(0, Math.min(((offsetX - labelWidth) / plotWidth) * span, trace?.end ?? 0));
  }

  function showTip(i) {
    const row = rows[i];
    if (!row || !trace) {
      tip.hidden = true;
      return;
    }
    tip.textContent =
      row.kind === "task"
        ? describeTask(trace, row.task, shownTime)
        : row.kind === "group"
          ? `${groupWords(row.group)}: tasks grouped under their parent`
          : `${row.tasks.length} tasks in one row (${perRow} per row): hover fewer tasks for details`;
    tip.hidden = false;
    tip.style.top = `${scroller.scrollTop + AXIS_HEIGHT + (i - firstRow + 1) * LANE_HEIGHT + 4}px`;
  }

  let dragging = false;
  canvas.addEventListener("pointermove", (event) => {
    const i = rowAt(event.offsetY);
    if (i !== hovered) {
      hovered = i;
      if (i < 0) tip.hidden = selected < 0;
      invalidate();
    }
    if (dragging) onTime(timeAt(event.offsetX));
  });
  canvas.addEventListener("pointerleave", () => {
    hovered = -1;
    tip.hidden = selected < 0;
    invalidate();
  });
  canvas.addEventListener("pointerdown", (event) => {
    if (live || !trace || event.offsetX < geometry.labelWidth) return;
    dragging = true;
    canvas.setPointerCapture(event.pointerId);
    onTime(timeAt(event.offsetX));
  });
  canvas.addEventListener("pointerup", () => {
    dragging = false;
  });
  canvas.addEventListener("keydown", (event) => {
    const moves = { ArrowDown: 1, ArrowUp: -1, Home: -Infinity, End: Infinity };
    if (event.key in moves && rows.length) {
      event.preventDefault();
      selected = Math.max(0, Math.min(rows.length - 1, Math.max(selected, 0) + moves[event.key]));
      const top = selected * LANE_HEIGHT;
      const view = scroller.clientHeight - AXIS_HEIGHT;
      if (top < scroller.scrollTop) scroller.scrollTop = top;
      else if (top + LANE_HEIGHT > scroller.scrollTop + view)
        scroller.scrollTop = top + LANE_HEIGHT - view;
      invalidate();
    } else if ((event.key === "ArrowLeft" || event.key === "ArrowRight") && !live && trace) {
      event.preventDefault();
      const step = niceStep(geometry.span, geometry.plotWidth) / 4;
      onTime(
        Math.max(0, Math.min(trace.end, shownTime + (event.key === "ArrowLeft" ? -step : step))),
      );
    } else if (event.key === "Escape") {
      selected = -1;
      tip.hidden = true;
      invalidate();
    }
  });
  canvas.addEventListener("focus", () => {
    if (selected < 0 && rows.length) selected = 0;
    invalidate();
  });
  canvas.addEventListener("blur", () => {
    selected = -1;
    tip.hidden = hovered < 0;
    invalidate();
  });
  new ResizeObserver(invalidate).observe(scroller);
  scroller.addEventListener("scroll", invalidate, { passive: true });

  return {
    /** Shows `nextTrace` at time `t`; `isLive` while the program runs. */
    show(nextTrace, t, isLive) {
      if (nextTrace !== trace) {
        rowCount = -1;
        selected = hovered = -1;
        tip.hidden = true;
      }
      trace = nextTrace;
      shownTime = t;
      live = isLive;
      invalidate();
    },
    summary: (t) => (trace ? summary(trace, t) : ""),
  };
}

function niceCeil(value) {
  const steps = [1, 1.5, 2, 3, 5, 7.5, 10];
  const scale = 10 ** Math.floor(Math.log10(Math.max(value, 1e-3)));
  return (steps.find((s) => s * scale >= value) ?? 10) * scale;
}
