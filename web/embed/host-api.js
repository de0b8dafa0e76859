// The host API: what a page that embeds the playground (an iframe in a course page) can ask
// of it and hears from it, by postMessage. Every message either way is a plain object
// {protocol: "asyncio-playground", version: 1, type, ...fields}; anything else is ignored.
// Commands are taken only from the parent window; messages go only to the parent's origin as
// the browser reports it (location.ancestorOrigins, else the referrer), never to "*" unless
// that origin is opaque (a sandboxed host), where no origin can be named.
//
// Host -> playground: run; stop; set-code {code}; get-state.
// Playground -> host: ready (Python is ready); state {state} (every change, and in answer to
// get-state); result {source, status, elapsed, stdout, stderr, error, tasks} after every run,
// from the run record (source: what was open, {kind, slug, edited}); progress {passed, total, exercises: [{slug, passed, attempts, hints}]} after
// every checked attempt and hint; verdict {exercise, status, passed, score, messages} after
// every check that marked the learner's code, from the run record (none when the computer ran
// the program late or the check could not run); resize {height}; error {message, command} for
// a command it cannot take.
// Canvas's {subject: "lti.frameResize", height} goes with every resize.
import { endWords } from "../record/trace-model.js";

export const PROTOCOL = "asyncio-playground";
export const VERSION = 1;
const COMMANDS = ["run", "stop", "set-code", "get-state"];

/** The parent's origin, as the browser reports it; "*" where it is opaque. */
export function parentOrigin() {
  const reported =
    location.ancestorOrigins?.[0] ?? (document.referrer ? new URL(document.referrer).origin : null);
  return !reported || reported === "null" ? "*" : reported;
}

/** A run record's result, as the host gets it: plain data, task by task. */
export function resultOf(run) {
  const trace = run.trace;
  return {
    source: { ...run.source },
    status: run.status,
    elapsed: run.elapsed,
    stdout: run.stdout,
    stderr: run.stderr,
    error: run.error,
    tasks: trace.tasks.map((task) => ({
      name: task.name,
      parent: task.parent != null ? (trace.byId.get(task.parent)?.name ?? null) : null,
      state: task.end?.state ?? "unfinished",
      start: task.created,
      end: task.end?.t ?? null,
      detail: endWords(trace, task),
    })),
  };
}

/**
 * A checked run's verdict (run-record.js) as the host gets it, or null where there is none
 * to report: only a verdict that marked the learner's code ("pass" or "fail") is one.
 */
export function verdictOf(run) {
  const { source, verdict } = run;
  if (source.kind !== "exercise" || !["pass", "fail"].includes(verdict?.status)) return null;
  const { status, passed, score, messages } = verdict;
  return {
    exercise: source.slug,
    status,
    passed,
    score,
    messages: messages.map(({ text, tasks, question, mistake }) => ({
      text,
      tasks: [...tasks],
      question,
      mistake,
    })),
  };
}

/** The progress message's fields: score and completion for a course page. */
export function progressOf(progress, slugs) {
  return {
    passed: progress.passed(slugs),
    total: slugs.length,
    exercises: slugs.map((slug) => {
      const { passed, attempts, hints } = progress.get(slug);
      return { slug, passed, attempts, hints };
    }),
  };
}

/**
 * Connects the host API: `record` (run-record.js) is followed; `actions` are what commands
 * do ({run(), stop(), setCode(code)}). Returns `tell(type, fields)` for the page's other
 * messages (progress), which does nothing where there is no host.
 */
export function connectHost(record, actions) {
  if (window.parent === window) return () => {}; // not embedded
  const origin = parentOrigin();
  // build.py --embed-origins: any other host gets nothing, and its commands are ignored.
  const allowed =
    /** @type {HTMLMetaElement | null} */ (
      document.querySelector('meta[name="embed-origins"]')
    )?.content
      .split(" ")
      .filter(Boolean) ?? [];
  if (allowed.length && !allowed.includes(origin)) return () => {};
  const tell = (type, fields = {}) =>
    window.parent.postMessage({ protocol: PROTOCOL, version: VERSION, type, ...fields }, origin);

  addEventListener("message", (event) => {
    if (event.source !== window.parent) return;
    if (origin !== "*" && event.origin !== origin) return;
    const data = event.data;
    if (data?.protocol !== PROTOCOL || typeof data.type !== "string") return;
    if (data.version !== VERSION) {
      tell("error", {
        message: `This playground speaks version ${VERSION} of the protocol.`,
        command: data.type,
      });
      return;
    }
    if (!COMMANDS.includes(data.type)) {
      tell("error", {
        message: `"${data.type}" is not a command this playground knows.`,
        command: data.type,
      });
    } else if (data.type === "get-state") {
      tell("state", { state: record.state });
    } else if (data.type === "set-code") {
      if (typeof data.code !== "string")
        tell("error", { message: "set-code needs code, a string.", command: data.type });
      else actions.setCode(data.code);
    } else if (data.type === "run") {
      if (!record.canRun)
        tell("error", { message: "Python is not ready yet: wait for ready.", command: data.type });
      else actions.run();
    } else if (data.type === "stop") {
      actions.stop();
    }
  });

  record.subscribe((change) => {
    if (change.type === "state") {
      if (change.from === "loading" && change.to === "ready") tell("ready");
      tell("state", { state: change.to });
    } else if (change.type === "run-ended") {
      tell("result", resultOf(change.run));
    } else if (change.type === "verdict") {
      const verdict = verdictOf(change.run);
      if (verdict) tell("verdict", verdict);
    }
  });

  // The content's height, whenever it changes. The body's, not the document's scrollHeight,
  // which is never less than the frame's: the frame could then grow but never shrink. (In
  // embed mode nothing is sized by the frame's height either, style.css.)
  let last = 0;
  new ResizeObserver(() => {
    const height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    tell("resize", { height });
    window.parent.postMessage({ subject: "lti.frameResize", height }, origin);
  }).observe(document.body);
  return tell;
}
