// The timeline panel: shows the run record's trace live while the program runs, and after the
// run lets the learner replay it (0.25x to 4x), scrub through it, download it as a Chrome
// trace (Perfetto, chrome://tracing) or load such a file back (shown until the next run).
import { createTaskTable } from "./task-table.js";
import { createTimeline } from "./timeline.js";
import { sourceTitle } from "../record/run-record.js";
import { addEvents, createTrace, fromChromeTrace, toChromeTrace } from "../record/trace-model.js";

// The table is DOM work: refreshing it a few times a second is enough to read it live.
const TABLE_REFRESH_MS = 250;

// While a run is live, the picture shares the machine with the program: a live frame that
// took d ms of the page's thread is followed by at least LIVE_SHARE x d ms in all before the
// next, so drawing takes at most a quarter of that thread however big the trace. A few tasks
// draw in under 1 ms, 60 frames a second as before; 2,000 tasks took 4 ms a frame in Chromium
// and 15 to 25 ms in WebKit (and 20 to 80 ms more when the table is refreshed), and drawing
// them every frame made the program itself run 1.4x as long in WebKit. The program's timing
// comes first (it is what the lesson is about); the picture catches up when the run ends.
const LIVE_SHARE = 4;

// One animation frame at a time: a request while one is pending adds nothing, and none comes
// before the time set by pace() (a timer waits for it).
function frameLoop(render) {
  let frame = 0;
  let timer = 0;
  let notBefore = 0;
  const request = () => {
    if (frame || timer) return;
    const wait = notBefore - performance.now();
    if (wait > 0) {
      timer = window.setTimeout(() => {
        timer = 0;
        request();
      }, wait);
      return;
    }
    frame = requestAnimationFrame((now) => {
      frame = 0;
      render(now);
    });
  };
  return {
    request,
    /** No frame before `time` (performance.now()'s clock); 0 lifts the wait at once. */
    pace(time) {
      notBefore = time;
      if (time === 0 && timer) {
        clearTimeout(timer);
        timer = 0;
        request();
      }
    },
  };
}

function download(chromeTrace, title) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(
    new Blob([JSON.stringify(chromeTrace)], { type: "application/json" }),
  );
  link.download = `${title.replace(/[^\w.-]+/g, "-")}.trace.json`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
}

