// Never lose the learner's code: edits are saved as they are typed (one draft per example),
// "Reset" goes back to the lesson's code after asking and can be undone (reset.js), and
// "Share" makes a link that carries the code (share-button.js). Code from a link only ever
// reaches the editor: it is not run, and every message here is set as text, never as HTML.
import { readOptions } from "../record/options.js";
import { createNotice } from "./notice.js";
import { createReset } from "./reset.js";
import { decodeCode } from "./share.js";
import { createShareButton } from "./share-button.js";
import { createDrafts } from "./storage.js";

// Long enough to write once per burst of typing, short enough that a crash loses little;
// leaving the page (pagehide, tab hidden) writes at once.
const SAVE_DELAY_MS = 300;
// Drafts of shared code are kept per link, and of a course page's code per code, so a
// reload shows the learner's edits of it; the oldest of each kind go past this many.
const KEPT_DRAFTS = 20;

const OWN = Object.freeze({ kind: "own", key: "code:own", original: "" });
// What the record calls what the editor shows (run-record.js), by the kind of its slot.
const SOURCE_KIND = { example: "example", shared: "shared", host: "course", own: "mine" };

/**
 * Decides what the editor shows and tells `record` (run-record.js `open`) whenever that, or
 * whether it is edited, changes. `space`: where the drafts are kept (storage.js), as the page
 * chooses (page.js draftSpace: per embed, per LMS learner). `onLoad()` is called whenever
 * other code is shown (not an edit: no onChange then).
 */
export function createCodeTools(editor, record, { space = "", onLoad = () => {} } = {}) {
  const $ = (id) => document.getElementById(id);
  const badge = $("code-state");
  const notice = createNotice($("code-notice"));
  const drafts = createDrafts(space);
  let slot = null; // what the editor shows: {kind, key, original}
  let link = null; // a share link not shown yet: {payload, code} | {payload, damaged}
  let shown = null; // what the picker has open: {kind: "example" | "exercise", slug, code}
  let dirty = false;
  let saveTimer = 0;
  let toldNotKept = false;

  const reset = createReset(
    {
      button: $("reset"),
      dialog: /** @type {HTMLDialogElement} */ ($("reset-dialog")),
      question: $("reset-question"),
      detail: $("reset-detail"),
      confirm: $("reset-confirm"),
      cancel: $("reset-cancel"),
    },
    { editor, slot: () => slot, save, notice },
  );
  const shareButton = /** @type {HTMLButtonElement} */ ($("share"));
  createShareButton(shareButton, {
    code: () => editor.text,
    source: () => record.source,
    before: save,
    notice,
  });

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
    reset.offer(edited);
    shareButton.disabled = false;
    // Anything in the editor while an exercise is open is what its Check marks.
    const kind = shown?.kind === "exercise" ? "exercise" : SOURCE_KIND[slot.kind];
    record.open({ kind, slug: shown?.slug ?? null, edited });
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
      notice.say(
        "This browser is not letting the page save (storage is off or full): " +
          "your edits last until you leave the page.",
      );
    }
    if (slot.kind === "shared" || slot.kind === "host") drafts.prune(`${slot.kind}:`, KEPT_DRAFTS);
  }

  /** Shows `next` ({kind, key, original}), or the learner's draft of it. */
  function show(next) {
    slot = next;
    load(drafts.get(slot.key)?.code ?? slot.original);
  }

  /** Leaves the code shown: what the notice said was about it. */
  function leave() {
    notice.clear();
    save();
    reset.forget();
  }

  addEventListener("pagehide", save);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") save();
  });

  /** Reads a share link's `payload` (the address's #code=), for the next `open` to show. */
  async function readLink(payload) {
    if (payload !== null) link = { payload, ...(await decodeCode(payload)) };
  }

  function open(item) {
    leave();
    shown = item;
    const fromLink = link;
    link = null;
    // Leaving the link's code for an example: a reload must not bring the link back.
    if (!fromLink) forgetLink();
    if (fromLink?.code !== undefined) {
      show({ kind: "shared", key: `shared:${hash(fromLink.payload)}`, original: fromLink.code });
      notice.say("Showing the code from a share link. It runs only when you press Run.");
      return;
    }
    // An exercise's draft is kept apart from the examples' (their slugs may meet).
    const key = item?.kind === "exercise" ? `code:exercise-${item.slug}` : `code:${item?.slug}`;
    show(item ? { kind: "example", key, original: item.code } : OWN);
    if (fromLink?.damaged) notice.say("This share link is damaged; showing the example instead.");
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
     * Shows `item`, what the picker opened ({kind: "example" | "exercise", slug, code: the
     * example's code or the exercise's starter}; null: the learner's own code, when there are
     * no examples): its draft if there is one, else its code; or, the first time, the share
     * link's code.
     */
    open,

    /**
     * Shows `code` a course page sent (the host API's set-code), or the learner's draft of
     * it: a page that sends its code whenever it loads must not wipe their edits.
     */
    openCode(code) {
      leave();
      show({ kind: "host", key: `host:${hash(code)}`, original: code });
    },

    /** The editor's onChange. */
    changed(code) {
      if (!slot) return;
      dirty = true;
      clearTimeout(saveTimer);
      saveTimer = setTimeout(save, SAVE_DELAY_MS);
      showState(code);
      reset.edited(code);
    },
  };
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

// FNV-1a: a short, stable name for a share link's payload, to key its draft by.
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}
