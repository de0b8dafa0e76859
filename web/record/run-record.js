// The one owner of "what is happening now": the page's state, with its allowed moves, and a
// record of each run (its code, output, result and trace), which every view and every outside
// party reads. Changes come in through the methods below; views subscribe and never write
// back. Idea from CodeMirror 6's state: one owner, changes as transactions, views that follow.
import { addEvents, createTrace, facts } from "./trace-model.js";

/** The page's states; `body[data-state]` shows the current one (tests and hosts read it). */
export const STATES = Object.freeze([
  "loading",
  "ready",
  "running",
  "finished",
  "failed",
  "stopped",
]);
export const END_STATES = Object.freeze(["finished", "failed", "stopped"]);

// Where each state may go. "failed" is also where a Python that cannot load leaves the page.
const MOVES = {
  loading: ["ready", "failed"],
  ready: ["running", "failed"],
  running: ["finished", "failed", "stopped"],
  finished: ["running", "failed"],
  failed: ["running", "failed"],
  stopped: ["running", "failed"],
};

/**
 * What is open: {kind, slug, edited}. `kind` is "example" (a lesson example's code or the
 * learner's draft of it), "exercise" (anything in the editor while an exercise is open: it is
 * what Check marks), "shared" (code from a share link), "course" (code a course page sent
 * through the host API) or "mine" (the learner's own, where no example could load). `slug`
 * names the example or exercise; for shared and course code, the example open beneath it (the
 * one its share link names), or null. `edited`: the code is not what was opened.
 */
const NOTHING_OPEN = Object.freeze({ kind: "mine", slug: null, edited: false });

/** The name a run's trace takes from its source: "gather-weather", "gather-weather-edited",
 * "exercise-gather", "shared-code", "course-code-edited", "my-code". */
export function sourceTitle({ kind, slug, edited }) {
  const name = {
    example: slug,
    exercise: `exercise-${slug}`,
    shared: "shared-code",
    course: "course-code",
  }[kind];
  if (!name) return "my-code";
  return edited ? `${name}-edited` : name;
}

/**
 * A run as the page keeps it: {id, code, source (what was open when it started), status ("running" or an end state), elapsed
 * (the program's own seconds, or null), stdout, stderr, output ([{stream, text}] in order, the
 * page's own notes included), error ({line, column, message} or null), exitCode, hint,
 * crashed, trace (web/record/trace-model.js), facts (at the end: see trace-model.js facts), verdict (an exercise's check of it, see
 * `verdict` below, or null)}.
 */
function newRun(id, code, source) {
  return {
    id,
    code,
    source,
    status: "running",
    startedAt: performance.now(), // page time; the program's own start comes with align()
    endedAt: null,
    elapsed: null,
    stdout: "",
    stderr: "",
    output: [],
    error: null,
    exitCode: null,
    hint: null,
    crashed: false,
    trace: createTrace(),
    events: [], // the tracer's batches as they came (runEvents flattens them)
    facts: null,
    verdict: null,
  };
}

/**
 * Changes listeners receive, each with the record: {type: "state", from, to}, {type:
 * "progress"}, {type: "python"} (loaded, or its spare changed), {type: "open", from, source}
 * (what is open changed: `from` is what was), {type: "run-started", run},
 * {type: "output", run, stream, text}, {type: "trace", run, events}, {type: "aligned", run},
 * {type: "run-ended", run} (everything of the run is in the record; the "state" change
 * follows at once, in the same task), {type: "verdict", run} (an exercise's check of the run
 * is in `run.verdict`).
 */