export function createTimelinePanel(el, record, { onProblem }) {
  const reducedMotion = matchMedia("(prefers-reduced-motion: reduce)");
  let trace = createTrace(); // the trace shown: the run's, or one loaded from a file
  let live = false;
  let runStarted = 0;
  let shownTime = 0;
  let replay = null; // {from, started, speed} while replaying
  let tableDirty = false; // the time shown or the trace changed since the table was updated
  let problemsTold = 0; // how many of the live trace's problems went to the console
  let tableUpdated = 0;
  let title = "asyncio playground";
  let ended = false; // the trace shown is whole: a run's that ended, or one loaded from a file

  const frames = frameLoop(render);
  const timeline = createTimeline(el.canvas, el.tip, {
    onTime: scrubTo,
    onDirty: () => schedule({ table: false }),
    scroller: el.scroller,
    spacer: el.spacer,
  });
  const table = createTaskTable(el.table, el.tableNote);

  // One animation frame draws the canvas and updates the table together (the canvas used to
  // ask for a frame of its own from here, a frame after the table), as uPlot (leeoniya/uPlot)
  // batches its redraws: changes only mark what is dirty. It reads first, then writes.
  function render(now) {
    const began = performance.now();
    // Read first: after the writes below, reading it made the browser work out the page's
    // style there and then (8 ms a frame with a big Tasks table).
    const calm = reducedMotion.matches;
    if (live || replay) tableDirty = true; // the time shown moves (a replay's last frame too)
    if (live) shownTime = Math.max(trace.end, (now - runStarted) / 1000);
    if (replay) {
      shownTime = replay.from + ((now - replay.started) / 1000) * replay.speed;
      if (shownTime >= trace.end) {
        shownTime = trace.end;
        stopReplay();
      }
    }
    // Else only the picture changed (a hover, a scroll): what it shows is as it was.
    if (tableDirty) timeline.show(trace, shownTime, live);
    const size = timeline.measure();
    if (tableDirty && (!live || now - tableUpdated >= TABLE_REFRESH_MS)) {
      tableDirty = false;
      tableUpdated = now;
      table.update(trace, shownTime, ended);
      el.summary.textContent = timeline.summary(shownTime);
    }
    syncControls();
    timeline.draw(size);
    // A replay animates every frame; live, the picture is paced (LIVE_SHARE), and with reduced
    // motion it moves four times a second.
    if (live) {
      const gap = Math.max((performance.now() - began) * LIVE_SHARE, calm ? TABLE_REFRESH_MS : 0);
      frames.pace(began + gap);
    }
    if (live || replay) schedule({ table: false });
  }

  /** Marks the picture (and, with `table`, the Tasks table) dirty; one frame draws them. */
  function schedule({ table: withTable = true } = {}) {
    if (withTable) tableDirty = true;
    frames.request();
  }

  function syncControls() {
    const hasTrace = trace.tasks.length > 0;
    el.replay.disabled = live || !hasTrace;
    el.replay.textContent = replay ? "Pause" : "Replay";
    el.download.disabled = live || !hasTrace;
    el.scrub.disabled = live || !hasTrace;
    const fraction = trace.end > 0 ? shownTime / trace.end : 1;
    el.scrub.value = String(Math.round(fraction * Number(el.scrub.max)));
    el.scrub.setAttribute(
      "aria-valuetext",
      `${shownTime.toFixed(2)} s of ${trace.end.toFixed(2)} s`,
    );
  }

  function scrubTo(t) {
    stopReplay();
    shownTime = Math.max(0, Math.min(t, trace.end));
    schedule();
  }

  function stopReplay() {
    replay = null;
  }

  el.replay.addEventListener("click", () => {
    if (replay) {
      stopReplay();
    } else {
      const from = shownTime >= trace.end ? 0 : shownTime;
      replay = { from, started: performance.now(), speed: Number(el.speed.value) };
    }
    schedule();
  });
  el.speed.addEventListener("change", () => {
    if (replay)
      replay = { from: shownTime, started: performance.now(), speed: Number(el.speed.value) };
  });
  el.scrub.addEventListener("input", () => {
    scrubTo((Number(el.scrub.value) / Number(el.scrub.max)) * trace.end);
  });
  el.download.addEventListener("click", () => download(toChromeTrace(trace, title), title));
  el.load.addEventListener("change", async () => {
    const file = el.load.files?.[0];
    el.load.value = "";
    if (!file) return;
    try {
      const events = fromChromeTrace(JSON.parse(await file.text()));
      begin(file.name.replace(/\.json$/, ""), addEvents(createTrace(), events));
      shownTime = trace.end;
      ended = true;
    } catch (error) {
      onProblem(`That file is not a trace this page wrote (${error.message}).`);
    }
    schedule();
  });

  function begin(name, shown) {
    stopReplay();
    title = name;
    trace = shown;
    ended = false;
    table.clear();
    shownTime = 0;
  }

  record.subscribe((change) => {
    switch (change.type) {
      case "run-started":
        // An empty trace, drawn live from now on.
        begin(sourceTitle(change.run.source), change.run.trace);
        live = true;
        problemsTold = 0;
        runStarted = change.run.startedAt;
        schedule();
        break;
      case "aligned":
        // The program really started then: the live "now" counts from there.
        runStarted = change.run.startedAt;
        break;
      case "trace":
        // Read, never emptied: the record is not the view's to change.
        for (const problem of change.run.trace.problems.slice(problemsTold)) {
          console.error(`timeline recording stopped: ${problem}`);
        }
        problemsTold = change.run.trace.problems.length;
        schedule();
        break;
      case "verdict":
        // The tasks the check's messages are about, marked while its run is shown.
        if (change.run.trace !== trace) break;
        table.mark(change.run.verdict.messages.flatMap((m) => m.tasks));
        schedule();
        break;
      case "run-ended":
        live = false;
        frames.pace(0);
        ended = true;
        shownTime = trace.end;
        // The table and summary are final before the page says the run is over.
        table.update(trace, shownTime, ended);
        el.summary.textContent = timeline.summary(shownTime);
        schedule();
        break;
    }
  });
}
