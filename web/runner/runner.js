// The page's side of the sealed runner, in three rooms: the sandbox frame and its transport
// (frame.js), the Python workers (pool.js), and here, runs: run and stop (grading is in
// grade.js), and what the record (web/record/run-record.js) hears of them. Every program starts
// in a worker no earlier program touched.
import { openFrame } from "./frame.js";
import { createPool } from "./pool.js";
import { createGrader } from "./grade.js";
import { readMarshal } from "../record/marshal.js";
import { FromWorker, runMessage, sendTraceMessage, stopMessage } from "./protocol.js";

// Stop escalates in three steps, all within 0.4 s (issue 23's bound: 0.5 s):
// 1. ask the worker to cancel every task (finally blocks run) - enough for an idle loop,
//    which measured 20-30 ms here. The worker answers STOPPING as the message gets in: no
//    answer within ANSWER_WITHIN_MS means a step of Python holds it (a busy loop, a blocking
//    time.sleep), which no cancelling reaches.
const ANSWER_WITHIN_MS = 100;
// 2. raise KeyboardInterrupt through the interrupt buffer (cross-origin isolated pages only)
//    and wake a blocking time.sleep(): at once when no answer came (a busy loop then ends in
//    about 25 ms), else once the cancelled program has had CANCEL_GRACE_MS to end (its tasks
//    refuse to be cancelled). Python looks at the buffer only every 50 checks of its eval
//    loop, so a loop of slow steps may miss it. Since a run never shares the CPU with a spare
//    worker loading (pool.js), a busy program's finally has 300 ms to run after it.
const CANCEL_GRACE_MS = 250;
// 3. terminate the worker and switch to the spare one, loaded in advance in the background,
//    so the next Run does not wait for Python to load again: at GIVE_UP_MS; without an
//    interrupt buffer (a page not cross-origin isolated), at twice ANSWER_WITHIN_MS when no
//    answer came, for nothing else can reach a busy step there.
const GIVE_UP_MS = 400;

/**
 * Stop's steps 2 and 3 (above), on timers of the run's, which end with it.
 * @param {{slot: {id: number}, answered: boolean, timers: number[]}} run
 * @param {{isolated: boolean, interrupt: (worker: number) => void}} frame
 * @param {() => void} giveUp terminates the worker and ends the run as stopped
 */
function escalate(run, frame, giveUp) {
  const interrupt = () => frame.isolated && frame.interrupt(run.slot.id);
  run.timers.push(
    setTimeout(() => {
      if (run.answered) return;
      if (frame.isolated) interrupt();
      else run.timers.push(setTimeout(giveUp, ANSWER_WITHIN_MS));
    }, ANSWER_WITHIN_MS),
    setTimeout(() => run.answered && interrupt(), CANCEL_GRACE_MS),
    setTimeout(giveUp, GIVE_UP_MS),
  );
}

// What a learner reads when Python itself dies (worker.js sends the fatal error's name and
// message). A JavaScript stack overflow is the one a program can cause: a recursion deeper
// than the browser holds, once sys.setrecursionlimit has lifted Python's own guard.
function describeCrash({ name, message }) {
  if (name === "RangeError" && /call stack/i.test(message)) {
    return (
      "Python crashed: the browser ran out of stack space, most likely in a recursion too " +
      "deep for it (has sys.setrecursionlimit been raised?)."
    );
  }
  return `Python crashed (${name}: ${message}).`;
}

/**
 * Tells `record` what Python does: loading(fraction), ready({jspi, isolated, snapshot}),
 * loadFailed(message), output(stream, text), align(pageTimeMs), trace(events), spare("none" |
 * "loading" | "ready"): the worker kept warm for the next run and for Stop. A run resolves to
 * {status, error, exitCode?, hint?, elapsed?, crashed?}. `options` are the address's
 * (web/record/options.js): jspi=off hides WebAssembly stack switching (tests of the non-JSPI
 * path), snapshot=off always starts Python afresh and trace=off runs without the tracer (the
 * benchmark's baselines).
 */
