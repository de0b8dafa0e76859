// The recorded trace as the page keeps it: tasks, their steps and waits, groups and
// loop-blocked spans, built only from the tracer's events (py/playground/tracer.py).
// Pure functions of the events: the drawing and the table both read from here, so they
// always agree with each other and with what the loop did.

export const STATES = ["pending", "running", "waiting", "done", "failed", "cancelled"];

export function createTrace() {
  return { tasks: [], byId: new Map(), groups: new Map(), blocked: [], end: 0, problems: [] };
}

/** Folds a batch of tracer events into `trace`; returns it. */
export function addEvents(trace, events) {
  for (const e of events) {
    switch (e.kind) {
      case "group":
        trace.groups.set(e.group, { id: e.group, type: e.type, label: e.label, owner: e.owner });
        break;
      case "created": {
        const task = {
          id: e.task,
          name: e.name,
          coro: e.coro,
          parent: e.parent,
          group: e.group,
          created: e.t,
          steps: [], // [start, end, wait] per step; wait is what it then waited on, or null
          cancelCause: null,
          end: null, // {t, state, result | error | cause}
        };
        trace.tasks.push(task);
        trace.byId.set(task.id, task);
        trace.end = Math.max(trace.end, e.t);
        break;
      }
      case "step":
        trace.byId.get(e.task)?.steps.push([e.start, e.end, e.wait]);
        trace.end = Math.max(trace.end, e.end);
        break;
      case "cancel": {
        const task = trace.byId.get(e.task);
        if (task && !task.cancelCause) task.cancelCause = e.cause;
        break;
      }
      case "done": {
        const task = trace.byId.get(e.task);
        if (task) task.end = { t: e.t, state: e.state, detail: e.result ?? e.error ?? e.cause };
        trace.end = Math.max(trace.end, e.t);
        break;
      }
      case "blocked":
        trace.blocked.push({ task: e.task, start: e.start, end: e.end });
        break;
      case "tracer_error":
        trace.problems.push(e.message);
        break;
    }
  }
  return trace;
}

/**
 * What `task` is doing at time `t`: {state, wait} with state one of STATES, or null before
 * it exists. A zero-length step counts as running at its instant.
 */
export function stateAt(task, t) {
  if (t < task.created) return null;
  if (task.end && t >= task.end.t) return { state: task.end.state, wait: null };
  let last = null;
  for (const step of task.steps) {
    if (step[0] > t) break;
    if (t < step[1] || t === step[0]) return { state: "running", wait: null };
    last = step;
  }
  if (last && last[2]) return { state: "waiting", wait: last[2] };
  return { state: "pending", wait: null };
}

/**
 * The intervals to draw for `task` up to time `until`: [start, end, state, wait] in order.
 * Pending from creation to its first step, running in steps, waiting (or pending, when it
 * yielded without waiting on anything) between them.
 */
export function segments(task, until) {
  const out = [];
  const stop = Math.min(until, task.end ? task.end.t : until);
  let cursor = task.created;
  let gapState = "pending";
  let gapWait = null;
  for (const [start, end, wait] of task.steps) {
    if (start > stop) break;
    if (start > cursor) out.push([cursor, start, gapState, gapWait]);
    out.push([start, Math.min(end, stop), "running", null]);
    cursor = end;
    gapState = wait ? "waiting" : "pending";
    gapWait = wait;
  }
  if (stop > cursor) out.push([cursor, stop, gapState, gapWait]);
  return out;
}

/**
 * Lanes in reading order: each task under its parent, a group's members together under a
 * header row for the group. Rows are {kind: "task", task, depth} or {kind: "group", group,
 * depth}. Stable: a new task never moves an existing one up.
 */
export function lanes(trace) {
  const children = new Map();
  const roots = [];
  for (const task of trace.tasks) {
    const parent = task.parent != null && trace.byId.has(task.parent) ? task.parent : null;
    if (parent === null) roots.push(task);
    else (children.get(parent) ?? children.set(parent, []).get(parent)).push(task);
  }
  const rows = [];
  const visit = (task, depth) => {
    rows.push({ kind: "task", task, depth });
    const kids = children.get(task.id) ?? [];
    const shown = new Set();
    for (const kid of kids) {
      if (shown.has(kid)) continue;
      if (kid.group == null) {
        visit(kid, depth + 1);
        continue;
      }
      const group = trace.groups.get(kid.group);
      rows.push({ kind: "group", group, depth: depth + 1 });
      for (const member of kids) {
        if (member.group === kid.group) {
          shown.add(member);
          visit(member, depth + 2);
        }
      }
    }
  };
  for (const root of roots) visit(root, 0);
  return rows;
}

/** "5 tasks, 5.0 s of work in 1.0 s": the children's summed lifetimes against wall time. */
export function summary(trace, now) {
  const wall = Math.max(now, trace.end);
  if (!trace.tasks.length) return "";
  const children = trace.tasks.filter((t) => t.parent != null);
  const counted = children.length ? children : trace.tasks;
  const work = counted.reduce((sum, t) => sum + (Math.min(t.end ? t.end.t : wall, wall) - t.created), 0);
  const n = counted.length;
  const concurrency = wall > 0 ? ` (concurrency ${(work / wall).toFixed(1)}×)` : "";
  const blocks = trace.blocked.filter((b) => b.start <= now);
  const blocked = blocks.length
    ? `; loop blocked ${blocks.length}× for ${blocks.reduce((s, b) => s + Math.min(b.end, wall) - b.start, 0).toFixed(2)} s`
    : "";
  return `${n} task${n === 1 ? "" : "s"}, ${work.toFixed(1)} s of work in ${wall.toFixed(1)} s${concurrency}${blocked}`;
}

