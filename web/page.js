// The page: wires the editor, the example picker, the runner and the views to the run record.
// Loaded by main.js once it has started the Python worker: the editor is most of this bundle.
import { createCodeTools } from "./code/codetools.js";
import { createEditor } from "./code/editor.js";
import { createPicker, followNotes, loadExamples } from "./code/examples.js";
import { createExercisePanel, loadExercises } from "./exercises/exercise-panel.js";
import { createProgress } from "./exercises/progress.js";
import { applyLook, openFullLink } from "./embed/embed.js";
import { connectHost, parentOrigin, progressOf } from "./embed/host-api.js";
import { openLms } from "./embed/lms.js";
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
 * Where the learner's drafts are kept (code/storage.js). A SCORM package's per learner, as
 * the LMS names them: the next learner at a shared computer does not open them. An embed's
 * per embedding page (its origin: the browser names no more of it) and per embed (its
 * address). The full page's in a space of their own.
 */
function draftSpace(lms, options) {
  if (lms) return `lms:${lms.learner}:`;
  if (options.embed === "1") return `embed:${parentOrigin()}${location.search}:`;
  return "";
}

/**
 * Takes over `runner` (web/runner/runner.js, already loading Python) and `record`
 * (web/record/run-record.js), with the address's options (web/record/options.js).
 */
export function connect(runner, record, address) {
  const { options } = address;
  applyLook(options);
  for (const notice of address.notices) tell(notice);
  const runButton = $("run");
  const stopButton = $("stop");
  followRecord(record, { status: $("status"), progress: $("progress"), runButton, stopButton });
  createOutput($("output"), record);

  let codeChanged = () => {};
  const editor = createEditor($("editor"), {
    onRun: () => run(),
    onChange: (code) => {
      codeTools.changed(code);
      codeChanged();
    },
    readOnly: options.readonly === "1",
  });
  // In a SCORM package, the LMS's session (web/embed/lms.js), started at once.
  const lms = openLms();
  // Saves edits, Reset and Share; read the share link while the examples load.
  const space = draftSpace(lms, options);
  const codeTools = createCodeTools(editor, record, { space, onLoad: () => codeChanged() });
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

  // Runs one after another: Run during a run stops the first, whose end is recorded before
  // the next starts. Of several presses while one stops, the last one runs; Stop stops the
  // run and drops any still waiting to start.
  let latest = 0;
  let previous = Promise.resolve();
  function run() {
    if (!record.canRun) return previous;
    const mine = ++latest;
    if (runner.running) runner.stop();
    previous = previous.then(() => (mine === latest ? runOnce() : undefined));
    return previous;
  }

  function stop() {
    latest += 1;
    return runner.stop();
  }

  async function runOnce() {
    const started = record.start(editor.text);
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
  stopButton.addEventListener("click", () => stop());

  const requested = { example: options.example, exercise: options.exercise };
  // A host's code and runs wait for the lesson to open, in the order sent: Python can be ready
  // before the examples have loaded, and the first example would then replace code the host
  // set (a host that sends set-code and run at "ready", on a slow machine, ran the example).
  /** @type {Promise<void>} */
  let opened = Promise.resolve();
  const host = connectHost(record, {
    run: () => opened.then(run),
    // In the order sent: a stop sent after a run that waits for the lesson drops it.
    stop: () => opened.then(stop),
    setCode: (code) => opened.then(() => codeTools.openCode(code)),
  });
  opened = openLesson(requested, codeTools, linkRead, {
    record,
    runner,
    runCode: run,
    progress: createProgress(record),
    host,
    lms,
  });

  if (options.embed === "1") {
    codeChanged = openFullLink($("open-full"), editor, record);
  }
  // autorun=1 runs the code the page opened with, once: the build's or the query's, never a
  // share link's (a link must not run code in the learner's name).
  if (options.autorun === "1" && address.code === null) {
    const runOnceReady = () => {
      if (!record.canRun) return false;
      opened.then(() => run());
      return true;
    };
    if (!runOnceReady()) {
      const unsubscribe = record.subscribe((change) => {
        if (change.type === "state" && runOnceReady()) unsubscribe();
      });
    }
  } else if (options.autorun === "1") {
    tell("This page does not run code from a link by itself: press Run to run it.");
  }
}

const EXERCISE_ELEMENTS = {
  panel: "exercise",
  title: "exercise-title",
  objective: "exercise-objective",
  instructions: "exercise-instructions",
  questions: "exercise-questions",
  check: "check",
  hint: "hint",
  hintCount: "hint-count",
  hints: "hints",
  solution: "solution",
  solutionNote: "solution-note",
  solutionCode: "solution-code",
  feedback: "feedback",
  progressNote: "exercise-progress",
};

/** The lesson's examples and exercises, loaded, and the views that show them, wired. */
async function openLesson(
  requested,
  codeTools,
  linkRead,
  { record, runner, runCode, progress, lms, host },
) {
  try {
    const [examples, course] = await Promise.all([
      loadExamples(),
      // Without exercises the examples still work.
      loadExercises().catch(() => ({ objectives: [], exercises: [] })),
    ]);
    await linkRead;
    const slugs = {
      examples: examples.map((e) => e.slug),
      exercises: course.exercises.map((e) => e.slug),
    };
    // In a SCORM package the LMS keeps the progress and hears of it (web/embed/lms.js).
    lms?.connect(record, progress, slugs);
    followNotes(
      {
        notes: $("notes"),
        notesText: $("notes-text"),
        watch: $("watch"),
        watchText: $("watch-text"),
      },
      examples,
      record,
    );
    const elements = Object.fromEntries(
      Object.entries(EXERCISE_ELEMENTS).map(([name, id]) => [name, $(id)]),
    );
    createExercisePanel(elements, { ...course, record, runner, runCode, progress });
    const picker = createPicker($("example"), examples, course.exercises, requested, {
      onPick: (item, kind) =>
        codeTools.open({
          kind,
          slug: item.slug,
          code: kind === "exercise" ? item.starter : item.code,
        }),
      passed: (slug) => progress.get(slug).passed,
    });
    progress.subscribe(picker.relabel);
    progress.subscribe(() => host("progress", progressOf(progress, slugs.exercises)));
    if (picker.unknownRequest)
      tell(`That ${picker.unknownRequest} does not exist; showing the first example.`);
  } catch {
    tell("The lesson's examples could not be loaded; you can still write your own code.");
    await linkRead;
    codeTools.open(null);
  }
}