export function createRunner(record, options) {
  const site = new URL("./", import.meta.url).href;
  const switches = { site, jspi: options.jspi ?? "on", snapshot: options.snapshot ?? "on" };
  const trace = options.trace !== "off";

  const frame = openFrame(site, {
    snapshot: options.snapshot !== "off",
    onProgress: (fraction) => record.loading(fraction),
    onFailed: (message) => record.loadFailed(message),
    onWorkerError: (worker, message) => {
      const slot = pool.died(worker, message);
      if (slot?.info)
        crashed(
          slot,
          "\nPython stopped with an internal error. It was restarted: you can run again.\n",
        );
    },
  });
  const pool = createPool(frame, site, switches, {
    onReady: (info) => record.ready(info),
    onFailed: (message) => frame.fail(message),
    onSpare: (state) => record.spare(state),
    onMessage: heard,
  });

  // the run: {id, slot, started, stopping, answered (the worker took Stop's message), timers,
  // resolve}
  let current = null;
  let nextRun = 1;

  function heard(slot, data) {
    const run = current && current.slot === slot && data.id === current.id ? current : null;
    switch (data.type) {
      case FromWorker.OUTPUT:
        if (run) record.output(data.stream, data.text);
        break;
      case FromWorker.STARTED:
        if (run?.started !== true) return;
        // Worker and page clocks have different origins; timeOrigin makes them comparable.
        run.started = "running";
        record.align(data.at - performance.timeOrigin);
        if (trace) askForTrace(slot, run);
        break;
      case FromWorker.TRACE:
        if (run) {
          try {
            record.trace(readMarshal(data.events));
          } catch {
            // Not the tracer's: nothing to draw from it.
          }
        }
        break;
      case FromWorker.DONE:
        if (run) {
          const { status, error, exitCode, hint, elapsed } = data;
          finish({ status, error, exitCode: exitCode ?? undefined, hint, elapsed });
        }
        break;
      case FromWorker.STOPPING:
        if (run) run.answered = true;
        break;
      case FromWorker.GRADED:
        if (slot.grading && data.id === slot.gradingId) slot.grading(data.verdict || null);
        break;
      case FromWorker.CRASHED:
        crashed(slot, `\n${describeCrash(data)} It was restarted: you can run again.\n`);
        break;
    }
  }

  // A worker that died under a run or a check (a crash, or the browser ended it).
  function crashed(slot, note) {
    if (slot.grading) {
      slot.grading(null);
    } else if (slot === pool.next && slot.info) {
      record.output("note", note);
      const run = current;
      if (run) finish({ status: "failed", error: null, crashed: true });
      else pool.replace();
    }
  }

  function finish(result) {
    const run = current;
    current = null;
    run.timers.forEach(clearTimeout);
    // A run stopped while it waited for Python to load never had a worker.
    if (run.slot) frame.calm(run.slot.id);
    pool.release();
    run.resolve({ ...result, status: run.stopping ? "stopped" : result.status });
  }

  // The tracer's events, asked for once per animation frame while the run lasts: the page
  // draws no more often, and the worker needs no timer of its own (see worker.js).
  function askForTrace(slot, run) {
    const ask = () => {
      if (current !== run) return;
      slot.port.postMessage(sendTraceMessage(run.id));
      requestAnimationFrame(ask);
    };
    requestAnimationFrame(ask);
  }

  async function run(code) {
    if (current) await stop();
    await grader.idle;
    const run = {
      id: nextRun++,
      slot: null,
      started: false,
      stopping: false,
      answered: false,
      timers: [],
    };
    const result = new Promise((resolve) => {
      run.resolve = resolve;
    });
    // Current at once, so that Stop also ends a run still waiting for Python to load; and
    // `result` is returned before that wait, not after it (an async function's promise
    // settles only once it returns: a Stop pressed then took until Python had loaded, 0.4 to
    // 0.8 s in the page and 4 s in the SCORM package).
    current = run;
    hand(run, code);
    return result;
  }

  // The run's program goes to the next worker once that has loaded.
  async function hand(run, code) {
    const slot = await pool.take({ program: true });
    if (current !== run) return;
    if (!slot) {
      // Loading failed, and the page already says so.
      finish({ status: "failed", error: null });
      return;
    }
    run.slot = slot;
    run.started = true;
    slot.used = true;
    slot.port.postMessage(runMessage(run.id, code, trace));
  }

  function stop() {
    const run = current;
    if (!run) return Promise.resolve();
    const finished = new Promise((resolve) => {
      const original = run.resolve;
      run.resolve = (result) => {
        original(result);
        resolve(result);
      };
    });
    if (run.stopping) return finished;
    run.stopping = true;
    if (!run.started) {
      finish({ status: "stopped", error: null });
      return finished;
    }
    run.slot.port.postMessage(stopMessage(run.id));
    escalate(run, frame, () => {
      if (current !== run) return;
      record.output("note", "\nThe program did not stop; Python was restarted.\n");
      finish({ status: "stopped", error: null });
    });
    return finished;
  }

  const grader = createGrader(pool, () => (current ? stop() : undefined));

  pool.start();
  return {
    run,
    stop,
    grade: grader.grade,
    get running() {
      return current !== null;
    },
  };
}
