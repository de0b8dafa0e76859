// The page: wires the editor, the example picker, the runner and the views to the run record.
// Loaded by main.js once it has started the Python worker: the editor is most of this bundle.
import { createCodeTools } from "./code/codetools.js";
import { createEditor } from "./code/editor.js";
import { createPicker, loadExamples } from "./code/examples.js";
import { keepForOffline } from "./offline.js";
import { createOutput } from "./output.js";
import { followRecord } from "./status.js";
import { createTimelinePanel } from "./timeline/timeline-panel.js";

const $ = (id) => document.getElementById(id);

/** A line of the page's own, about the page rather than a run (a bad link, a bad file). */
function tell(text) {
  const notice = $("notice");
  const line = document.createElement("p");
  line.textContent = text;
  notice.append(line);
  notice.hidden = false;
}

/**
 * Takes over `runner` (web/runner/runner.js, already loading Python) and `record`
 * (web/record/run-record.js), with the address's options (web/record/options.js).
 */
export function connect(runner, record, address) {
  for (const notice of address.notices) tell(notice);
  const runButton = $("run");
  const stopButton = $("stop");
  followRecord(record, { status: $("status"), progress: $("progress"), runButton, stopButton });
  createOutput($("output"), record);

  const editor = createEditor($("editor"), {
    onRun: () => run(),
    onChange: (code) => codeTools.changed(code),
  });
  // Saves edits, Reset and Share; read the share link while the examples load.
  const codeTools = createCodeTools(editor);
  const linkRead = codeTools.readLink(address.code);

  createTimelinePanel(
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
    record,
    { onProblem: tell },
  );

  record.subscribe((change) => {
    if (change.type === "state" && change.from === "loading") keepForOffline();
    if (change.type === "run-started") editor.markError(null);
    if (change.type === "run-ended" && change.run.status === "failed" && !change.run.crashed) {
      editor.markError(change.run.error);
    }
  });

  let latest = 0;
  async function run() {
    if (!record.canRun) return;
    const mine = ++latest;
    // Run during a run: stop the first one cleanly, then start afresh.
    if (runner.running) await runner.stop();
    if (mine !== latest) return;
    const started = record.start(editor.text, codeTools.title());
    const result = await runner.run(started.code);
    // A sentence for the learner from the runner, e.g. how to install a missing module.
    if (result.hint) record.note(started, result.hint);
    // sys.exit() or SystemExit: a way to end, not an error of the playground's.
    if (result.exitCode !== undefined && result.status !== "stopped") {
      record.note(started, `Exited with code ${result.exitCode}.`);
    } else if (result.status === "stopped") {
      record.note(started, "Stopped.");
    }
    record.end(started, result);
  }

  runButton.addEventListener("click", () => run());
  stopButton.addEventListener("click", () => runner.stop());

  openExamples(address.options.example, codeTools, linkRead);
}

async function openExamples(requested, codeTools, linkRead) {
  try {
    const examples = await loadExamples();
    await linkRead;
    const notes = $("notes");
    const picker = createPicker($("example"), examples, requested, {
      onPick(example) {
        codeTools.open(example);
        notes.hidden = !example.notes;
        $("notes-text").textContent = example.notes;
      },
    });
    if (picker.unknownRequest) tell("That example does not exist; showing the first one.");
  } catch {
    tell("The lesson's examples could not be loaded; you can still write your own code.");
    await linkRead;
    codeTools.open(null);
  }
}
