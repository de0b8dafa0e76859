// The Output pane: program output rendered as text (never HTML), stderr styled apart.
// Chunks arrive as fast as the program prints; they are drawn once per animation frame.

export function createOutput(element) {
  let pending = [];
  let frame = 0;

  function draw() {
    frame = 0;
    // Read before writing: only follow the output if the learner has not scrolled up.
    const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
    const fragment = document.createDocumentFragment();
    let last = element.lastElementChild;
    for (const { stream, text } of pending) {
      if (last && last.dataset.stream === stream && last.parentNode === element) {
        last.append(text);
      } else {
        last = document.createElement("span");
        last.className = stream;
        last.dataset.stream = stream;
        last.textContent = text;
        fragment.append(last);
      }
    }
    pending = [];
    element.append(fragment);
    if (atBottom) element.scrollTop = element.scrollHeight;
  }

  function add(stream, text) {
    pending.push({ stream, text });
    if (!frame) frame = requestAnimationFrame(draw);
  }

  return {
    write: add,
    /** A line of our own (not the program's), e.g. "Stopped.". */
    note(text) {
      add("note", (needsNewline() ? "\n" : "") + text + "\n");
    },
    clear() {
      pending = [];
      if (frame) cancelAnimationFrame(frame);
      frame = 0;
      element.replaceChildren();
    },
  };

  function needsNewline() {
    const last = pending.at(-1)?.text ?? element.lastElementChild?.textContent ?? "";
    return last !== "" && !last.endsWith("\n");
  }
}
