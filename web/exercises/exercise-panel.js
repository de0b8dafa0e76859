// An exercise beside the editor (py/exercises/<slug>/, built into exercises.json): its task,
// its questions (predict, then run), hints one at a time, the solution once the rules allow,
// and Check: it runs the learner's code, then marks the run with the exercise's check in an
// interpreter the program never touched (runner.grade), and says what it found in the
// Feedback region. The instructions, hints and questions are HTML that build.py rendered from
// Markdown with raw HTML off; nothing else of the file's reaches the page as HTML.
import { runEvents } from "../record/run-record.js";

// "Show the solution" is offered only after a hint and this many checked attempts.
const ATTEMPTS_BEFORE_SOLUTION = 3;

export async function loadExercises() {
  const response = await fetch(new URL("exercises.json", import.meta.url));
  if (!response.ok) throw new Error(`exercises.json: HTTP ${response.status}`);
  return response.json();
}

const element = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

/** A fragment of build-time HTML (see the header). */
const rendered = (tag, html) => {
  const node = document.createElement(tag);
  node.innerHTML = html;
  return node;
};

/**
 * The panel in `el` ({panel, title, objective, instructions, questions, check, hint, hints,
 * hintCount, solution, solutionNote, solutionCode, feedback, progressNote}). `objectives`
 * from exercises.json; `runCode()` runs the editor's code as Run does and resolves when the
 * run has ended; `progress` is progress.js's store.
 */
export function createExercisePanel(el, { objectives, slugs, record, runner, runCode, progress }) {
  let exercise = null;
  let checking = false;
  const objectiveText = new Map(objectives.map((o) => [o.id, o.text]));

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
    el.solutionNote.textContent = mine.solution
      ? ""
      : allowed
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

  function showQuestions() {
    el.questions.replaceChildren(
      ...exercise.questions.map((question) => {
        const set = element("fieldset", { className: "question" });
        set.append(rendered("legend", question.text));
        for (const choice of question.choices) {
          const input = element("input", {
            type: question.multiple ? "checkbox" : "radio",
            name: `question-${question.id}`,
            value: choice,
          });
          set.append(element("label", {}, input, ` ${choice}`));
        }
        return set;
      }),
    );
    el.questions.hidden = exercise.questions.length === 0;
  }

  /** The learner's answers, {question id: choice or [choices]}, or null if one is missing. */
  function answers() {
    const given = {};
    for (const question of exercise.questions) {
      const picked = [
        ...el.questions.querySelectorAll(`[name="question-${question.id}"]:checked`),
      ].map((input) => input.value);
      if (!question.multiple && picked.length === 0) return null;
      given[question.id] = question.multiple ? picked : picked[0];
    }
    return given;
  }

  function say(lines, { passed = false, verdict = passed ? "pass" : "fail" } = {}) {
    el.feedback.dataset.verdict = verdict;
    el.feedback.replaceChildren(...lines.map((line) => element("p", { textContent: line })));
    el.feedback.scrollIntoView({ block: "nearest" }); // the panel scrolls on small screens
  }

  /** The tasks a message is about, marked in the Tasks table (data-flagged on their rows). */
  function flag(names) {
    const rows = /** @type {NodeListOf<HTMLTableRowElement>} */ (
      document.querySelectorAll("#tasks tbody tr")
    );
    for (const row of rows) {
      const name = row.cells[0]?.textContent ?? "";
      if (names.has(name)) row.dataset.flagged = "true";
      else delete row.dataset.flagged;
    }
  }

  async function check() {
    if (!exercise || checking) return;
    const given = exercise.questions.length ? answers() : {};
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
      const previous = record.run;
      await runCode();
      const ran = record.run;
      if (checked !== exercise) return; // the learner opened something else meanwhile
      if (ran === previous) {
        say(["Python is not ready yet: press Check again once the status line says Ready."]);
        return;
      }
      if (!ran || ran.status === "stopped") {
        say(["The run was stopped, so it was not checked. Press Check to run it again."]);
        return;
      }
      say(["Checking what your tasks did…"]);
      const data = {
        events: runEvents(ran),
        stdout: ran.stdout,
        stderr: ran.stderr,
        elapsed: ran.elapsed,
        error: ran.error,
        status: ran.status,
        answers: given,
      };
      const text = await runner.grade(checked.check, data);
      if (checked !== exercise) return;
      let verdict = null;
      try {
        verdict = text ? JSON.parse(text) : null;
      } catch {
        verdict = null;
      }
      if (!verdict || verdict.status === "error") {
        const why = verdict?.messages?.[0]?.text;
        say([
          why ??
            "This exercise's check could not run, so your code was not marked. Press Check to try again.",
        ]);
        if (verdict?.check_error) console.warn(`check.py: ${verdict.check_error}`);
        return;
      }
      if (verdict.status === "delayed") {
        // The computer ran the program late where the verdict rests on timing: not the
        // learner's doing, so no attempt is counted and no host or LMS hears of it.
        say(["Not checked.", ...verdict.messages.map((m) => m.text)], { verdict: "delayed" });
        flag(new Set(verdict.messages.flatMap((m) => m.tasks ?? [])));
        return;
      }
      const mine = progress.get(checked.slug);
      progress.update(checked.slug, {
        attempts: mine.attempts + 1,
        passed: mine.passed || verdict.passed,
      });
      const messages = verdict.messages.map((m) => m.text);
      say(verdict.passed ? ["Passed.", ...messages] : ["Not yet.", ...messages], {
        passed: verdict.passed,
      });
      flag(new Set(verdict.messages.flatMap((m) => m.tasks ?? [])));
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
    if (change.type === "state" || change.type === "python")
      el.check.disabled = checking || !record.canRun;
    if (change.type === "run-started") flag(new Set());
  });

  return {
    /** Shows `next` (an exercise of exercises.json), or hides the panel (null). */
    show(next) {
      exercise = next;
      el.panel.hidden = !exercise;
      el.check.hidden = !exercise;
      if (!exercise) return;
      el.title.textContent = exercise.title;
      el.objective.textContent = `Objective: ${objectiveText.get(exercise.objective) ?? exercise.objective}`;
      el.instructions.replaceChildren(rendered("div", exercise.instructions));
      el.feedback.replaceChildren();
      delete el.feedback.dataset.verdict;
      showQuestions();
      showHints();
      showSolution();
      showProgress();
    },
  };
}