// --- Chrome Trace Event Format (Perfetto, chrome://tracing) --------------------------------

const US = 1e6; // trace event times are microseconds
const LOOP_TRACK = 0;

/** The trace as Chrome's JSON trace format: one track (thread) per task. */
export function toChromeTrace(trace, title) {
  const events = [
    { ph: "M", pid: 1, tid: LOOP_TRACK, name: "thread_name", args: { name: "event loop" } },
    { ph: "M", pid: 1, name: "process_name", args: { name: title } },
  ];
  for (const [index, task] of trace.tasks.entries()) {
    const tid = task.id;
    events.push(
      { ph: "M", pid: 1, tid, name: "thread_name", args: { name: `${task.name} ${task.coro}` } },
      { ph: "M", pid: 1, tid, name: "thread_sort_index", args: { sort_index: index + 1 } },
    );
    const group = task.group != null ? trace.groups.get(task.group) : null;
    events.push({
      ph: "i", s: "t", pid: 1, tid, ts: task.created * US, name: "created",
      args: {
        task: task.id, name: task.name, coro: task.coro, parent: task.parent,
        group: task.group, group_type: group?.type ?? null, group_label: group?.label ?? null,
        group_owner: group?.owner ?? null,
      },
    }); // prettier-ignore
    for (const [start, end, wait] of task.steps) {
      events.push({
        ph: "X", pid: 1, tid, ts: start * US, dur: (end - start) * US, name: "step",
        args: { wait },
      }); // prettier-ignore
    }
    for (const [start, end, state, wait] of segments(task, trace.end)) {
      if (state === "waiting") {
        events.push({
          ph: "X", pid: 1, tid, ts: start * US, dur: (end - start) * US, name: `waiting on ${wait}`,
        }); // prettier-ignore
      }
    }
    if (task.cancelCause) {
      events.push({
        ph: "i", s: "t", pid: 1, tid, ts: (task.end?.t ?? trace.end) * US, name: "cancel requested",
        args: { cause: task.cancelCause },
      }); // prettier-ignore
    }
    if (task.end) {
      events.push({
        ph: "i", s: "t", pid: 1, tid, ts: task.end.t * US, name: task.end.state,
        args: { state: task.end.state, detail: task.end.detail },
      }); // prettier-ignore
    }
  }
  for (const span of trace.blocked) {
    events.push({
      ph: "X", pid: 1, tid: LOOP_TRACK, ts: span.start * US, dur: (span.end - span.start) * US,
      name: "loop blocked", args: { task: span.task },
    }); // prettier-ignore
  }
  return { traceEvents: events, displayTimeUnit: "ms", otherData: { tool: "asyncio playground" } };
}

/**
 * Reads a trace written by toChromeTrace back into tracer events (throws on anything else).
 */
export function fromChromeTrace(json) {
  const list = Array.isArray(json) ? json : json?.traceEvents;
  if (!Array.isArray(list)) throw new Error("not a Chrome trace: no traceEvents");
  const events = [];
  const groups = new Set();
  const sorted = list.filter((e) => e && e.ph !== "M").sort((a, b) => a.ts - b.ts);
  for (const e of sorted) {
    if (e.name === "created" && e.args?.task != null) {
      const a = e.args;
      if (a.group != null && !groups.has(a.group)) {
        groups.add(a.group);
        events.push({ kind: "group", group: a.group, type: a.group_type, label: a.group_label, owner: a.group_owner });
      }
      events.push({ kind: "created", t: e.ts / US, task: a.task, name: a.name, coro: a.coro, parent: a.parent, group: a.group });
    } else if (e.name === "step" && e.ph === "X") {
      events.push({ kind: "step", task: e.tid, start: e.ts / US, end: (e.ts + e.dur) / US, wait: e.args?.wait ?? null });
    } else if (e.name === "cancel requested") {
      events.push({ kind: "cancel", t: e.ts / US, task: e.tid, cause: e.args?.cause });
    } else if (e.ph === "i" && e.args?.state) {
      const done = { kind: "done", t: e.ts / US, task: e.tid, state: e.args.state };
      const key = { done: "result", failed: "error", cancelled: "cause" }[e.args.state];
      if (key) done[key] = e.args.detail;
      events.push(done);
    } else if (e.name === "loop blocked") {
      events.push({ kind: "blocked", task: e.args?.task, start: e.ts / US, end: (e.ts + e.dur) / US });
    }
  }
  if (!events.some((e) => e.kind === "created")) throw new Error("no asyncio tasks in this trace");
  // A step and the task's end share a time stamp; the end must come after its last step.
  const order = { group: 0, created: 1, step: 2, cancel: 3, blocked: 3, done: 4 };
  return events
    .map((e, i) => [e, i])
    .sort(([a, i], [b, j]) => (a.t ?? a.start) - (b.t ?? b.start) || order[a.kind] - order[b.kind] || i - j)
    .map(([e]) => e);
}
