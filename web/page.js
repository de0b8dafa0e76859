// The page: wires the editor, the example picker, the Python runner and the output pane.
// Loaded by main.js once it has started the Python worker: the editor is most of this bundle.
import { createCodeTools } from "./code/codetools.js";
import { createEditor } from "./code/editor.js";
import { createPicker, loadExamples } from "./code/examples.js";
import { keepForOffline } from "./offline.js";
import { createOutput } from "./output.js";
import { createTimelinePanel } from "./timeline/timeline-panel.js";

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

const editor = createEditor($("editor"), {
  onRun: () => run(),
  onChange: (code) => codeTools.changed(code),
});
// Saves edits, Reset and Share; read the share link while the examples load.
const codeTools = createCodeTools(editor);
const linkRead = codeTools.readLink();

const timelinePanel = createTimelinePanel(
  {
    canvas: $("timeline"),
    scroller: $("timeline-scroll"),
    spacer: $("timeline-spacer"),
    tip: $("timeline-tip"),
    table: $("tasks"),
    tableNote: $("tasks-note"),
    summary: $("timeline-summary"),
    replay: $("replay"),
    speed: $("replay-speed"),
    scrub: $("scrub"),
    download: $("download-trace"),
    load: $("load-trace"),
  },
  { onProblem: (message) => output.note(message) },
);

// The runner (runner.js), made by main.js before this module loaded; set by connect().
let runner = null;

const runnerEvents = {
  onProgress(fraction) {
    progress.value = fraction;
    if (state === "loading") setState("loading", `Loading Python… ${Math.floor(fraction * 100)}%`);
  },
  onReady({ jspi, isolated, snapshot }) {
    pythonReady = true;
    // For tests and embedding pages: which of the runner's paths this browser takes.
    document.body.dataset.jspi = jspi ? "on" : "off";
    document.body.dataset.isolated = isolated ? "yes" : "no";
    // Whether Python came from the memory snapshot (a second visit) or started afresh.
    document.body.dataset.snapshot = snapshot ? "restored" : "no";
    if (state === "loading") setState("ready", "Ready");
    else setState(state, status.textContent);
    keepForOffline();
  },
  onLoadFailed(message) {
    pythonReady = false;
    setState("failed", message);
  },
  onOutput: (stream, text) => output.write(stream, text),
  onStarted: (at) => timelinePanel.align(at),
  onTrace: (events) => timelinePanel.add(events),
  // A fresh worker after a hard stop: the next run simply waits for it to be ready.
  onRestart() {},
  // For tests and embedding pages: whether a warm worker is ready to replace a stuck one.
  onSpare(spare) {
    document.body.dataset.spare = spare;
  },
};

/** Takes over `loading`, a runner already loading Python; returns its event handlers. */
export function connect(loading) {
  runner = loading;
  return runnerEvents;
}

async function run() {
  if (!pythonReady) return;
  const thisRun = ++latestRun;
  // Run during a run: stop the first one cleanly, then start afresh.
  if (runner.running) await runner.stop();
  if (thisRun !== latestRun) return;
  const code = editor.text;
  output.clear();
  editor.markError(null);
  timelinePanel.start($("example").value || "my-code");
  const started = performance.now();
  setState("running", "Running… 0.0 s");
  // Counts runs, so tests and embedding pages can tell a new run from the last one.
  document.body.dataset.runs = String(thisRun);
  clearInterval(elapsedTimer);
  elapsedTimer = setInterval(() => {
    const s = ((performance.now() - started) / 1000).toFixed(1);
    if (state === "running") status.textContent = `Running… ${s} s`;
  }, 100);
  const result = await runner.run(code);
  if (thisRun !== latestRun) return;
  clearInterval(elapsedTimer);
  timelinePanel.finish();
  // The program's own time as Python measured it, comparable with `python3 main.py`; the
  // page's clock only when the run never got that far (a stop, a crash).
  const took = seconds(result.elapsed != null ? result.elapsed * 1000 : performance.now() - started);
  // A sentence for the learner from the runner, e.g. how to install a missing module.
  if (result.hint) output.note(result.hint);
  if (result.exitCode !== undefined && result.status !== "stopped") {
    // sys.exit() or SystemExit: a way to end, not an error of the playground's.
    output.note(`Exited with code ${result.exitCode}.`);
    const ended = result.exitCode === 0 ? "finished" : "failed";
    setState(ended, `Exited with code ${result.exitCode} after ${took}`);
  } else if (result.status === "finished") {
    setState("finished", `Finished in ${took}`);
  } else if (result.status === "stopped") {
    output.note("Stopped.");
    setState("stopped", `Stopped after ${took}`);
  } else if (result.crashed) {
    setState("failed", `Python crashed after ${took}`);
  } else {
    const where = result.error ? ` (line ${result.error.line})` : "";
    setState("failed", `Failed after ${took}${where}`);
    editor.markError(result.error);
  }
}

runButton.addEventListener("click", () => run());
stopButton.addEventListener("click", () => runner.stop());

// Not awaited at the top level: main.js connects the runner as soon as this module has run.
async function openExamples() {
  try {
    const examples = await loadExamples();
    await linkRead;
    const notes = $("notes");
    const picker = createPicker($("example"), examples, {
      onPick(example) {
        codeTools.open(example);
        notes.hidden = !example.notes;
        $("notes-text").textContent = example.notes;
      },
    });
    if (picker.unknownRequest) output.note("That example does not exist; showing the first one.");
  } catch {
    output.note("The lesson's examples could not be loaded; you can still write your own code.");
    await linkRead;
    codeTools.open(null);
  }
}

openExamples();
