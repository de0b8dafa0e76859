// The LMS adapter, in a SCORM package (build.py scorm): finds the LMS's SCORM runtime, starts
// the attempt, keeps the learner's progress in it, reports completion and score, and ends the
// session when the page is left. Like the host API it only follows the run record and the
// exercise progress; nothing the LMS answers can break the page (a call that fails costs one
// console.warn, once per kind of call).
//
// Completion: every lesson example has been run to its end while it was the one open (the
// run's source, run-record.js, is that example, edited or not: changing an example and
// watching the timeline change is what it is for). A run that failed counts, as the learner
// saw it end; a stopped one does not, as they did not.
//
// Score: exercises passed over exercises, as a percent in score.raw with min 0 and max 100 in
// both versions (LMSs such as Moodle grade from raw), and as a fraction in 2004's
// score.scaled. 2004's success_status is "passed" once every exercise has passed and is never
// set to "failed": the playground has no end of an attempt, and a learner still working is
// not failing.
//
// Exit: "suspend" from the first moment, so whenever and however the session ends the LMS
// keeps the attempt and the next launch resumes it with its suspend_data; with "" or "normal"
// a SCORM 2004 LMS starts a new attempt next time, progress and status gone. It stays
// "suspend" after completion too: the learner may come back for the exercises.
import { lmsPackage } from "../record/options.js";

