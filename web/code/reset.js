// Reset: back to the code that was opened (the lesson's, a share link's, a course page's),
// after asking, and undoable (its Undo button, or Ctrl+Z in the editor).
import { button } from "./notice.js";

const WORDING = {
  example: {
    question: "Reset to the lesson's code?",
    detail: "Your changes will be replaced by the lesson's original. You can undo this.",
    done: "Back to the lesson's code.",
  },
  shared: {
    question: "Reset to the shared code?",
    detail: "Your changes will be replaced by the code from the share link. You can undo this.",
    done: "Back to the shared code.",
  },
  host: {
    question: "Reset to the course page's code?",
    detail: "Your changes will be replaced by the code the course page gave. You can undo this.",
    done: "Back to the course page's code.",
  },
  own: {
    question: "Clear the editor?",
    detail: "Your code will be removed. You can undo this.",
    done: "Editor cleared.",
  },
};

/**
 * The Reset button and its dialog (`el`: {button, dialog, question, detail, confirm,
 * cancel}). `slot()` is what the editor shows ({kind, original}: codetools.js); `save()`
 * keeps the editor's code at once; `notice` is notice.js's.
 */
export function createReset(el, { editor, slot, save, notice }) {
  let beforeReset = null; // the learner's code while "Undo" is offered

  function reset() {
    const before = editor.text;
    const { kind, original } = slot();
    // An editor transaction (an undo step of its own), so Ctrl+Z in the editor undoes it too.
    editor.text = original;
    save();
    beforeReset = before;
    notice.say(
      WORDING[kind].done,
      button("Undo", () => {
        editor.text = beforeReset;
        editor.focus();
      }),
    );
    editor.focus();
  }

  el.button.addEventListener("click", () => {
    const words = WORDING[slot().kind];
    el.question.textContent = words.question;
    el.detail.textContent = words.detail;
    el.dialog.showModal();
    // Focused here, not by an autofocus attribute: in a cross-origin frame (an LMS, a course
    // page) Chromium blocks autofocus at load and logs an error for it, dialog closed or not.
    el.confirm.focus();
  });
  el.cancel.addEventListener("click", () => el.dialog.close());
  el.confirm.addEventListener("click", () => {
    el.dialog.close();
    reset();
  });

  return {
    /** Offered only where there is something to reset: the code is not what was opened. */
    offer(edited) {
      el.button.disabled = !edited;
    },
    /** Other code is shown: no Undo to offer. */
    forget() {
      beforeReset = null;
    },
    /** An edit: any edit after a reset ends the Undo offer (Ctrl+Z in the editor still works). */
    edited(code) {
      if (beforeReset === null) return;
      if (code === beforeReset) notice.say("Your edits are back.");
      else notice.clear();
      beforeReset = null;
    },
  };
}
