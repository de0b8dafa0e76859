// Embed mode (?embed=1): the playground inside a course page's frame. The editor, Run/Stop,
// status and output, and the timeline, without the site's header; the panes the address asks
// for (panes=code,output,timeline,table), in its order; and a link that opens the full page in a new tab with the same code.
// Nothing here is sized by the frame's height, so the auto-height the host follows
// (host-api.js) cannot feed back.
import { shareLink } from "../code/share.js";

const PANES = ["code", "output", "timeline", "table"];

/** Applies the address's embed options. */
export function applyLook(options) {
  if (options.embed !== "1") return;
  document.body.dataset.embed = "1";
  const shown = options.panes ? options.panes.split(",") : PANES;
  for (const pane of PANES) {
    const order = shown.indexOf(pane);
    const elements = /** @type {NodeListOf<HTMLElement>} */ (
      document.querySelectorAll(`[data-pane="${pane}"]`)
    );
    for (const element of elements) {
      element.hidden = order === -1;
      element.style.order = String(order);
    }
  }
  // The timeline's pane holds the table too: shown if either is.
  const timeline = /** @type {HTMLElement} */ (document.querySelector(".timeline-pane"));
  const places = ["timeline", "table"].map((pane) => shown.indexOf(pane)).filter((i) => i >= 0);
  timeline.hidden = places.length === 0;
  timeline.style.order = String(Math.min(...places, PANES.length)); // else it sits before output
  if (options.height && options.height !== "auto") {
    document.body.style.height = `${Number(options.height)}px`;
    document.body.style.overflow = "auto";
  }
}

/**
 * The "Open in the playground" link: the full page, in a new tab, with the editor's code and
 * what is open (`record`, run-record.js). Returns the function that brings its address up to
 * date (call it when the code changes).
 */
export function openFullLink(link, editor, record) {
  link.hidden = false;
  let pending = 0;
  const update = () => {
    clearTimeout(pending);
    pending = setTimeout(async () => {
      try {
        link.href = await shareLink(editor.text, record.source);
      } catch {
        link.href = new URL(location.pathname, location.origin).href;
      }
    }, 200);
  };
  update();
  return update;
}
