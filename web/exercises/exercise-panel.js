// An exercise beside the editor (py/exercises/<slug>/, built into exercises.json): its task,
// its questions (predict, then run: questions.js), hints one at a time, the solution once the
// rules allow, and Check (check.js). It follows the run record: it shows the exercise that is
// open, and says in the Feedback region what the record's verdict on its last check says.
import { checkExercise, COULD_NOT_RUN } from "./check.js";
import { element, rendered } from "./html.js";
import { createQuestions } from "./questions.js";

// "Show the solution" is offered only after a hint and this many checked attempts.
const ATTEMPTS_BEFORE_SOLUTION = 3;

export async function loadExercises() {
  const response = await fetch(new URL("exercises.json", import.meta.url));
  if (!response.ok) throw new Error(`exercises.json: HTTP ${response.status}`);
  return response.json();
}

/** What the Feedback region says of a verdict (run-record.js), and its data-verdict. */
function verdictWords({ status, passed, messages }) {
  const texts = messages.map((m) => m.text);
  if (status === "error") return { lines: [texts[0] ?? COULD_NOT_RUN], verdict: "fail" };
  // The computer ran the program late where the verdict rests on timing: not the learner's
  // doing, so no attempt is counted (progress.js) and no host or LMS hears of it.
  if (status === "delayed") return { lines: ["Not checked.", ...texts], verdict: "delayed" };
  return { lines: [passed ? "Passed." : "Not yet.", ...texts], verdict: passed ? "pass" : "fail" };
}

/**
 * The panel in `el` ({panel, title, objective, instructions, questions, check, hint, hints,
 * hintCount, solution, solutionNote, solutionCode, feedback, progressNote}). `objectives`
 * and `exercises` from exercises.json; `runCode()` runs the editor's code as Run does and
 * resolves when the run has ended; `progress` is progress.js's store.
 */
export function createExercisePanel(
  el,
  { objectives, exercises, record, runner, runCode, progress },
) {
  let exercise = null;
  let checking = false;
  const objectiveText = new Map(objectives.map((o) => [o.id, o.text]));
  const bySlug = new Map(exercises.map((e) => [e.slug, e]));
  const slugs = exercises.map((e) => e.slug);
  const questions = createQuestions(el.questions);

  function showProgress() {
    if (!exercise) return;
    const mine = progress.get(exercise.slug);
    const done = progress.passed(slugs);
    const tries = `${mine.attempts} checked attempt${mine.attempts === 1 ? "" : "s"}`;
    el.progressNote.textContent = `${mine.passed ? "Passed · " : ""}${tries} · ${done} of ${slugs.length} exercises passed`;
    const hintsLeft = mine.hints < exercise.hints.length;
    el.hint.disabled = !hintsLeft;
    el.hintCount.textContent = `${mine.hints} of ${exercise.hints.length} hints shown`;
    const allowed = mine.hints > 0 && mine.attempts >= ATTEMPTS_BEFORE_SOLUTION;
    el.solution.disabled = !allowed || mine.solution;
    el.solutionNote.textContent =
      mine.solution || allowed
        ? ""
        : `Offered after a hint and ${ATTEMPTS_BEFORE_SOLUTION} checked attempts.`;
  }

  function showHints() {
    const shown = progress.get(exercise.slug).hints;
    el.hints.replaceChildren(
      ...exercise.hints.slice(0, shown).map((html, i) => {
        const item = rendered("li", html);
        item.prepend(element("h3", { textContent: `Hint ${i + 1} of ${exercise.hints.length}` }));
        return item;
      }),
    );
  }

  function showSolution() {
    const shown = progress.get(exercise.slug).solution;
    el.solutionCode.hidden = !shown;
    el.solutionCode.querySelector("pre").textContent = shown ? exercise.solution : "";
  }

  function say(lines, verdict = "fail") {
    el.feedback.dataset.verdict = verdict;
    el.feedback.replaceChildren(...lines.map((line) => element("p", { textContent: line })));
    el.feedback.scrollIntoView({ block: "nearest" }); // the panel scrolls on small screens
  }

  function show(next) {
    exercise = next;
    el.panel.hidden = !exercise;
    el.check.hidden = !exercise;
    if (!exercise) return;
    el.title.textContent = exercise.title;
    el.objective.textContent = `Objective: ${objectiveText.get(exercise.objective) ?? exercise.objective}`;
    el.instructions.replaceChildren(rendered("div", exercise.instructions));
    el.feedback.replaceChildren();
    delete el.feedback.dataset.verdict;
    questions.show(exercise);
    showHints();
    showSolution();
    showProgress();
  }

  async function check() {
    if (!exercise || checking) return;
    const given = questions.answers();
    if (given === null) {
      say([
        "Answer every question first, then press Check: the program runs and your answers are marked against what it did.",
      ]);
      return;
    }
    const checked = exercise;
    checking = true;
    el.check.disabled = true;
    say(["Running your code…"]);
    try {
      const why = await checkExercise(checked, given, {
        record,
        runner,
        runCode,
        stillOpen: () => checked === exercise,
        onGrading: () => say(["Checking what your tasks did…"]),
      });
      if (why) say([why]);
    } finally {
      checking = false;
      el.check.disabled = !record.canRun;
    }
  }

  el.check.addEventListener("click", check);
  el.hint.addEventListener("click", () => {
    const mine = progress.get(exercise.slug);
    if (mine.hints >= exercise.hints.length) return;
    progress.update(exercise.slug, { hints: mine.hints + 1 });
    showHints();
    el.hints.lastElementChild?.querySelector("h3")?.setAttribute("tabindex", "-1");
    el.hints.lastElementChild?.querySelector("h3")?.focus();
  });
  el.solution.addEventListener("click", () => {
    const sure = confirm(
      "Show the solution? Your own code stays in the editor; the solution is shown below it.",
    );
    if (!sure) return;
    progress.update(exercise.slug, { solution: true });
    showSolution();
  });
  progress.subscribe(showProgress);
  record.subscribe((change) => {
    if (change.type === "state" || change.type === "python") {
      el.check.disabled = checking || !record.canRun;
    } else if (change.type === "open") {
      // Opened afresh only when another exercise (or none) is open, not as its code is edited.
      const { kind, slug } = change.source;
      if (kind !== change.from.kind || slug !== change.from.slug)
        show(kind === "exercise" ? (bySlug.get(slug) ?? null) : null);
    } else if (change.type === "verdict") {
      const { source, verdict } = change.run;
      if (source.kind !== "exercise" || source.slug !== exercise?.slug) return;
      const words = verdictWords(verdict);
      say(words.lines, words.verdict);
    }
  });
}
