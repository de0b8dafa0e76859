// The recorded trace as the page keeps it: tasks, their steps and waits, groups and
// loop-blocked spans, built only from the tracer's events, read by the names that
// py/playground/trace_schema.json declares (the tracer writes them in that order). Pure
// functions of the events: the drawing, the table, the run record's facts and the exported
// trace all read from here, so they always agree with each other and with what the loop did.
// The words for a wait or a cancellation cause are made here too, from the schema's templates,
// as the Python side (py/playground/schema.py) makes them.
import SCHEMA from "../../py/playground/trace_schema.json" with { type: "json" };

const US = 1e6; // the tracer's times, and Chrome trace times, are microseconds

// Per kind, its fields' names, and which of them are times (microseconds on the wire).
const EVENTS = Object.fromEntries(
  Object.entries(SCHEMA.events).map(([kind, spec]) => [
    kind,
    {
      names: spec.fields.map(([name]) => name),
      times: new Set(spec.fields.filter(([, type]) => type === "us").map(([name]) => name)),
    },
  ]),
);

export function createTrace() {
  // prints: every line printed, {t, task, stream, text} (task null: outside every task).
  return {
    tasks: [],
    byId: new Map(),
    groups: new Map(),
    blocked: [],
    prints: [],
    end: 0,
    problems: [],
  };
}

/** One event of a flat batch, starting at `i`: {kind, ...fields} (times in seconds), or null. */
function readEvent(events, i) {
  const spec = EVENTS[events[i]];
  if (!spec) return null;
  const event = { kind: events[i] };
  spec.names.forEach((name, k) => {
    const value = events[i + 1 + k];
    event[name] = spec.times.has(name) ? value / US : value;
  });
  return event;
}

/**
 * Folds a batch of tracer events into `trace`; returns it. The batch is flat: each event's
 * items end to end, its kind first (see py/playground/trace_schema.json).
 */
export function addEvents(trace, events) {
  for (let i = 0; i < events.length; ) {
    const e = readEvent(events, i);
    if (!e) {
      // Nothing after an unknown item can be read: its length is unknown.
      trace.problems.push(`unknown event ${JSON.stringify(events[i])}`);
      break;
    }
    i += 1 + EVENTS[e.kind].names.length;
    switch (e.kind) {
      case "group":
        trace.groups.set(e.group, { id: e.group, type: e.type, owner: e.owner, size: e.size });
        break;
      case "created": {
        const task = {
          id: e.task,
          name: e.name,
          coro: e.coro, // its coroutine and arguments in words, for people
          function: e.function, // the same as data (see trace_schema.json)
          args: e.args,
          cut: e.cut,
          parent: e.parent,
          group: e.group,
          created: e.t,
          steps: [], // {start, end, wait}: wait is what it then waited on (schema data) or null
          end: null, // {t, state, result, resultPrinted, error, cause}: the ones its state says
          prints: [], // the lines it printed, as in trace.prints
        };
        trace.tasks.push(task);
        trace.byId.set(task.id, task);
        trace.end = Math.max(trace.end, e.t);
        break;
      }
      case "step":
        trace.byId.get(e.task)?.steps.push({ start: e.start, end: e.end, wait: e.wait });
        trace.end = Math.max(trace.end, e.end);
        break;
      // "cancel" (a request) needs no record: a cancelled task's end carries the cause.
      case "done": {
        const task = trace.byId.get(e.task);
        if (task) {
          const detail = endDetail(e.state, e.detail);
          task.end = { t: e.t, state: e.state, ...detail, resultPrinted: e.result_printed };
        }
        trace.end = Math.max(trace.end, e.t);
        break;
      }
      case "blocked":
        trace.blocked.push({ task: e.task, start: e.start, end: e.end });
        break;
      case "printed": {
        // A print does not extend the run's end: the facts are the tasks' (as run_view's).
        const line = { t: e.t, task: e.task, stream: e.stream, text: e.text };
        trace.prints.push(line);
        if (e.task != null) trace.byId.get(e.task)?.prints.push(line);
        break;
      }
      case "tracer_error":
        trace.problems.push(e.message);
        break;
    }
  }
  return trace;
}

function endDetail(state, detail) {
  if (state === "failed") return { result: null, error: detail, cause: null };
  if (state === "cancelled") return { result: null, error: null, cause: detail };
  return { result: detail, error: null, cause: null };
}

// --- words, from the schema's templates ------------------------------------------------

/** A number as Python and JavaScript both print it: 1.5, 5 (not 5.0). */
const numberWords = (x) => (typeof x === "number" ? String(x) : "?");

function taskFacts(trace, id) {
  const task = id == null ? null : trace.byId.get(id);
  if (!task) return null;
  const facts = { name: task.name, label: task.coro };
  if (task.end) facts.error = task.end.state === "failed" ? task.end.error[1] : task.end.state;
  return facts;
}

