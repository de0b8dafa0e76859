// The page's side of the Python worker: start it, run programs, and stop them whatever they do.
import { FromWorker, INTERRUPT_BYTE, SIGINT, STOP_FLAG_INDEX, ToWorker } from "./protocol.js";

// Stop escalates in three steps, all within one second:
// 1. ask the worker to cancel every task (finally blocks run) - enough for an idle loop;
const CANCEL_GRACE_MS = 250;
// 2. raise KeyboardInterrupt through the interrupt buffer (cross-origin isolated pages only)
//    and wake a blocking time.sleep() - enough for a busy loop;
const INTERRUPT_GRACE_MS = 350;
// 3. terminate the worker and start a fresh one.
// Loading fails only when no byte has arrived for this long (a slow line is not a failure).
const LOAD_STALL_MS = 45_000;

/**
 * Events: onProgress(fraction), onReady({jspi, isolated}), onLoadFailed(message),
 * onOutput(stream, text), onRestart().
 */
export function createRunner(events) {
  const workerURL = new URL("worker.js", import.meta.url);
  // Only this switch is read from the page's URL, and only to pick one of two fixed values.
  if (new URL(location.href).searchParams.get("jspi") === "off") {
    workerURL.searchParams.set("jspi", "off");
  }

  let worker = null;
  let control = null;
  let ready = null;
  let current = null; // {id, stopping, timers, resolve}
  let nextId = 1;

  function spawn() {
    worker = new Worker(workerURL, { type: "module" });
    control = null;
    let stallTimer = 0;
    let markReady;
    let markFailed;
    ready = new Promise((resolve, reject) => {
      markReady = resolve;
      markFailed = reject;
    });
    ready.catch(() => {});
    const stalled = () => {
      markFailed(new Error("stalled"));
      events.onLoadFailed(
        "Python did not finish loading: the connection stopped sending data. Reload to try again.",
      );
    };
    const watch = () => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(stalled, LOAD_STALL_MS);
    };
    watch();
    worker.onmessage = ({ data }) => {
      switch (data.type) {
        case FromWorker.PROGRESS:
          watch();
          events.onProgress(data.total ? data.loaded / data.total : 0);
          break;
        case FromWorker.READY:
          clearTimeout(stallTimer);
          control = data.control && {
            flag: new Int32Array(data.control, 0, 1),
            interrupt: new Uint8Array(data.control, INTERRUPT_BYTE, 1),
          };
          markReady();
          events.onReady({ jspi: data.jspi, isolated: data.isolated });
          break;
        case FromWorker.FAILED_TO_LOAD:
          clearTimeout(stallTimer);
          markFailed(new Error(data.message));
          events.onLoadFailed(`Python could not start: ${data.message}`);
          break;
        case FromWorker.OUTPUT:
          if (current && data.id === current.id) events.onOutput(data.stream, data.text);
          break;
        case FromWorker.DONE:
          if (current && data.id === current.id) finish({ status: data.status, error: data.error });
          break;
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      clearTimeout(stallTimer);
      if (current) {
        events.onOutput("note", "\nThe Python worker crashed; starting a fresh one.\n");
        replaceWorker();
        finish({ status: current.stopping ? "stopped" : "failed", error: null });
      } else {
        markFailed(new Error("worker error"));
        events.onLoadFailed("Python could not start in this browser.");
      }
    };
  }

  function replaceWorker() {
    worker.terminate();
    spawn();
    events.onRestart();
  }

  function finish(result) {
    const run = current;
    current = null;
    run.timers.forEach(clearTimeout);
    run.resolve({ ...result, status: run.stopping ? "stopped" : result.status });
  }

  async function run(code) {
    if (current) await stop();
    await ready;
    return new Promise((resolve) => {
      current = { id: nextId++, stopping: false, timers: [], resolve };
      worker.postMessage({ type: ToWorker.RUN, id: current.id, code });
    });
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
    worker.postMessage({ type: ToWorker.STOP, id: run.id });
    run.timers.push(
      setTimeout(() => {
        if (!control) return;
        Atomics.store(control.flag, STOP_FLAG_INDEX, 1);
        Atomics.notify(control.flag, STOP_FLAG_INDEX);
        control.interrupt[0] = SIGINT;
      }, CANCEL_GRACE_MS),
      setTimeout(() => {
        if (current !== run) return;
        events.onOutput("note", "\nThe program did not stop; Python was restarted.\n");
        replaceWorker();
        finish({ status: "stopped", error: null });
      }, CANCEL_GRACE_MS + INTERRUPT_GRACE_MS),
    );
    return finished;
  }

  spawn();
  return {
    run,
    stop,
    get running() {
      return current !== null;
    },
  };
}
