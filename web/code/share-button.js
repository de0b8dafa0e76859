// Share: a link that carries the editor's code (share.js), copied to the clipboard where the
// browser allows, else shown in a field to copy.
import { MAX_CODE_BYTES, shareLink } from "./share.js";

/**
 * The Share button `button`: shares `code()` with what is open, `source()` (the record's,
 * run-record.js), after `before()` (which saves the draft); says what happened in `notice`
 * (notice.js).
 */
export function createShareButton(button, { code, source, before, notice }) {
  async function share() {
    before();
    const text = code();
    if (new TextEncoder().encode(text).length > MAX_CODE_BYTES) {
      notice.say(`This code is too long to share as a link (over ${MAX_CODE_BYTES / 1000} kB).`);
      return;
    }
    let url;
    try {
      url = await shareLink(text, source());
    } catch {
      // CompressionStream("deflate-raw") arrived in 2023 browsers (Safari 16.4).
      notice.say("This browser cannot make share links; please update it.");
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
    notice.say(
      copied
        ? "Link copied. It opens this code in the editor; nothing runs until Run is pressed."
        : "Copy this link to share your code:",
      label,
    );
    if (!copied) field.focus();
  }

  button.addEventListener("click", () => share());
}
