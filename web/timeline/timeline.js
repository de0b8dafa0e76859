// The live task timeline: one lane per task, drawn on a canvas. What to draw is layout.js's
// pure function of the trace (trace-model.js), the time shown and the canvas's size; this
// file only paints it, and handles the pointer and keys. As in uPlot (leeoniya/uPlot), a change
// only marks the picture dirty: the panel's one animation frame measures, then draws it
// (measure() before any write of that frame, draw() after), together with the Tasks table.
import { summary } from "../record/trace-model.js";
import { AXIS_HEIGHT, LANE_HEIGHT, layout, niceStep, rowAt, timeAt } from "./layout.js";

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
const FONTS = {
  axis: "11px system-ui, sans-serif",
  group: "600 11px system-ui, sans-serif",
  task: "12px system-ui, sans-serif",
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

// Labels are cut with an ellipsis rather than squeezed; widths are cached per font+text.
function createFitter(ctx) {
  const fitted = new Map();
  return (text, width) => {
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
  };
}

function paintGrid(ctx, colors, picture) {
  ctx.lineWidth = 1;
  ctx.strokeStyle = colors.border;
  ctx.beginPath();
  for (const tick of picture.ticks) {
    ctx.moveTo(tick.x, AXIS_HEIGHT - 4);
    ctx.lineTo(tick.x, picture.height);
  }
  ctx.stroke();
}

function paintBlocked(ctx, colors, picture) {
  for (const block of picture.blocked) {
    ctx.fillStyle = colors.blocked;
    ctx.fillRect(block.x, AXIS_HEIGHT, block.width, picture.height - AXIS_HEIGHT);
    ctx.fillStyle = colors.failed;
    ctx.font = FONTS.axis;
    ctx.textBaseline = "middle";
    ctx.fillText("loop blocked", block.x + 3, AXIS_HEIGHT + 11);
  }
}

// The axis is painted last but for the "now" line, over the lanes: it stays put while they
// scroll under it.
function paintAxis(ctx, colors, picture) {
  ctx.fillStyle = colors.panel;
  ctx.fillRect(0, 0, picture.width, AXIS_HEIGHT);
  ctx.font = FONTS.axis;
  ctx.textBaseline = "middle";
  ctx.fillStyle = colors.muted;
  for (const { x, label } of picture.ticks) {
    const right = picture.axisEnd - ctx.measureText(label).width;
    ctx.fillText(label, Math.min(x + 3, right), AXIS_HEIGHT / 2);
  }
  ctx.strokeStyle = colors.border;
  ctx.beginPath();
  ctx.moveTo(0, AXIS_HEIGHT - 0.5);
  ctx.lineTo(picture.axisEnd, AXIS_HEIGHT - 0.5);
  ctx.stroke();
  const { now } = picture;
  ctx.strokeStyle = colors.now;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(now.x, now.top);
  ctx.lineTo(now.x, now.bottom);
  ctx.stroke();
}

function paintEnd(ctx, colors, { state, x, y }) {
  ctx.fillStyle = colors[state];
  ctx.strokeStyle = colors[state];
  ctx.lineWidth = 2;
  ctx.beginPath();
  if (state === "done") {
    ctx.arc(x, y, 4, 0, Math.PI * 2);
    ctx.fill();
  } else if (state === "failed") {
    ctx.moveTo(x, y - 6);
    ctx.lineTo(x + 5, y + 4);
    ctx.lineTo(x - 5, y + 4);
    ctx.closePath();
    ctx.fill();
  } else {
    ctx.moveTo(x - 4, y - 4);
    ctx.lineTo(x + 4, y + 4);
    ctx.moveTo(x + 4, y - 4);
    ctx.lineTo(x - 4, y + 4);
    ctx.stroke();
  }
}

function paintLane(ctx, colors, fit, picture, lane) {
  ctx.textBaseline = "middle";
  if (lane.highlighted) {
    ctx.fillStyle = colors.border;
    ctx.globalAlpha = 0.35;
    ctx.fillRect(0, lane.top, picture.width, LANE_HEIGHT);
    ctx.globalAlpha = 1;
  }
  const { label } = lane;
  ctx.font = FONTS[label.font];
  ctx.fillStyle = label.font === "group" ? colors.muted : colors.text;
  ctx.fillText(fit(label.text, label.maxWidth), label.x, label.y);
  for (const task of lane.tasks) {
    for (const bar of task.bars) {
      ctx.fillStyle = colors[bar.color];
      ctx.fillRect(bar.x, bar.y, bar.width, bar.height);
    }
    if (task.end) paintEnd(ctx, colors, task.end);
    ctx.fillStyle = colors.text;
    for (const tick of task.prints) ctx.fillRect(tick.x, tick.y, 1.5, 4);
  }
}

/** Paints `picture` (layout.js) on `ctx`, whose canvas is already picture's size. */
export function paint(ctx, colors, fit, picture) {
  ctx.setTransform(picture.dpr, 0, 0, picture.dpr, 0, 0);
  ctx.clearRect(0, 0, picture.width, picture.height);
  paintGrid(ctx, colors, picture);
  if (!picture.now) return; // no trace yet: an empty grid
  paintBlocked(ctx, colors, picture);
  for (const lane of picture.lanes) paintLane(ctx, colors, fit, picture, lane);
  paintAxis(ctx, colors, picture);
}

/**
 * `canvas` draws; `tip` shows details of the hovered or focused lane. `onTime(t)` is called
 * when the learner scrubs to a time (dragging, or arrow keys on the focused canvas);
 * `onDirty()` when the picture needs drawing again (hover, focus, scroll, resize, theme): the
 * panel then calls measure() and draw() in its next animation frame.
 */
export function createTimeline(canvas, tip, { onTime, onDirty, scroller, spacer }) {
  const ctx = canvas.getContext("2d");
  const fit = createFitter(ctx);
  let colors = readColors();
  let trace = null;
  let shownTime = 0; // the time the picture shows (the live "now", or a scrubbed time)
  let live = false;
  let selected = -1;
  let hovered = -1;
  let picture = layout(null, 0, { width: 0 }); // the last one drawn: what the pointer is over

  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    colors = readColors();
    onDirty();
  });

  let dragging = false;
  canvas.addEventListener("pointermove", (event) => {
    const i = rowAt(picture, event.offsetY);
    if (i !== hovered) {
      hovered = i;
      if (i < 0) tip.hidden = selected < 0;
      onDirty();
    }
    if (dragging) onTime(timeAt(picture, event.offsetX, trace?.end ?? 0));
  });
  canvas.addEventListener("pointerleave", () => {
    hovered = -1;
    tip.hidden = selected < 0;
    onDirty();
  });
  canvas.addEventListener("pointerdown", (event) => {
    if (live || !trace || event.offsetX < picture.labelWidth) return;
    dragging = true;
    canvas.setPointerCapture(event.pointerId);
    onTime(timeAt(picture, event.offsetX, trace.end));
  });
  canvas.addEventListener("pointerup", () => {
    dragging = false;
  });
  canvas.addEventListener("keydown", (event) => {
    const moves = { ArrowDown: 1, ArrowUp: -1, Home: -Infinity, End: Infinity };
    const count = picture.rows.length;
    if (event.key in moves && count) {
      event.preventDefault();
      selected = Math.max(0, Math.min(count - 1, Math.max(selected, 0) + moves[event.key]));
      const top = selected * LANE_HEIGHT;
      const view = scroller.clientHeight - AXIS_HEIGHT;
      if (top < scroller.scrollTop) scroller.scrollTop = top;
      else if (top + LANE_HEIGHT > scroller.scrollTop + view)
        scroller.scrollTop = top + LANE_HEIGHT - view;
      onDirty();
    } else if ((event.key === "ArrowLeft" || event.key === "ArrowRight") && !live && trace) {
      event.preventDefault();
      const step = niceStep(picture.span, picture.plotWidth) / 4;
      onTime(
        Math.max(0, Math.min(trace.end, shownTime + (event.key === "ArrowLeft" ? -step : step))),
      );
    } else if (event.key === "Escape") {
      selected = -1;
      tip.hidden = true;
      onDirty();
    }
  });
  canvas.addEventListener("focus", () => {
    if (selected < 0 && picture.rows.length) selected = 0;
    onDirty();
  });
  canvas.addEventListener("blur", () => {
    selected = -1;
    tip.hidden = hovered < 0;
    onDirty();
  });
  new ResizeObserver(() => onDirty()).observe(scroller);
  scroller.addEventListener("scroll", () => onDirty(), { passive: true });

  return {
    /** Shows `nextTrace` at time `t` from the next draw on; `isLive` while the program runs. */
    show(nextTrace, t, isLive) {
      if (nextTrace !== trace) {
        selected = hovered = -1;
        tip.hidden = true;
      }
      trace = nextTrace;
      shownTime = t;
      live = isLive;
    },
    /** The read phase of a frame: the only layout reads, before any write. */
    measure: () => ({
      width: scroller.clientWidth,
      viewHeight: parseFloat(getComputedStyle(scroller).maxHeight) || undefined,
      scrollTop: scroller.scrollTop,
      dpr: window.devicePixelRatio || 1,
    }),
    /** The write phase: lays the picture out for `size` (from measure()) and paints it. */
    draw(size) {
      picture = layout(trace, shownTime, size, { live, selected, hovered });
      spacer.style.height = `${picture.fullHeight}px`;
      if (canvas.width !== picture.canvasWidth || canvas.height !== picture.canvasHeight) {
        canvas.width = picture.canvasWidth;
        canvas.height = picture.canvasHeight;
        canvas.style.width = `${picture.width}px`;
        canvas.style.height = `${picture.height}px`;
      }
      paint(ctx, colors, fit, picture);
      if (picture.tip?.text == null) {
        if (picture.tip) tip.hidden = true;
      } else {
        tip.textContent = picture.tip.text;
        tip.hidden = false;
        tip.style.top = `${picture.tip.top}px`;
      }
    },
    summary: (t) => (trace ? summary(trace, t) : ""),
  };
}
