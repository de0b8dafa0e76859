// Check: runs the learner's code as Run does, then marks the run with the exercise's check in
// an interpreter the program never touched (runner.grade), and puts the verdict into the run
// record (run-record.js `verdict`), which the exercise panel, the Tasks table's marks, the
// progress, the host API and SCORM read.
import { runEvents } from "../record/run-record.js";

const NOT_READY = "Python is not ready yet: press Check again once the status line says Ready.";
const STOPPED = "The run was stopped, so it was not checked. Press Check to run it again.";
export const COULD_NOT_RUN =
  "This exercise's check could not run, so your code was not marked. Press Check to try again.";

/** The grader's answer (JSON text, or null when it could not run) as a verdict. */
function readVerdict(text) {
  let verdict = null;
  try {
    verdict = text ? JSON.parse(text) : null;
  } catch {
    verdict = null;
  }
  if (verdict?.check_error) console.warn(`check.py: ${verdict.check_error}`);
  if (verdict && typeof verdict === "object" && Array.isArray(verdict.messages)) return verdict;
  return { status: "error", passed: false, score: 0, messages: [{ text: COULD_NOT_RUN }] };
}

/**
 * Checks `exercise` with the learner's `answers` (its questions'): `runCode()` runs the
 * editor's code and resolves once the run has ended. `stillOpen()` says whether the learner
 * still has the exercise open after the run (if not, it is not graded); `onGrading()` is
 * called as grading starts. Resolves to a sentence for the learner when there is no verdict
 * to record, else null.
 */
export async function checkExercise(
  exercise,
  answers,
  { record, runner, runCode, stillOpen, onGrading },
) {
  const previous = record.run;
  await runCode();
  const ran = record.run;
  if (!stillOpen()) return null;
  if (ran === previous) return NOT_READY;
  if (!ran || ran.status === "stopped") return STOPPED;
  onGrading();
  const data = {
    events: runEvents(ran),
    stdout: ran.stdout,
    stderr: ran.stderr,
    elapsed: ran.elapsed,
    error: ran.error,
    status: ran.status,
    answers,
  };
  record.verdict(ran, readVerdict(await runner.grade(exercise.check, data)));
  return null;
}
