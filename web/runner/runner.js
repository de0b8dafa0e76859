// The page's side of the Python worker: start it, run programs, and stop them whatever they do.
import { FromWorker, SIGINT, STOP_FLAG_INDEX, ToWorker, controlViews } from "./protocol.js";

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
//    Where the interrupt lands in a finaliser or a weakref callback, Python has to swallow it
//    and says so: it is sent again, looked for this often (a few ms apart, it lands elsewhere);
const RESEND_EVERY_MS = 5;
// 3. terminate the worker and switch to the spare one, loaded in advance in the background,
//    so the next Run does not wait for Python to load again.
// Loading fails only when no byte has arrived for this long (a slow line is not a failure).
const LOAD_STALL_MS = 45_000;
// WebAssembly memory never shrinks: after a run that grew a worker past this, the spare takes
// over and the big one is let go. A fresh worker holds 30 MB of it.
const RECYCLE_BYTES = 512 * 1024 * 1024;
// The spare starts loading once no program has run for this long (see spareWhenIdle).
const SPARE_AFTER_IDLE_MS = 1_000;

// After which runs the next one had better start in the spare (only once it has loaded, so
// the next Run never waits). A program that had to be interrupted (cancelling was not enough)
// may leave anything behind in its interpreter, e.g. garbage nested too deep to free on the
// browser's stack (seen with a runaway recursion: the next run's garbage collection crashed).
// And WebAssembly memory never shrinks.
const wornOut = (done, run) => run?.interrupted || done.memory > RECYCLE_BYTES;

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
 * for Stop. A run resolves to {status, error, exitCode?, hint?, elapsed?, crashed?}.
 * `options` are the address's (web/record/options.js): jspi=off hides WebAssembly stack
 * switching (tests of the non-JSPI path), snapshot=off always starts Python afresh and
 * trace=off runs without the tracer (the benchmark's baselines).
 */
export function createRunner(record, options) {
  const workerURL = new URL("worker.js", import.meta.url);
  // The worker gets its switches in its name, not its URL: served from the service worker's
  // cache, worker.js would run under the cached URL, without the query.
  const workerSwitches = new URLSearchParams();
  for (const name of ["jspi", "snapshot"]) {
    if (options[name] === "off") workerSwitches.set(name, "off");
  }
  const workerOptions = { type: "module", name: workerSwitches.toString() };
  const trace = options.trace !== "off";

  // The worker that runs programs, and one spare loading or loaded in the background to take
  // over at once when Stop has to terminate it (one only: each holds a whole Python).
  // Each is {worker, control, ready, info}: info is {jspi, isolated, snapshot} once loaded.
  let python = null;
  let spare = null;
  let current = null; // {id, started, stopping, interrupted, timers, resolve}
  let nextId = 1;

  function spawn() {
    const slot = { worker: new Worker(workerURL, workerOptions), control: null, info: null };
    const { worker } = slot;
    // Only the active worker speaks to the page; a spare loads silently.
    const active = () => slot === python;
    let stallTimer = 0;
    let markReady;
    let markFailed;
    slot.ready = new Promise((resolve, reject) => {
      markReady = resolve;
      markFailed = reject;
    });
    slot.ready.catch(() => {});
    const failed = (message) => {
      clearTimeout(stallTimer);
      markFailed(new Error(message));
      if (active()) record.loadFailed(message);
      else dropSpare(slot);
    };
    const stalled = () =>
      failed(
        "Python did not finish loading: the connection stopped sending data. Reload to try again.",
      );
    const watch = () => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(stalled, LOAD_STALL_MS);
    };
    watch();
    worker.onmessage = ({ data }) => {
      switch (data.type) {
        case FromWorker.PROGRESS:
          watch();
          if (active()) record.loading(data.total ? data.loaded / data.total : 0);
          break;
        case FromWorker.READY:
          clearTimeout(stallTimer);
          slot.control = data.control && controlViews(data.control);
          slot.info = { jspi: data.jspi, isolated: data.isolated, snapshot: data.snapshot };
          markReady();
          if (active()) activated();
          else record.spare("ready");
          break;
        case FromWorker.FAILED_TO_LOAD:
          failed(`Python could not start: ${data.message}`);
          break;
        case FromWorker.OUTPUT:
          if (current && data.id === current.id) record.output(data.stream, data.text);
          break;
        case FromWorker.STARTED:
          // Worker and page clocks have different origins; timeOrigin makes them comparable.
          if (current && data.id === current.id) {
            record.align(data.at - performance.timeOrigin);
            if (trace) askForTrace(worker, current);
          }
          break;
        case FromWorker.TRACE:
          if (current && data.id === current.id) record.trace(JSON.parse(data.events));
          break;
        case FromWorker.DONE: {
          const run = current && data.id === current.id ? current : null;
          if (run) {
            const { status, error, exit_code: exitCode, hint, elapsed } = data;
            finish({ status, error, exitCode, hint, elapsed });
          }
          if (active() && spare?.info && wornOut(data, run)) replaceWorker();
          break;
        }
        case FromWorker.CRASHED:
          if (active()) crashed(describeCrash(data));
          break;
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      if (!active()) dropSpare(slot);
      else if (slot.info) crashed("Python stopped with an internal error.");
      else failed("Python could not start in this browser.");
    };
    return slot;
  }

  // The active worker has loaded: tell the page, then load a spare behind it.
  function activated() {
    record.ready(python.info);
    spareWhenIdle();
  }

  // Loading Python keeps a core busy for seconds: on a two-core machine that made the lesson's
  // programs run late by 0.2 s, against timings that must match CPython's. So the spare loads
  // only once no program has run for a moment (a learner reads and types for longer).
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
    slot.worker.terminate();
    if (spare !== slot) return;
    spare = null;
    record.spare("none");
  }

  function replaceWorker() {
    python.worker.terminate();
    python = spare ?? spawn();
    spare = null;
    record.spare("none");
    // A spare that has loaded is ready now; one still loading reports READY itself.
    if (python.info) activated();
  }

  function crashed(description) {
    record.output("note", `\n${description} It was restarted: you can run again.\n`);
    replaceWorker();
    if (current) finish({ status: "failed", error: null, crashed: true });
  }

  function finish(result) {
    const run = current;
    current = null;
    run.timers.forEach(clearTimeout);
    run.resolve({ ...result, status: run.stopping ? "stopped" : result.status });
    spareWhenIdle();
  }

  // The tracer's events, asked for once per animation frame while the run lasts: the page
  // draws no more often, and the worker needs no timer of its own (see worker.js).
  function askForTrace(worker, run) {
    const ask = () => {
      if (current !== run) return;
      worker.postMessage({ type: ToWorker.SEND_TRACE, id: run.id });
      requestAnimationFrame(ask);
    };
    requestAnimationFrame(ask);
  }

  async function run(code) {
    if (current) await stop();
    const run = {
      id: nextId++,
      started: false,
      stopping: false,
      interrupted: false,
      timers: [],
      resolve: null,
    };
    const result = new Promise((resolve) => {
      run.resolve = resolve;
    });
    // Current at once, so that Stop also ends a run still waiting for Python to load.
    current = run;
    try {
      await python.ready;
    } catch {
      // Loading failed, and the page already says so.
      if (current === run) finish({ status: "failed", error: null });
    }
    if (current !== run) return result;
    run.started = true;
    python.worker.postMessage({ type: ToWorker.RUN, id: run.id, code, trace });
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
    const { worker, control } = python;
    worker.postMessage({ type: ToWorker.STOP, id: run.id });
    run.timers.push(
      setTimeout(() => {
        run.interrupted = true;
        if (!control) return;
        Atomics.store(control.flag, STOP_FLAG_INDEX, 1);
        Atomics.notify(control.flag, STOP_FLAG_INDEX);
        control.interrupt[0] = SIGINT;
        // (finish clears it: clearTimeout clears an interval too)
        run.timers.push(
          setInterval(() => {
            if (Atomics.exchange(control.lost, 0, 0)) control.interrupt[0] = SIGINT;
          }, RESEND_EVERY_MS),
        );
      }, CANCEL_GRACE_MS),
      setTimeout(() => {
        if (current !== run) return;
        record.output("note", "\nThe program did not stop; Python was restarted.\n");
        replaceWorker();
        finish({ status: "stopped", error: null });
        // Without a control buffer (a page not cross-origin isolated) there is no step 2.
      }, CANCEL_GRACE_MS + (control ? INTERRUPT_GRACE_MS : 0)),
    );
    return finished;
  }

  python = spawn();
  return {
    run,
    stop,
    get running() {
      return current !== null;
    },
  };
}
