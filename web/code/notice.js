// The line under the code (role="status", "About your code"): what the code tools say about
// the code shown (Reset's Undo, Share's link, storage that keeps nothing), as text, with any
// controls after it.

/** The notice in `element`: `say(text, ...controls)` replaces what it said; `clear()`. */
export function createNotice(element) {
  return {
    say(text, ...controls) {
      const message = document.createElement("span");
      message.textContent = text;
      element.replaceChildren(message, ...controls);
    },
    clear() {
      element.replaceChildren();
    },
  };
}

/** A button for the notice. */
export function button(text, onClick) {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = text;
  element.addEventListener("click", onClick);
  return element;
}