function fill(template, args, trace) {
  return template.replace(/\{(\w+)(?:\.(\w+))?\}/g, (_, name, attribute) => {
    if (!attribute)
      return typeof args[name] === "number" ? numberWords(args[name]) : String(args[name]);
    const facts = taskFacts(trace, args[name]);
    if (attribute === "label") return facts?.label || String(args.name ?? "?");
    if (!facts) return attribute === "name" ? "a task" : "?";
    return facts[attribute] ?? "?";
  });
}

function spoken(table, item, trace) {
  if (!item?.length) return null;
  const spec = SCHEMA[table][item[0]];
  if (!spec) return String(item[0]);
  const args = Object.fromEntries(spec.args.map((name, k) => [name, item[k + 1]]));
  return fill(spec.words, args, trace);
}

/** What a task waits on, in the lesson's words: "sleep(1.5)", "task fetch('B')"... */
export const waitWords = (wait, trace) => spoken("waits", wait, trace);

/** "sleep", "tasks" or "other": the colour family of a wait. */
export const waitFamily = (wait) => (wait ? (SCHEMA.waits[wait[0]]?.family ?? "other") : null);

/** Why a task was cancelled: "sibling Task-3 failed (ValueError: bad)"... */
export const causeWords = (cause, trace) =>
  spoken("causes", cause, trace) ?? SCHEMA.unknown_cause_words;

/** "TaskGroup" or "gather of 3". */
export const groupWords = (group) =>
  group ? fill(SCHEMA.group_types[group.type]?.words ?? group.type, { size: group.size }) : "group";

/** A task's end in words: its result, its error, or why it was cancelled. */
export function endWords(trace, task) {
  const end = task.end;
  if (!end) return "";
  if (end.state === "failed") return end.error?.[1] ?? "";
  if (end.state === "cancelled") return causeWords(end.cause, trace);
  return end.result ?? "";
}

// --- reading the model ------------------------------------------------------------------

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
    if (step.start > t) break;
    if (t < step.end || t === step.start) return { state: "running", wait: null };
    last = step;
  }
  if (last?.wait) return { state: "waiting", wait: last.wait };
  return { state: "pending", wait: null };
}

/**
 * The intervals to draw for `task` up to time `until`, in order: {start, end, state, wait}.
 * Pending from creation to its first step, running in steps, waiting (or pending, when it
 * yielded without waiting on anything) between them.
 */