// Each version's names for the same things.
const RUNTIMES = {
  scorm12: {
    api: "API",
    initialize: "LMSInitialize",
    terminate: "LMSFinish",
    get: "LMSGetValue",
    set: "LMSSetValue",
    commit: "LMSCommit",
    lastError: "LMSGetLastError",
    errorString: "LMSGetErrorString",
    status: "cmi.core.lesson_status",
    learner: "cmi.core.student_id",
    exit: "cmi.core.exit",
    sessionTime: "cmi.core.session_time",
    // SCORM 1.2 allows 4,096 characters; the LMS may cut anything longer, or refuse it.
    limit: 4096,
    score: (share) => ({
      "cmi.core.score.min": "0",
      "cmi.core.score.max": "100",
      "cmi.core.score.raw": String(Math.round(share * 100)),
    }),
    // CMITimespan: HHHH:MM:SS.SS.
    time(seconds) {
      const whole = Math.min(Math.floor(seconds), 9999 * 3600 + 3599);
      const [h, m] = [Math.floor(whole / 3600), Math.floor((whole % 3600) / 60)];
      const s = (whole % 60) + (seconds - Math.floor(seconds));
      return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${s.toFixed(2).padStart(5, "0")}`;
    },
  },
  scorm2004: {
    api: "API_1484_11",
    initialize: "Initialize",
    terminate: "Terminate",
    get: "GetValue",
    set: "SetValue",
    commit: "Commit",
    lastError: "GetLastError",
    errorString: "GetErrorString",
    status: "cmi.completion_status",
    learner: "cmi.learner_id",
    exit: "cmi.exit",
    sessionTime: "cmi.session_time",
    limit: 64000,
    score: (share) => ({
      "cmi.score.min": "0",
      "cmi.score.max": "100",
      "cmi.score.raw": String(Math.round(share * 100)),
      "cmi.score.scaled": String(Number(share.toFixed(4))),
      ...(share === 1 ? { "cmi.success_status": "passed" } : {}),
    }),
    // An ISO 8601 duration.
    time: (seconds) => `PT${seconds.toFixed(2)}S`,
  },
};

// Statuses of an attempt not begun ("unknown" is 2004's, "" some 1.2 LMSs' first answer).
const NOT_BEGUN = ["", "not attempted", "unknown"];
const DONE = ["completed", "passed"];
// How far up the parents the search goes: ADL's algorithm allows 7 levels (LMSs nest the SCO
// in a few frames at most; a deeper chain is not an LMS's).
const MOST_PARENTS = 7;

/** The runtime called `name` in `start` or one of its parents, or null. */
function searchUp(start, name, initialize) {
  let win = start;
  for (let level = 0; win && level <= MOST_PARENTS; level++) {
    try {
      // A cross-origin window throws on any property but a few (parent, opener...).
      const api = win[name];
      if (api && typeof api[initialize] === "function") return api;
    } catch {
      // another origin's window: go on up
    }
    if (win.parent === win) break;
    win = win.parent;
  }
  return null;
}

/**
 * The LMS's runtime object for `runtime` (RUNTIMES), or null. ADL's API discovery algorithm
 * (SCORM 1.2 RTE 3.3.6.1, SCORM 2004 RTE 3.1.2.1): this window and its parents, then the
 * window that opened it (an LMS's pop-up launch) and its parents.
 */
function findApi(runtime) {
  const { api: name, initialize } = runtime;
  let opener = null;
  try {
    opener = window.opener;
  } catch {
    opener = null;
  }
  return searchUp(window, name, initialize) ?? (opener ? searchUp(opener, name, initialize) : null);
}

const VERSION = 1; // of the suspend_data below

// What may go when suspend_data would be too long, least important first; each step keeps
// what the ones before it kept. What stays longest is what the LMS's own fields cannot give
// back: which exercises passed (the score must not drop on the next report) and which examples
// ran. A cut JSON could not be read back, so the last resort is the version alone.
const SHRINK = [
  // hints shown and whether the solution was shown
  (data) => ({ ...data, ex: mapValues(data.ex, ({ p, a }) => ({ p, a })) }),
  // checked attempts, and exercises not passed
  (data) => ({
    ...data,
    ex: Object.fromEntries(
      Object.entries(data.ex).flatMap(([slug, e]) => (e.p ? [[slug, { p: 1 }]] : [])),
    ),
  }),
  // the examples run (the LMS keeps the completion in its status)
  (data) => ({ ...data, ran: [] }),
  () => ({ v: VERSION }),
];

const mapValues = (object, change) =>
  Object.fromEntries(Object.entries(object).map(([key, value]) => [key, change(value)]));

/** A whole number >= 0, or 0. */
const count = (value) => (Number.isSafeInteger(value) && value > 0 ? value : 0);

/**
 * The learner's progress ({ran: [example slugs], exercises: {slug: {passed, attempts, hints,
 * solution}}}) as suspend_data: compact JSON, {"v": 1, "ran": [...], "ex": {slug: {p, a, h,
 * s}}} with zeros left out, of at most `limit` characters (see SHRINK).
 */
export function suspendData({ ran, exercises }, limit) {
  const ex = mapValues(exercises, ({ passed, attempts, hints, solution }) =>
    Object.fromEntries(
      Object.entries({ p: passed ? 1 : 0, a: attempts, h: hints, s: solution ? 1 : 0 }).filter(
        ([, n]) => n,
      ),
    ),
  );
  let data = { v: VERSION, ran: [...ran], ex };
  for (const shrink of [null, ...SHRINK]) {
    if (shrink) data = shrink(data);
    const text = JSON.stringify(data);
    if (text.length <= limit) return text;
  }
  return "";
}

/** suspendData's text read back, keeping only the `known` slugs ({examples, exercises}). */
export function readSuspendData(text, known) {
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (text && data?.v !== VERSION)
    console.warn("The LMS's saved progress for this lesson could not be read; starting afresh.");
  const valid = data?.v === VERSION;
  const ran =
    valid && Array.isArray(data.ran)
      ? data.ran.filter((slug) => known.examples.includes(slug))
      : [];
  const saved = valid && data.ex && typeof data.ex === "object" ? data.ex : {};
  const exercises = {};
  for (const slug of known.exercises) {
    const e = saved[slug];
    if (!e || typeof e !== "object") continue;
    exercises[slug] = {
      passed: e.p === 1,
      attempts: count(e.a),
      hints: count(e.h),
      solution: e.s === 1,
    };
  }
  return { ran, exercises };
}

/**
 * In a SCORM package, with an LMS's runtime found, starts the session at once and returns
 * {learner, connect(record, progress, slugs)}; elsewhere null. `learner` is the LMS's id for
 * the learner ("" if it gives none): the page keeps their drafts under it, so the next
 * learner at a shared computer does not open them. `connect` keeps `progress`
 * (exercises/progress.js) and the examples run in suspend_data, and reports to the LMS as
 * they change (`record`, web/record/run-record.js); `slugs`: {examples, exercises}.
 */
export function openLms() {
  const version = lmsPackage();
  const runtime = version ? RUNTIMES[version] : null;
  const api = runtime ? findApi(runtime) : null;
  if (!api) return null;

  const warned = new Set();
  // One call to the runtime; "false" (or a throw) when it fails, with one warning per kind.
  function call(method, ...args) {
    let answer;
    try {
      answer = String(api[runtime[method]](...args));
    } catch (error) {
      answer = "false";
      warn(method, String(error?.message ?? error));
    }
    if (answer === "false" && method !== "get") {
      let why = "";
      try {
        const code = api[runtime.lastError]();
        why = `${code}: ${api[runtime.errorString](code)}`;
      } catch {
        why = "no reason given";
      }
      warn(method, why);
    }
    return answer;
  }
  function warn(method, why) {
    if (warned.has(method)) return;
    warned.add(method);
    console.warn(`The LMS did not take ${runtime[method]} (${why}); the lesson goes on.`);
  }
  const set = (values) => {
    for (const [element, value] of Object.entries(values)) call("set", element, value);
  };

  if (call("initialize", "") !== "true") return null;
  const started = performance.now();
  // Begun: the LMS hears it at once, before the lesson has loaded (connect commits it).
  if (NOT_BEGUN.includes(call("get", runtime.status))) set({ [runtime.status]: "incomplete" });
  let ended = false;
  // pagehide, not unload: it also fires where the page goes into the back/forward cache.
  addEventListener("pagehide", () => {
    if (ended) return;
    set({ [runtime.sessionTime]: runtime.time((performance.now() - started) / 1000) });
    ended = true;
    call("terminate", "");
  });
  // A runtime that throws answers "false": no id, then.
  const learner = call("get", runtime.learner);
  return { learner: learner === "false" ? "" : learner, connect };

  function connect(record, progress, slugs) {
    const restored = readSuspendData(call("get", "cmi.suspend_data"), slugs);
    const ran = new Set(restored.ran);
    let exercises = restored.exercises;

    // Everything the LMS keeps, as it is now; then committed.
    function report() {
      if (ended) return;
      const status = call("get", runtime.status);
      const complete = slugs.examples.every((slug) => ran.has(slug));
      if (NOT_BEGUN.includes(status) || (complete && !DONE.includes(status))) {
        set({ [runtime.status]: complete ? "completed" : "incomplete" });
      }
      if (slugs.exercises.length) {
        const passed = slugs.exercises.filter((slug) => exercises[slug]?.passed).length;
        set(runtime.score(passed / slugs.exercises.length));
      }
      set({
        [runtime.exit]: "suspend",
        "cmi.suspend_data": suspendData({ ran, exercises }, runtime.limit),
      });
      call("commit", "");
    }

    progress.keepWith(exercises, (all) => {
      exercises = all;
      report();
    });
    record.subscribe((change) => {
      if (change.type !== "run-ended" || change.run.status === "stopped") return;
      const { kind, slug } = change.run.source;
      if (kind !== "example" || !slugs.examples.includes(slug) || ran.has(slug)) return;
      ran.add(slug);
      report();
    });
    report();
  }
}
