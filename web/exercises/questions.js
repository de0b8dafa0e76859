// The questions of a predict-then-run exercise (its `## Question` sections): one fieldset of
// choices each, and the learner's answers read back for the check.
import { element, rendered } from "./html.js";

/** The questions in `form`, shown for one exercise at a time. */
export function createQuestions(form) {
  let questions = [];
  return {
    /** Shows `exercise`'s questions (none: the form is hidden). */
    show(exercise) {
      questions = exercise.questions;
      form.replaceChildren(
        ...questions.map((question) => {
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
      form.hidden = questions.length === 0;
    },

    /** The learner's answers, {question id: choice or [choices]}, or null if one is missing. */
    answers() {
      const given = {};
      for (const question of questions) {
        const picked = [...form.querySelectorAll(`[name="question-${question.id}"]:checked`)].map(
          (input) => input.value,
        );
        if (!question.multiple && picked.length === 0) return null;
        given[question.id] = question.multiple ? picked : picked[0];
      }
      return given;
    },
  };
}
