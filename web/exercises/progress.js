// The learner's progress on each exercise, kept in localStorage beside the drafts (their code
// is a draft like any other, code/storage.js), or in a SCORM package by the LMS (keepWith):
// whether it passed, how many checked attempts (counted from the run record's verdicts), how
// many hints shown, whether the solution was shown. Where storage is blocked or full, progress
// lasts as long as the page. Nothing here ever throws.

const KEY = "asyncio-playground-progress";

function readAll() {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? "{}");
    return stored && typeof stored === "object" && !Array.isArray(stored) ? stored : {};
  } catch {
    return {};
  }
}

/** A whole number >= 0 from a stored value, else 0 (someone else's value under our key). */
const count = (value) => (Number.isSafeInteger(value) && value > 0 ? value : 0);

// The verdicts that mark the learner's code, and so count as an attempt: not "delayed" (the
// computer ran the program late) nor "error" (the check could not run).
const ATTEMPTS = ["pass", "fail"];

/** The progress, following `record`'s verdicts (run-record.js) on exercises' runs. */
export function createProgress(record) {
  let all = readAll();
  let keep = (everything) => {
    try {
      localStorage.setItem(KEY, JSON.stringify(everything));
    } catch {
      // Storage blocked or full: kept for as long as the page, as drafts are.
    }
  };
  const listeners = new Set();

  function get(slug) {
    const p = all[slug] ?? {};
    return {
      passed: p.passed === true,
      attempts: count(p.attempts),
      hints: count(p.hints),
      solution: p.solution === true,
    };
  }

  function update(slug, change) {
    all[slug] = { ...get(slug), ...change };
    keep(all);
    for (const listener of listeners) listener(slug);
  }

  record.subscribe((change) => {
    if (change.type !== "verdict") return;
    const { source, verdict } = change.run;
    if (source.kind !== "exercise" || !ATTEMPTS.includes(verdict.status)) return;
    const mine = get(source.slug);
    update(source.slug, { attempts: mine.attempts + 1, passed: mine.passed || verdict.passed });
  });

  return {
    /** {passed, attempts, hints, solution} of the exercise `slug`. */
    get,

    /** Changes some of `slug`'s fields, keeps them, and tells the listeners. */
    update,

    /**
     * From now on the progress is `saved` ({slug: {passed, attempts, hints, solution}}) and
     * every change goes to `write(all)`, not to localStorage: an LMS keeps it (web/embed/lms.js),
     * where localStorage is the LMS origin's, shared by everyone who uses the computer. Call it
     * before anything shows the progress: listeners are not told.
     */
    keepWith(saved, write) {
      all = { ...saved };
      keep = write;
    },

    /** How many of `slugs` have passed. */
    passed: (slugs) => slugs.filter((slug) => get(slug).passed).length,

    subscribe(listener) {
      listeners.add(listener);
    },
  };
}