export function createRecord() {
  let state = "loading";
  let progress = 0;
  let python = null; // {jspi, isolated, snapshot, spare} once Python is ready
  let problem = null; // why Python could not start
  let run = null; // the current run, or the last one
  let source = NOTHING_OPEN; // what is open
  let nextId = 1;
  const listeners = new Set();

  function emit(change) {
    for (const listener of listeners) {
      try {
        listener(change, record);
      } catch (error) {
        // A view that breaks is reported and the others go on (as CodeMirror's plugins do).
        console.error(error);
      }
    }
  }

  function move(to) {
    if (to === state) return;
    if (!MOVES[state].includes(to)) throw new Error(`the page cannot go from ${state} to ${to}`);
    const from = state;
    state = to;
    emit({ type: "state", from, to });
  }

  const record = {
    get state() {
      return state;
    },
    get progress() {
      return progress;
    },
    get python() {
      return python;
    },
    get problem() {
      return problem;
    },
    get run() {
      return run;
    },
    /** What is open: {kind, slug, edited} (see NOTHING_OPEN). */
    get source() {
      return source;
    },
    /** Whether Run can be pressed: Python is ready (a run in progress is stopped first). */
    get canRun() {
      return python !== null;
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    // --- what the runner says (web/runner/runner.js events) ---

    loading(fraction) {
      progress = fraction;
      emit({ type: "progress" });
    },
    ready(info) {
      python = { spare: python?.spare ?? "none", ...info };
      problem = null;
      emit({ type: "python" });
      if (state === "loading") move("ready");
    },
    spare(spare) {
      if (python) python = { ...python, spare };
      emit({ type: "python", spare });
    },
    loadFailed(message) {
      python = null;
      problem = message;
      emit({ type: "python" });
      move("failed");
    },
    output(stream, text) {
      if (run?.status !== "running") return;
      if (stream === "stdout") run.stdout += text;
      else if (stream === "stderr") run.stderr += text;
      run.output.push({ stream, text });
      emit({ type: "output", run, stream, text });
    },
    trace(events) {
      if (run?.status !== "running") return;
      addEvents(run.trace, events);
      run.events.push(events);
      emit({ type: "trace", run, events });
    },
    /** The program started at page time `at` (ms): its clock counts from there. */
    align(at) {
      if (!run) return;
      run.startedAt = at;
      emit({ type: "aligned", run });
    },

    // --- what the page does ---

    /** What is open now ({kind, slug, edited}): code/codetools.js says, as it shows code. */
    open(next) {
      const from = source;
      source = Object.freeze({ kind: next.kind, slug: next.slug ?? null, edited: next.edited });
      if (from.kind === source.kind && from.slug === source.slug && from.edited === source.edited)
        return;
      emit({ type: "open", from, source });
    },
    /** A run of `code`, from what is open, starts; returns its record. */
    start(code) {
      run = newRun(nextId++, code, source);
      emit({ type: "run-started", run });
      move("running");
      return run;
    },
    /** A line of the page's own about the run `about` (a hint, "Stopped."), kept with its
     * output; nothing once another run has started. */
    note(about, text) {
      if (about !== run || run.status !== "running") return;
      run.output.push({ stream: "note", text });
      emit({ type: "output", run, stream: "note", text });
    },
    /** The runner's result for `ended` ({status, error, exitCode, hint, elapsed, crashed}). */
    end(ended, result) {
      if (ended !== run || run.status !== "running") return;
      const status =
        result.exitCode !== undefined && result.status !== "stopped"
          ? result.exitCode === 0
            ? "finished"
            : "failed"
          : result.status;
      Object.assign(run, {
        status,
        endedAt: performance.now(),
        elapsed: result.elapsed ?? null,
        error: result.error ?? null,
        exitCode: result.exitCode ?? null,
        hint: result.hint ?? null,
        crashed: Boolean(result.crashed),
        facts: facts(run.trace),
      });
      emit({ type: "run-ended", run });
      move(status);
    },
    /** An exercise's check of `checked`, an ended run (exercises/check.js grades it). */
    verdict(checked, verdict) {
      if (checked.status === "running") return;
      checked.verdict = plainVerdict(verdict);
      emit({ type: "verdict", run: checked });
    },
  };
  return record;
}

/**
 * A check's verdict as the record keeps it: plain data, frozen, in the shape
 * py/playground/checks.py gives it: {status: "pass" | "fail" | "delayed" | "error", passed,
 * score (0 to 1), messages: [{text, tasks (the task names it is about), question, mistake
 * (the id of the mistake it reports)}]}.
 */
function plainVerdict({ status, passed, score, messages }) {
  return Object.freeze({
    status,
    passed: passed === true,
    score: Number.isFinite(score) ? score : 0,
    messages: Object.freeze(
      (messages ?? []).map((m) =>
        Object.freeze({
          text: String(m.text),
          tasks: Object.freeze([...(m.tasks ?? [])]),
          question: m.question ?? null,
          mistake: m.mistake ?? null,
        }),
      ),
    ),
  });
}

/** All of `run`'s tracer events, flat, as py/playground/run_view.py reads them. */
export function runEvents(run) {
  return run.events.flat();
}