export function segments(task, until) {
  const out = [];
  const stop = Math.min(until, task.end ? task.end.t : until);
  let cursor = task.created;
  let gapState = "pending";
  let gapWait = null;
  for (const step of task.steps) {
    if (step.start > stop) break;
    if (step.start > cursor)
      out.push({ start: cursor, end: step.start, state: gapState, wait: gapWait });
    out.push({ start: step.start, end: Math.min(step.end, stop), state: "running", wait: null });
    cursor = step.end;
    gapState = step.wait ? "waiting" : "pending";
    gapWait = step.wait;
  }
  if (stop > cursor) out.push({ start: cursor, end: stop, state: gapState, wait: gapWait });
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

/**
 * The run's numbers, as the run record keeps them: wall time; per task the seconds it spent
 * running, waiting on something, pending (ready, or not yet started) and blocking the loop;
 * the peak number of tasks in flight; and how many tasks ended in each state.
 */
export function facts(trace, now = trace.end) {
  const wall = Math.max(now, trace.end);
  const tasks = {};
  const byState = { done: 0, failed: 0, cancelled: 0, unfinished: 0 };
  const changes = [];
  for (const task of trace.tasks) {
    const spent = { running: 0, waiting: 0, pending: 0, blocked: 0 };
    for (const part of segments(task, wall)) spent[part.state] += part.end - part.start;
    tasks[task.id] = { name: task.name, ...spent };
    byState[task.end ? task.end.state : "unfinished"] += 1;
    changes.push([task.created, 1], [task.end ? task.end.t : Infinity, -1]);
  }
  for (const block of trace.blocked) {
    if (tasks[block.task]) tasks[block.task].blocked += block.end - block.start;
  }
  // Ends before starts at one instant: a task that ends as another starts never overlaps it.
  changes.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let inFlight = 0;
  let peak = 0;
  for (const [, change] of changes) {
    inFlight += change;
    peak = Math.max(peak, inFlight);
  }
  return { wall, tasks, peak, byState };
}

/** "5 tasks, 5.0 s of work in 1.0 s": the children's summed lifetimes against wall time. */
export function summary(trace, now) {
  const wall = Math.max(now, trace.end);
  if (!trace.tasks.length) return "";
  const children = trace.tasks.filter((t) => t.parent != null);
  const counted = children.length ? children : trace.tasks;
  const work = counted.reduce(
    (sum, t) => sum + (Math.min(t.end ? t.end.t : wall, wall) - t.created),
    0,
  );
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

/**
 * One event of Chrome's trace format: a metadata (M), instant (i) or complete (X) event.
 * @typedef {{ph: string, pid: number, tid?: number, name: string, s?: string, ts?: number,
 *   dur?: number, args?: object}} ChromeEvent
 */

/**
 * The trace as Chrome's JSON trace format: one track (thread) per task. Names are words for
 * people reading it in Perfetto; `args` keep the schema's data, which fromChromeTrace reads.
 */
export function toChromeTrace(trace, title) {
  /** @type {ChromeEvent[]} */
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
    // biome-ignore format: one trace event, its fields packed as Chrome's format documents them
    events.push({
      ph: "i", s: "t", pid: 1, tid, ts: task.created * US, name: "created",
      args: {
        task: task.id, name: task.name, coro: task.coro, function: task.function,
        args: task.args, cut: task.cut, parent: task.parent,
        group: task.group, group_type: group?.type ?? null, group_size: group?.size ?? null,
        group_owner: group?.owner ?? null,
      },
    });
    for (const step of task.steps) {
      // biome-ignore format: one trace event, its fields packed as Chrome's format documents them
      events.push({
        ph: "X", pid: 1, tid, ts: step.start * US, dur: (step.end - step.start) * US, name: "step",
        args: { wait: step.wait },
      });
    }
    for (const part of segments(task, trace.end)) {
      if (part.state === "waiting") {
        // biome-ignore format: one trace event, its fields packed as Chrome's format documents them
        events.push({
          ph: "X", pid: 1, tid, ts: part.start * US, dur: (part.end - part.start) * US,
          name: `waiting on ${waitWords(part.wait, trace)}`,
        });
      }
    }
    if (task.end) {
      const { state, result, resultPrinted, error, cause } = task.end;
      // biome-ignore format: one trace event, its fields packed as Chrome's format documents them
      events.push({
        ph: "i", s: "t", pid: 1, tid, ts: task.end.t * US, name: state,
        args: { state, detail: state === "failed" ? error : state === "cancelled" ? cause : result,
          result_printed: resultPrinted, words: endWords(trace, task) },
      });
    }
  }
  for (const line of trace.prints) {
    // biome-ignore format: one trace event, its fields packed as Chrome's format documents them
    events.push({
      ph: "i", s: "t", pid: 1, tid: line.task ?? LOOP_TRACK, ts: line.t * US, name: "printed",
      args: { task: line.task, stream: line.stream, text: line.text },
    });
  }
  for (const span of trace.blocked) {
    // biome-ignore format: one trace event, its fields packed as Chrome's format documents them
    events.push({
      ph: "X", pid: 1, tid: LOOP_TRACK, ts: span.start * US, dur: (span.end - span.start) * US,
      name: "loop blocked", args: { task: span.task },
    });
  }
  return { traceEvents: events, displayTimeUnit: "ms", otherData: { tool: "asyncio playground" } };
}

/** A tracer event in its wire form, from its kind and named fields (times in microseconds). */
const wire = (kind, fields) => [kind, ...EVENTS[kind].names.map((name) => fields[name] ?? null)];

/**
 * Reads a trace written by toChromeTrace back into a flat batch of tracer events, as addEvents
 * takes them (throws on anything else).
 */
export function fromChromeTrace(json) {
  const list = Array.isArray(json) ? json : json?.traceEvents;
  if (!Array.isArray(list)) throw new Error("not a Chrome trace: no traceEvents");
  const events = [];
  const groups = new Set();
  for (const e of list.filter((x) => x && x.ph !== "M")) {
    const a = e.args ?? {};
    const t = e.ts; // microseconds, as the tracer's
    if (e.name === "created" && a.task != null) {
      if (a.group != null && !groups.has(a.group)) {
        groups.add(a.group);
        const group = {
          group: a.group,
          type: a.group_type,
          owner: a.group_owner,
          size: a.group_size,
        };
        events.push([t, 0, wire("group", group)]);
      }
      // A trace saved before tasks' arguments were data has none: they count as cut.
      events.push([t, 1, wire("created", { args: [], cut: true, ...a, t })]);
    } else if (e.name === "step" && e.ph === "X") {
      events.push([t, 2, wire("step", { task: e.tid, start: t, end: t + e.dur, wait: a.wait })]);
    } else if (e.name === "printed" && e.ph === "i") {
      events.push([t, 3, wire("printed", { t, task: a.task, stream: a.stream, text: a.text })]);
    } else if (e.ph === "i" && a.state) {
      const { state, detail, result_printed } = a; // (a file saved before has no result_printed)
      events.push([t, 4, wire("done", { t, task: e.tid, state, detail, result_printed })]);
    } else if (e.name === "loop blocked") {
      events.push([t, 3, wire("blocked", { task: a.task, start: t, end: t + e.dur })]);
    }
  }
  if (!events.some(([, , e]) => e[0] === "created")) throw new Error("no asyncio tasks in it");
  // By time; at one instant a task is created before it steps, and steps before it ends.
  return events
    .map((entry, i) => [...entry, i])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[3] - b[3])
    .flatMap((entry) => entry[2]);
}
