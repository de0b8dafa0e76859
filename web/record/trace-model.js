// The recorded trace as the page keeps it: tasks, their steps and waits, groups and
// loop-blocked spans, built only from the tracer's events (py/playground/tracer.py).
// Pure functions of the events: the drawing and the table both read from here, so they
// always agree with each other and with what the loop did.

export function createTrace() {
  return { tasks: [], byId: new Map(), groups: new Map(), blocked: [], end: 0, problems: [] };
}

const US = 1e6; // the tracer's times, and trace event times, are microseconds

// Items in each kind of event, its name included: the tracer's ARITY
// (py/playground/tracer.py), and "tracer_error" with its message.
const ARITY = { group: 5, created: 7, step: 5, cancel: 4, done: 5, blocked: 4, tracer_error: 2 };

/**
 * Folds a batch of tracer events into `trace`; returns it. The batch is flat: each event's
 * items end to end, its name first, as documented in py/playground/tracer.py. The trace
 * keeps seconds.
 */
export function addEvents(trace, events) {
  for (let i = 0; i < events.length; ) {
    const size = ARITY[events[i]];
    if (!size) {
      // Nothing after an unknown item can be read: its length is unknown.
      trace.problems.push(`unknown event ${JSON.stringify(events[i])}`);
      break;
    }
    const e = events.slice(i, (i += size));
    switch (e[0]) {
      case "group": {
        const [, id, type, label, owner] = e;
        trace.groups.set(id, { id, type, label, owner });
        break;
      }
      case "created": {
        const [, us, id, name, coro, parent, group] = e;
        const t = us / US;
        const task = {
          id,
          name,
          coro,
          parent,
          group,
          created: t,
          steps: [], // [start, end, wait] per step; wait is what it then waited on, or null
          end: null, // {t, state, detail}: detail is the result, the error or the cause
        };
        trace.tasks.push(task);
        trace.byId.set(id, task);
        trace.end = Math.max(trace.end, t);
        break;
      }
      case "step": {
        const [, id, startUs, endUs, wait] = e;
        const [start, end] = [startUs / US, endUs / US];
        trace.byId.get(id)?.steps.push([start, end, wait]);
        trace.end = Math.max(trace.end, end);
        break;
      }
      // "cancel" (a request) needs no record: a cancelled task's end carries the cause.
      case "done": {
        const [, us, id, state, detail] = e;
        const t = us / US;
        const task = trace.byId.get(id);
        if (task) task.end = { t, state, detail };
        trace.end = Math.max(trace.end, t);
        break;
      }
      case "blocked": {
        const [, task, start, end] = e;
        trace.blocked.push({ task, start: start / US, end: end / US });
        break;
      }
      case "tracer_error":
        trace.problems.push(e[1]);
        break;
    }
  }
  return trace;
}

/**
 * What `task` is doing at time `t`: {state, wait} with state one of pending, running,
 * waiting, done, failed, cancelled (the Tasks table's words), or null before
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
 * Reads a trace written by toChromeTrace back into a flat batch of tracer events, as addEvents
 * takes them (throws on anything else).
 */
export function fromChromeTrace(json) {
  const list = Array.isArray(json) ? json : json?.traceEvents;
  if (!Array.isArray(list)) throw new Error("not a Chrome trace: no traceEvents");
  const events = [];
  const groups = new Set();
  const time = (e) => e.ts; // microseconds, as the tracer's
  for (const e of list.filter((x) => x && x.ph !== "M")) {
    const a = e.args ?? {};
    if (e.name === "created" && a.task != null) {
      if (a.group != null && !groups.has(a.group)) {
        groups.add(a.group);
        events.push([time(e), 0, ["group", a.group, a.group_type, a.group_label, a.group_owner]]);
      }
      events.push([time(e), 1, ["created", time(e), a.task, a.name, a.coro, a.parent, a.group]]);
    } else if (e.name === "step" && e.ph === "X") {
      events.push([time(e), 2, ["step", e.tid, time(e), e.ts + e.dur, a.wait ?? null]]);
    } else if (e.ph === "i" && a.state) {
      events.push([time(e), 4, ["done", time(e), e.tid, a.state, a.detail]]);
    } else if (e.name === "loop blocked") {
      events.push([time(e), 3, ["blocked", a.task, time(e), e.ts + e.dur]]);
    }
  }
  if (!events.some(([, , e]) => e[0] === "created")) throw new Error("no asyncio tasks in it");
  // By time; at one instant a task is created before it steps, and steps before it ends.
  return events
    .map((entry, i) => [...entry, i])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[3] - b[3])
    .flatMap((entry) => entry[2]);
}
