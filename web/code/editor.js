// The code editor: CodeMirror 6 with Python support, themed by the page's CSS variables so
// it follows light and dark mode.
import { indentWithTab, isolateHistory } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
import { EditorState, Prec } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { tags } from "@lezer/highlight";
import { basicSetup } from "codemirror";

const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: "var(--tok-keyword)" },
  { tag: [tags.string, tags.special(tags.string)], color: "var(--tok-string)" },
  { tag: tags.number, color: "var(--tok-number)" },
  { tag: tags.bool, color: "var(--tok-bool)" },
  { tag: tags.null, color: "var(--tok-bool)" },
  { tag: tags.comment, color: "var(--tok-comment)", fontStyle: "italic" },
  { tag: tags.function(tags.variableName), color: "var(--tok-function)" },
  { tag: tags.definition(tags.variableName), color: "var(--tok-def)" },
  { tag: tags.function(tags.definition(tags.variableName)), color: "var(--tok-def)" },
  { tag: tags.className, color: "var(--tok-type)" },
  { tag: tags.definition(tags.className), color: "var(--tok-type)" },
  { tag: tags.propertyName, color: "var(--tok-function)" },
  { tag: tags.self, color: "var(--tok-keyword)" },
]);

/**
 * Creates the editor in `parent`. `onRun` is called on Ctrl/Cmd+Enter, `onChange` with the
 * new text after every edit.
 */
export function createEditor(parent, { onRun, onChange, readOnly = false }) {
  const extensions = [
    // Above basicSetup's keymap, so Mod-Enter runs instead of inserting a line.
    Prec.highest(
      keymap.of([
        {
          key: "Mod-Enter",
          run: () => {
            onRun();
            return true;
          },
        },
      ]),
    ),
    basicSetup,
    keymap.of([indentWithTab]),
    python(),
    syntaxHighlighting(highlight),
    lintGutter(),
    // tabindex: reachable by Tab also when read-only (no longer contenteditable then), so
    // the code can be scrolled from the keyboard.
    EditorView.contentAttributes.of({ "aria-label": "Python code", tabindex: "0" }),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) onChange(update.state.doc.toString());
    }),
    // readonly=1 in embed mode: the learner reads and runs the code, a host may still set it.
    EditorState.readOnly.of(readOnly),
  ];
  const view = new EditorView({ parent, state: EditorState.create({ doc: "", extensions }) });

  return {
    get text() {
      return view.state.doc.toString();
    },
    /**
     * Shows `value` as a new document, with no undo history: Ctrl+Z never brings back the
     * previous example's code (which would then be saved as this one's). Calls no onChange.
     */
    load(value) {
      view.setState(EditorState.create({ doc: value, extensions }));
    },
    set text(value) {
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: value },
        // One undo step of its own (e.g. Reset): Ctrl+Z never merges it with the typing before.
        annotations: isolateHistory.of("full"),
      });
      view.dispatch(setDiagnostics(view.state, []));
    },
    /** Marks a learner's error at `line`/`column` (1-based), or clears marks with null. */
    markError(error) {
      if (!error) {
        view.dispatch(setDiagnostics(view.state, []));
        return;
      }
      const doc = view.state.doc;
      const line = doc.line(Math.min(Math.max(error.line, 1), doc.lines));
      const from = Math.min(line.from + Math.max(error.column - 1, 0), line.to);
      const to = Math.max(from, line.to);
      view.dispatch(
        setDiagnostics(view.state, [{ from, to, severity: "error", message: error.message }]),
      );
    },
    focus() {
      view.focus();
    },
  };
}
