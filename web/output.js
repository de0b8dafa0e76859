// The Output pane: the run's output as the run record keeps it, rendered as text (never
// HTML), stderr and the page's own notes styled apart. Chunks arrive as fast as the program
// prints; they are drawn once per animation frame, and all at once when the run ends, so that
// whoever sees the run's end state (a learner, a test, a host page) sees all of its output.

export function createOutput(element, record) {
  let pending = [];
  let frame = 0;

  function draw() {
    cancelAnimationFrame(frame);
    frame = 0;
    // Read before writing: only follow the output if the learner has not scrolled up.
    const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
    const fragment = document.createDocumentFragment();
    // One span for each stretch of one stream, whether its chunks came in one frame or in
    // several: `last` is the pane's last span or one made in this frame.
    let last = element.lastElementChild;
    for (const { stream, text } of pending) {
      if (last instanceof HTMLElement && last.dataset.stream === stream) {
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

  record.subscribe((change) => {
    if (change.type === "run-started") {
      pending = [];
      cancelAnimationFrame(frame);
      frame = 0;
      element.replaceChildren();
    } else if (change.type === "output") {
      const { stream, text } = change;
      // The page's notes are lines of their own.
      const line =
        stream === "note" && !text.startsWith("\n") && needsNewline() ? `\n${text}` : text;
      pending.push({
        stream,
        text: stream === "note" && !line.endsWith("\n") ? `${line}\n` : line,
      });
      if (!frame) frame = requestAnimationFrame(draw);
    } else if (change.type === "run-ended") {
      draw();
    }
  });

  function needsNewline() {
    const last = pending.at(-1)?.text ?? element.lastElementChild?.textContent ?? "";
    return last !== "" && !last.endsWith("\n");
  }
}
