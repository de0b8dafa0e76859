// The page: wires the editor, the example picker, the Python runner and the output pane.
import { createEditor } from "./editor.js";
import { createPicker, loadExamples } from "./examples.js";
import { createOutput } from "./output.js";
import { createRunner } from "./runner.js";

const $ = (id) => document.getElementById(id);
const runButton = $("run");
const stopButton = $("stop");
const status = $("status");
const progress = $("progress");
const output = createOutput($("output"));

// The page's state, mirrored on <body data-state> for tests and embedding pages:
// loading | ready | running | finished | failed | stopped.
let state = "loading";
let pythonReady = false;
let elapsedTimer = 0;
let latestRun = 0;

function setState(next, text) {
  state = next;
  document.body.dataset.state = next;
  status.textContent = text;
  runButton.disabled = !pythonReady;
  stopButton.disabled = next !== "running";
}

const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

const editor = createEditor($("editor"), { onRun: () => run(), onChange: () => {} });

const runner = createRunner({
  onProgress(fraction) {
    progress.value = fraction;
    if (state === "loading") setState("loading", `Loading Python… ${Math.floor(fraction * 100)}%`);
  },
  onReady({ jspi, isolated }) {
    pythonReady = true;
    // For tests and embedding pages: which of the runner's paths this browser takes.
    document.body.dataset.jspi = jspi ? "on" : "off";
    document.body.dataset.isolated = isolated ? "yes" : "no";
    if (state === "loading") setState("ready", "Ready");
    else setState(state, status.textContent);
  },
  onLoadFailed(message) {
    pythonReady = false;
    setState("failed", message);
  },
  onOutput: (stream, text) => output.write(stream, text),
  // A fresh worker after a hard stop: the next run simply waits for it to be ready.
  onRestart() {},
});

async function run() {
  if (!pythonReady) return;
  const thisRun = ++latestRun;
  // Run during a run: stop the first one cleanly, then start afresh.
  if (runner.running) await runner.stop();
  if (thisRun !== latestRun) return;
  const code = editor.text;
  output.clear();
  editor.markError(null);
  const started = performance.now();
  setState("running", "Running… 0.0 s");
  clearInterval(elapsedTimer);
  elapsedTimer = setInterval(() => {
    const s = ((performance.now() - started) / 1000).toFixed(1);
    if (state === "running") status.textContent = `Running… ${s} s`;
  }, 100);
  const result = await runner.run(code);
  if (thisRun !== latestRun) return;
  clearInterval(elapsedTimer);
  const took = seconds(performance.now() - started);
  if (result.status === "finished") {
    setState("finished", `Finished in ${took}`);
  } else if (result.status === "stopped") {
    output.note("Stopped.");
    setState("stopped", `Stopped after ${took}`);
  } else {
    const where = result.error ? ` (line ${result.error.line})` : "";
    setState("failed", `Failed after ${took}${where}`);
    editor.markError(result.error);
  }
}

runButton.addEventListener("click", () => run());
stopButton.addEventListener("click", () => runner.stop());

try {
  const examples = await loadExamples();
  const notes = $("notes");
  const picker = createPicker($("example"), examples, {
    onPick(example) {
      editor.text = example.code;
      notes.hidden = !example.notes;
      $("notes-text").textContent = example.notes;
    },
  });
  if (picker.unknownRequest) output.note("That example does not exist; showing the first one.");
} catch {
  output.note("The lesson's examples could not be loaded; you can still write your own code.");
}
