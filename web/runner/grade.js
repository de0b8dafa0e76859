// Grading: an exercise's check on a finished run's data, in the worker that would take the
// next run (no program ran in it), which is then thrown away as a run's is. One check at a
// time; a run waits for the check before it (runner.js).
import { gradeMessage } from "./protocol.js";

// A check that has not answered in this long is stuck (its author's loop): the learner is
// told it could not run, and its worker is thrown away.
const GRADE_WITHIN_MS = 10_000;

/**
 * Grades with the workers of `pool` (pool.js); `stopRun()` stops a run in progress first (and
 * resolves once it has stopped). The worker's answer reaches the check through the slot's
 * `grading(verdict)`, which runner.js calls when it hears one, or null when the worker died.
 */
export function createGrader(pool, stopRun) {
  let grading = Promise.resolve();
  let nextId = 1;

  /**
   * Resolves to the verdict of `check` on `runData` as JSON text, or null when the check
   * could not run (it crashed Python, or ran too long).
   */
  function grade(check, runData) {
    const graded = (async () => {
      await grading;
      await stopRun();
      const slot = await pool.take({ program: false });
      if (!slot) return null;
      slot.used = true;
      slot.gradingId = nextId++;
      const verdict = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve(null), GRADE_WITHIN_MS);
        slot.grading = (answer) => {
          clearTimeout(timer);
          resolve(answer);
        };
        slot.port.postMessage(gradeMessage(slot.gradingId, check, JSON.stringify(runData)));
      });
      slot.grading = null;
      pool.release();
      return verdict;
    })();
    grading = graded.then(() => {});
    return graded;
  }

  return {
    grade,
    /** Resolves once no check is under way. */
    get idle() {
      return grading;
    },
  };
}
