// The page's side of the sealed runner: it makes the sandbox frame (sandbox.js), hands it the
// site's files, has it start one Python worker per run, runs programs, and stops them whatever
// they do. Every program starts in a worker no earlier program touched: after each run the
// worker is thrown away and the spare, loaded in advance, takes its place.
import { fetchRunnerFiles, fetchSnapshot, readSiteFile } from "./files.js";
import { zipDigest } from "./interpreter.js";
import {
  FromFrame,
  FromWorker,
  SNAPSHOT_FILE,
  ToFrame,
  ToWorker,
  ZIP_DIGEST,
  checkedFromWorker,
} from "./protocol.js";

// Stop escalates in three steps, all within one second:
// 1. ask the worker to cancel every task (finally blocks run) - enough for an idle loop,
//    which measured 20-30 ms here;
const CANCEL_GRACE_MS = 200;
// 2. raise KeyboardInterrupt through the interrupt buffer (cross-origin isolated pages only)
//    and wake a blocking time.sleep() - enough for a busy loop (about 25 ms; Python looks at
//    the buffer only every 50 checks of its eval loop, so a loop of slow steps may miss it).
//    250 ms proved too short once in a full test run, with the spare worker compiling on the
//    other core: 450 ms lets finally blocks run, and the last step still starts at 0.65 s.
const INTERRUPT_GRACE_MS = 450;
// 3. terminate the worker and switch to the spare one, loaded in advance in the background,
//    so the next Run does not wait for Python to load again.
// Loading fails only when nothing has been heard for this long (a slow line is not a failure).
const LOAD_STALL_MS = 45_000;
// A check that has not answered in this long is stuck (its author's loop): the learner is
// told it could not run, and its worker is thrown away.
const GRADE_WITHIN_MS = 10_000;
// How long a run waits for a spare that is loading before it starts anyway (see run).
const SPARE_WAIT_MS = 3_000;
// The spare starts loading once no program has run for this long (see spareWhenIdle).
const SPARE_AFTER_IDLE_MS = 1_000;

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
 * Tells `record` (web/record/run-record.js) what Python does: loading(fraction),
 * ready({jspi, isolated, snapshot}), loadFailed(message), output(stream, text),
 * align(pageTimeMs), trace(events), spare("none" | "loading" | "ready"): the worker kept warm
 * for the next run and for Stop. A run resolves to {status, error, exitCode?, hint?, elapsed?,
 * crashed?}. `options` are the address's (web/record/options.js): jspi=off hides WebAssembly
 * stack switching (tests of the non-JSPI path), snapshot=off always starts Python afresh and
 * trace=off runs without the tracer (the benchmark's baselines).
 */
export function createRunner(record, options) {
  const site = new URL("./", import.meta.url).href;
  const switches = { site, jspi: options.jspi ?? "on", snapshot: options.snapshot ?? "on" };
  const trace = options.trace !== "off";

  // Nothing heard for LOAD_STALL_MS while Python loads: the connection stopped.
  let stallTimer = 0;
  const watch = () => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(
      () => failed("Python did not finish loading: the connection stopped sending data. Reload to try again."),
      LOAD_STALL_MS,
    );
  };
  const failed = (message) => {
    clearTimeout(stallTimer);
    record.loadFailed(message);
  };
  watch();

  // --- the sandbox frame ----------------------------------------------------------------
  const frame = document.createElement("iframe");
  // Scripts only: no allow-same-origin, so its origin is opaque. allow="cross-origin-isolated"
  // keeps SharedArrayBuffer where the page has it (COOP/COEP), for Stop's interrupt buffer.
  frame.setAttribute("sandbox", "allow-scripts");
  frame.allow = "cross-origin-isolated";
  frame.title = "Python runner";
  frame.hidden = true;
  frame.tabIndex = -1;
  frame.setAttribute("aria-hidden", "true");
  // Its document is given as srcdoc, read by the page: Chromium hands no sandboxed frame's
  // navigation to the service worker, so loading it from its address would fail offline.
  const frameLoaded = new Promise((resolve) => frame.addEventListener("load", resolve, { once: true }));
  const frameFetched = fetch(new URL("sandbox.html", site))
    .then((response) => {
      if (!response.ok) throw new Error(`sandbox.html: HTTP ${response.status}`);
      return response.text();
    })
    .then((html) => {
      frame.srcdoc = html;
      document.body.append(frame);
    });
  const toFrame = (message, transfer = []) => frame.contentWindow.postMessage(message, "*", transfer);

  // The frame's script runs as it loads, while the page still fetches the files; it can make
  // workers once it has said it is ready and has them.
  let isolated = false;
  let frameReady;
  let filesSent;
  const frameStarted = Promise.all([
    new Promise((resolve) => {
      frameReady = resolve;
    }),
    new Promise((resolve) => {
      filesSent = resolve;
    }),
  ]);
  addEventListener("message", (event) => {
    if (event.source !== frame.contentWindow) return;
    const data = event.data;
    if (data?.type === FromFrame.READY) {
      isolated = data.isolated === true;
      frameReady();
    } else if (data?.type === FromFrame.WORKER_ERROR) {
      const slot = [python, spare].find((s) => s?.id === data.worker);
      if (slot) workerDied(slot);
    }
  });

  // Each file goes to the frame as soon as it is whole (the WebAssembly first of all: the frame
  // compiles it while the rest arrives).
  const toFrameWhenLoaded = (files) => {
    frameLoaded.then(() => toFrame({ type: ToFrame.FILES, files }));
  };
  const files = fetchRunnerFiles(site, {
    onProgress: (fraction) => record.loading(fraction),
    onData: watch,
    onFile: (path, body) => toFrameWhenLoaded({ [path]: body }),
  });
  const snapshot = options.snapshot === "off" ? null : fetchSnapshot(site, { cachedOnly: true });
  (async () => {
    let received;
    try {
      received = await files;
      await frameFetched;
    } catch (error) {
      failed(`Python could not start: ${error.message}`);
      return;
    }
    
    const cached = await snapshot;
    try {
      const digest = await zipDigest(await received["playground.zip"].arrayBuffer());
      toFrameWhenLoaded(cached ? { [ZIP_DIGEST]: digest, [SNAPSHOT_FILE]: cached } : { [ZIP_DIGEST]: digest });
    } catch {
      // No Web Crypto (a page served over plain http from another machine): no snapshot.
    }
    await frameLoaded;
    filesSent();
  })();

  // The snapshot the spares restore from, where the first worker could not: fetched once
  // Python is ready (from the service worker's cache, or once over the network).
  let snapshotSent = options.snapshot === "off" ? Promise.resolve() : null;
  function sendSnapshot() {
    snapshotSent ??= snapshot.then(async (cached) => {
      if (cached) return; // the frame has it already
      const blob = await fetchSnapshot(site, { cachedOnly: false });
      if (blob) toFrame({ type: ToFrame.FILES, files: { [SNAPSHOT_FILE]: blob } });
    });
    return snapshotSent;
  }

  // --- workers ------------------------------------------------------------------------------
  // The worker for the next (or current) run, and one spare loading or loaded behind it (one
  // only: each holds a whole Python). Each slot is {id, port, info, ready, used}; info is
  // {jspi, isolated, snapshot} once loaded.
  let python = null;
  let spare = null;
  let current = null; // the run: {id, slot, started, stopping, interrupted, timers, resolve}
  let nextWorker = 1;
  let nextRun = 1;

  function spawn() {
    const channel = new MessageChannel();
    const slot = { id: nextWorker++, port: channel.port1, info: null, used: false };
    let markReady;
    let markFailed;
    slot.ready = new Promise((resolve, reject) => {
      markReady = resolve;
      markFailed = reject;
    });
    slot.ready.catch(() => {});
    slot.fail = (message) => {
      markFailed(new Error(message));
      if (slot === python) failed(message);
      else dropSpare(slot);
    };
    channel.port1.onmessage = ({ data }) => {
      const message = checkedFromWorker(data);
      if (message) heard(slot, message, markReady);
    };
    frameStarted.then(() =>
      toFrame({ type: ToFrame.SPAWN, worker: slot.id, port: channel.port2, switches }, [channel.port2]),
    );
    return slot;
  }

  function heard(slot, data, markReady) {
    const run = current && current.slot === slot && data.id === current.id ? current : null;
    switch (data.type) {
      case FromWorker.READY:
        if (slot.info) return; // once
        slot.info = { jspi: data.jspi, isolated, snapshot: data.snapshot };
        markReady();
        if (slot === python) activated();
        else record.spare("ready");
        break;
      case FromWorker.FAILED_TO_LOAD:
        if (!slot.info) slot.fail(`Python could not start: ${data.message}`);
        break;
      case FromWorker.FETCH:
        readSiteFile(site, data.url, data.integrity).then((answer) => {
          const body = answer.body ? [answer.body] : [];
          slot.port.postMessage({ type: ToWorker.FETCHED, request: data.request, ...answer }, body);
        });
        break;
      case FromWorker.OUTPUT:
        if (run) record.output(data.stream, data.text);
        break;
      case FromWorker.STARTED:
        if (!run || run.started !== true) return;
        // Worker and page clocks have different origins; timeOrigin makes them comparable.
        run.started = "running";
        record.align(data.at - performance.timeOrigin);
        if (trace) askForTrace(slot, run);
        break;
      case FromWorker.TRACE:
        if (run) {
          try {
            record.trace(JSON.parse(data.events));
          } catch {
            // Not the tracer's: nothing to draw from it.
          }
        }
        break;
      case FromWorker.DONE:
        if (run) {
          const { status, error, exit_code: exitCode, hint, elapsed } = data;
          finish({ status, error, exitCode: exitCode ?? undefined, hint, elapsed });
        }
        break;
      case FromWorker.GRADED:
        if (slot.grading && data.id === slot.gradingId) slot.grading(data.verdict || null);
        break;
      case FromWorker.CRASHED:
        if (slot.grading) slot.grading(null);
        else if (slot === python && slot.info) {
          record.output("note", `\n${describeCrash(data)} It was restarted: you can run again.\n`);
          replaceWorker();
          if (run) finish({ status: "failed", error: null, crashed: true });
        }
        break;
    }
  }

  // A worker the frame saw die (its script failed, or the browser ended it).
  function workerDied(slot) {
    if (slot.grading) {
      slot.grading(null);
      return;
    }
    if (!slot.info) {
      slot.fail("Python could not start in this browser.");
    } else if (slot === python) {
      record.output("note", "\nPython stopped with an internal error. It was restarted: you can run again.\n");
      const run = current;
      replaceWorker();
      if (run) finish({ status: "failed", error: null, crashed: true });
    } else {
      dropSpare(slot);
    }
  }

  // The worker for the next run has loaded: tell the page, then load a spare behind it.
  function activated() {
    clearTimeout(stallTimer);
    record.ready(python.info);
    sendSnapshot().then(spareWhenIdle);
  }

  // Loading Python keeps a core busy: on a two-core machine that made the lesson's programs
  // run late by 0.2 s, against timings that must match CPython's. So the spare loads only
  // once no program has run for a moment (a learner reads and types for longer).
  let spareTimer = 0;
  function spareWhenIdle() {
    clearTimeout(spareTimer);
    if (spare || current) return;
    spareTimer = setTimeout(() => {
      if (spare || current) return;
      spare = spawn();
      record.spare("loading");
    }, SPARE_AFTER_IDLE_MS);
  }

  // A spare that failed is let go; the next switch loads another one instead.
  function dropSpare(slot) {
    toFrame({ type: ToFrame.TERMINATE, worker: slot.id });
    if (spare !== slot) return;
    spare = null;
    record.spare("none");
  }

  // The worker that ran a program (or failed, or would not stop) is thrown away, and the
  // spare, or a new worker, takes its place: no program ever meets an earlier one's leftovers.
  function replaceWorker() {
    toFrame({ type: ToFrame.TERMINATE, worker: python.id });
    python = spare ?? spawn();
    spare = null;
    record.spare("none");
    // A spare that has loaded is ready now; one still loading reports READY itself.
    if (python.info) activated();
  }

  function finish(result) {
    const run = current;
    current = null;
    run.timers.forEach(clearTimeout);
    // A run stopped while it waited for Python to load never had a worker.
    if (run.slot) toFrame({ type: ToFrame.CALM, worker: run.slot.id });
    if (run.slot && run.slot === python && run.slot.used) replaceWorker();
    run.resolve({ ...result, status: run.stopping ? "stopped" : result.status });
    spareWhenIdle();
  }

  // The tracer's events, asked for once per animation frame while the run lasts: the page
  // draws no more often, and the worker needs no timer of its own (see worker.js).
  function askForTrace(slot, run) {
    const ask = () => {
      if (current !== run) return;
      slot.port.postMessage({ type: ToWorker.SEND_TRACE, id: run.id });
      requestAnimationFrame(ask);
    };
    requestAnimationFrame(ask);
  }

  async function run(code) {
    if (current) await stop();
    await grading;
    const run = { id: nextRun++, slot: null, started: false, stopping: false, interrupted: false };
    run.timers = [];
    const result = new Promise((resolve) => {
      run.resolve = resolve;
    });
    // Current at once, so that Stop also ends a run still waiting for Python to load.
    current = run;
    clearTimeout(spareTimer);
    const slot = python;
    try {
      await slot.ready;
    } catch {
      // Loading failed, and the page already says so.
      if (current === run) finish({ status: "failed", error: null });
    }
    if (current !== run) return result;
    // A spare still loading would share the CPU with the program (two cores here: its timers
    // woke up to 0.2 s late). The program's own time starts when it does, so the wait shows
    // only as a later start, bounded in case the spare never loads.
    if (spare && !spare.info) {
      await Promise.race([spare.ready.catch(() => {}), new Promise((r) => setTimeout(r, SPARE_WAIT_MS))]);
      if (current !== run) return result;
    }
    run.slot = slot;
    run.started = true;
    slot.used = true;
    slot.port.postMessage({ type: ToWorker.RUN, id: run.id, code, trace });
    return result;
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
    const slot = run.slot;
    slot.port.postMessage({ type: ToWorker.STOP, id: run.id });
    run.timers.push(
      setTimeout(() => {
        run.interrupted = true;
        if (isolated) toFrame({ type: ToFrame.INTERRUPT, worker: slot.id });
      }, CANCEL_GRACE_MS),
      setTimeout(() => {
        if (current !== run) return;
        record.output("note", "\nThe program did not stop; Python was restarted.\n");
        finish({ status: "stopped", error: null });
        // Without a control buffer (a page not cross-origin isolated) there is no step 2.
      }, CANCEL_GRACE_MS + (isolated ? INTERRUPT_GRACE_MS : 0)),
    );
    return finished;
  }

  // An exercise's check on a finished run's data, in the worker that would take the next run
  // (no program ran in it), which is then thrown away as a run's is. Resolves to the verdict
  // as JSON text, or null when the check could not run (it crashed Python, or ran too long).
  let grading = Promise.resolve();
  function grade(check, runData) {
    const graded = (async () => {
      await grading;
      if (current) await stop();
      const slot = python;
      try {
        await slot.ready;
      } catch {
        return null;
      }
      slot.used = true;
      slot.gradingId = nextRun++;
      // The program has ended: the next run's worker can load beside the check at once.
      if (!spare) {
        clearTimeout(spareTimer);
        spare = spawn();
        record.spare("loading");
      }
      const verdict = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve(null), GRADE_WITHIN_MS);
        slot.grading = (answer) => {
          clearTimeout(timer);
          resolve(answer);
        };
        const run = JSON.stringify(runData);
        slot.port.postMessage({ type: ToWorker.GRADE, id: slot.gradingId, check, run });
      });
      slot.grading = null;
      if (slot === python) replaceWorker();
      else toFrame({ type: ToFrame.TERMINATE, worker: slot.id });
      spareWhenIdle();
      return verdict;
    })();
    grading = graded.then(() => {});
    return graded;
  }

  python = spawn();
  return {
    run,
    stop,
    grade,
    get running() {
      return current !== null;
    },
  };
}
