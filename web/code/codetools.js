// Never lose the learner's code: edits are saved as they are typed (one draft per example),
// "Reset" goes back to the lesson's code after asking and can be undone, and "Share" makes a
// link that carries the code. Code from a link only ever reaches the editor: it is not run,
// and every message here is set as text, never as HTML.
import { readOptions } from "../record/options.js";
import { decodeCode, MAX_CODE_BYTES, shareLink } from "./share.js";
import { createDrafts } from "./storage.js";

// Long enough to write once per burst of typing, short enough that a crash loses little;
// leaving the page (pagehide, tab hidden) writes at once.
const SAVE_DELAY_MS = 300;
// Drafts of shared code are kept per link, and of a course page's code per code, so a
// reload shows the learner's edits of it; the oldest of each kind go past this many.
const KEPT_DRAFTS = 20;

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
 * `space`: where the drafts are kept (storage.js), as the page chooses (page.js draftSpace:
 * per embed, per LMS learner). `onLoad()` is called whenever other code is shown (not an
 * edit: no onChange then).
 */
export function createCodeTools(editor, { space = "", onLoad = () => {} } = {}) {
  const $ = (id) => document.getElementById(id);
  const resetButton = /** @type {HTMLButtonElement} */ ($("reset"));
  const shareButton = /** @type {HTMLButtonElement} */ ($("share"));
  const badge = $("code-state");
  const notice = $("code-notice");
  const dialog = /** @type {HTMLDialogElement} */ ($("reset-dialog"));

  const drafts = createDrafts(space);
  let slot = null; // what the editor shows: {kind, key, original, slug}
  let link = null; // a share link not shown yet: {payload, code} | {payload, damaged}
  let shown = null; // the example open in the picker
  let dirty = false;
  let saveTimer = 0;
  let beforeReset = null; // the learner's code while "Undo" is offered
  let toldNotKept = false;

  function load(code) {
    editor.load(code); // no onChange: showing a draft is not an edit
    dirty = false;
    showState(code);
    onLoad();
  }

  function showState(code) {
    const edited = code !== slot.original;
    const words = {
      example: edited ? "edited" : "",
      shared: edited ? "shared, edited" : "shared",
      host: edited ? "edited" : "",
    };
    // Emptied rather than hidden: the picker's aria-describedby would still read hidden text.
    badge.textContent = words[slot.kind] ?? "";
    resetButton.disabled = !edited;
    shareButton.disabled = false;
  }

  function save() {
    clearTimeout(saveTimer);
    if (!dirty || !slot) return;
    dirty = false;
    const code = editor.text;
    if (code === slot.original) {
      drafts.remove(slot.key);
    } else if (!drafts.set(slot.key, { code }) && !toldNotKept) {
      toldNotKept = true;
      say(
        "This browser is not letting the page save (storage is off or full): " +
          "your edits last until you leave the page.",
      );
    }
    if (slot.kind === "shared" || slot.kind === "host") drafts.prune(`${slot.kind}:`, KEPT_DRAFTS);
  }

  function say(text, ...controls) {
    const message = document.createElement("span");
    message.textContent = text;
    notice.replaceChildren(message, ...controls);
  }

  function button(text, onClick) {
    const element = document.createElement("button");
    element.type = "button";
    element.textContent = text;
    element.addEventListener("click", onClick);
    return element;
  }

  function reset() {
    const before = editor.text;
    // An editor transaction (an undo step of its own), so Ctrl+Z in the editor undoes it too.
    editor.text = slot.original;
    save();
    beforeReset = before;
    say(
      WORDING[slot.kind].done,
      button("Undo", () => {
        editor.text = beforeReset;
        editor.focus();
      }),
    );
    editor.focus();
  }

  async function share() {
    save();
    const code = editor.text;
    if (new TextEncoder().encode(code).length > MAX_CODE_BYTES) {
      say(`This code is too long to share as a link (over ${MAX_CODE_BYTES / 1000} kB).`);
      return;
    }
    let url;
    try {
      url = await shareLink(code, slot.slug);
    } catch {
      // CompressionStream("deflate-raw") arrived in 2023 browsers (Safari 16.4).
      say("This browser cannot make share links; please update it.");
      return;
    }
    let copied = false;
    try {
      // Refused without a user gesture, in an iframe without clipboard-write, on plain http.
      await navigator.clipboard.writeText(url);
      copied = true;
    } catch {
      // The field below is the way, then.
    }
    const field = document.createElement("input");
    field.readOnly = true;
    field.spellcheck = false;
    field.value = url;
    field.addEventListener("focus", () => field.select());
    const label = document.createElement("label");
    label.className = "share-link";
    label.append("Share link", field);
    say(
      copied
        ? "Link copied. It opens this code in the editor; nothing runs until Run is pressed."
        : "Copy this link to share your code:",
      label,
    );
    if (!copied) field.focus();
  }

  /** Removes `code=` from the URL's fragment, keeping everything else. */
  function forgetLink() {
    const url = new URL(location.href);
    const params = new URLSearchParams(url.hash.slice(1));
    if (!params.has("code")) return;
    params.delete("code");
    url.hash = params.toString();
    history.replaceState(history.state, "", url);
  }

  resetButton.addEventListener("click", () => {
    const words = WORDING[slot.kind];
    $("reset-question").textContent = words.question;
    $("reset-detail").textContent = words.detail;
    dialog.showModal();
    // Focused here, not by an autofocus attribute: in a cross-origin frame (an LMS, a course
    // page) Chromium blocks autofocus at load and logs an error for it, dialog closed or not.
    $("reset-confirm").focus();
  });
  $("reset-cancel").addEventListener("click", () => dialog.close());
  $("reset-confirm").addEventListener("click", () => {
    dialog.close();
    reset();
  });
  shareButton.addEventListener("click", () => share());
  addEventListener("pagehide", save);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") save();
  });

  /** Reads a share link's `payload` (the address's #code=), for the next `open` to show. */
  async function readLink(payload) {
    if (payload !== null) link = { payload, ...(await decodeCode(payload)) };
  }

  function open(example) {
    notice.replaceChildren(); // what it said was about the code being left
    save();
    shown = example;
    beforeReset = null;
    const fromLink = link;
    link = null;
    // Leaving the link's code for an example: a reload must not bring the link back.
    if (!fromLink) forgetLink();
    const slug = example?.slug;
    if (fromLink?.code !== undefined) {
      const key = `shared:${hash(fromLink.payload)}`;
      slot = { kind: "shared", key, original: fromLink.code, slug };
      load(drafts.get(slot.key)?.code ?? slot.original);
      say("Showing the code from a share link. It runs only when you press Run.");
      return;
    }
    slot = example
      ? { kind: "example", key: `code:${slug}`, original: example.code, slug }
      : { kind: "own", key: "code:own", original: "" };
    load(drafts.get(slot.key)?.code ?? slot.original);
    if (fromLink?.damaged) say("This share link is damaged; showing the example instead.");
  }

  // A share link pasted into this tab's address bar changes only the fragment: no new page.
  addEventListener("hashchange", async () => {
    const payload = readOptions().code;
    if (!slot || payload === null) return;
    await readLink(payload);
    open(shown);
  });

  return {
    /** Call (and await) before the first `open`, which then shows the link's code. */
    readLink,

    /**
     * The name a run's trace takes from the code it ran: the example's when the code is the
     * lesson's own, else what the code is ("gather-weather-edited", "shared-code", "my-code").
     */
    title() {
      if (!slot) return "my-code";
      const edited = editor.text !== slot.original;
      if (slot.kind === "example") return edited ? `${slot.slug}-edited` : slot.slug;
      if (slot.kind === "shared") return edited ? "shared-code-edited" : "shared-code";
      if (slot.kind === "host") return edited ? "course-code-edited" : "course-code";
      return "my-code";
    },

    /**
     * Shows `example` (null: the learner's own code, when there are no examples): its draft
     * if there is one, else its code; or, the first time, the share link's code.
     */
    open,

    /**
     * Shows `code` a course page sent (the host API's set-code), or the learner's draft of
     * it: a page that sends its code whenever it loads must not wipe their edits.
     */
    openCode(code) {
      notice.replaceChildren();
      save();
      beforeReset = null;
      slot = { kind: "host", key: `host:${hash(code)}`, original: code, slug: shown?.slug };
      load(drafts.get(slot.key)?.code ?? code);
    },

    /** The editor's onChange. */
    changed(code) {
      if (!slot) return;
      dirty = true;
      clearTimeout(saveTimer);
      saveTimer = setTimeout(save, SAVE_DELAY_MS);
      showState(code);
      if (beforeReset !== null) {
        // Any edit after a reset ends the Undo offer; Ctrl+Z in the editor still works.
        if (code === beforeReset) say("Your edits are back.");
        else notice.replaceChildren();
        beforeReset = null;
      }
    },
  };
}

// FNV-1a: a short, stable name for a share link's payload, to key its draft by.
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}
