// The one boundary between the page and the Python worker: every message either side sends
// is a plain object whose `type` is one of these. Nothing else crosses it (never a proxy).
// Idea from alexmojaki's pyodide-worker-runner: a handful of typed messages, declared once.

/** Page -> worker. */
export const ToWorker = Object.freeze({
  RUN: "run", // {type, id, code, trace}: trace false runs without the tracer
  STOP: "stop", // {type, id}
  // {type, id}: send the tracer's events recorded since the last TRACE. The page asks once
  // per animation frame: a timer in the worker would delay the program's own (see worker.js).
  SEND_TRACE: "send-trace",
});

/** Worker -> page. */
export const FromWorker = Object.freeze({
  PROGRESS: "progress", // {type, loaded, total}: bytes of Python fetched so far
  READY: "ready", // {type, jspi, isolated, control, snapshot}: control is a SharedArrayBuffer
  // or null; snapshot says whether Python was restored from the build's memory snapshot
  FAILED_TO_LOAD: "failed-to-load", // {type, message}
  OUTPUT: "output", // {type, id, stream: "stdout" | "stderr", text}
  // ...or stream "note": a line of the worker's own, e.g. how much output was not shown.
  STARTED: "started", // {type, id, at}: when the program started, as timeOrigin + now() in ms
  TRACE: "trace", // {type, id, events}: a JSON array of tracer events (py/playground/tracer.py)
  DONE: "done", // {type, id, status: "finished" | "failed" | "stopped", error, elapsed}: elapsed
  // is the program's own time in seconds (absent when the worker had to be replaced)
  // DONE may also carry exit_code (the program raised SystemExit), hint (a sentence for the
  // learner, e.g. how to install a missing module) and memory (bytes of WebAssembly memory).
  CRASHED: "crashed", // {type, id, name, message}: Pyodide died (a wasm trap, a stack overflow)
});

// Layout of the shared control buffer (only where the page is cross-origin isolated):
// Int32 slot 0 is the stop flag the worker's blocking sleep waits on; byte 4 is Pyodide's
// interrupt buffer (2 = SIGINT, so a busy loop gets KeyboardInterrupt); byte 5 is 1 when
// Python had to swallow that KeyboardInterrupt (see py/playground/browser.py), for the page
// to send it again.
export const CONTROL_BYTES = 8;
export const STOP_FLAG_INDEX = 0;
const INTERRUPT_BYTE = 4;
const LOST_BYTE = 5;
export const SIGINT = 2;

/** The control buffer's fields, as the page and the worker both read them. */
export function controlViews(buffer) {
  return {
    flag: new Int32Array(buffer, 0, 1),
    interrupt: new Uint8Array(buffer, INTERRUPT_BYTE, 1),
    lost: new Uint8Array(buffer, LOST_BYTE, 1),
  };
}

/**
 * What the worker gives Pyodide as its interrupt buffer: a view of the control buffer's
 * interrupt `byte` that clears it only if it still holds what Python read. CPython's check
 * (_Py_CheckEmscriptenSignals_Helper) reads the byte, then writes 0 to it: two steps, and a
 * Stop the page writes between them was overwritten and lost. `while True: pass` checks every
 * 50 turns, so often that this befell 2 of ~90 Stops with the machine busy: the program ran on
 * until the spare worker replaced it, and its `finally` never ran. Readers that only read
 * (Pyodide's checkInterrupt) consume nothing.
 */
export function interruptView(byte) {
  let read = 0;
  return {
    get 0() {
      read = Atomics.load(byte, 0);
      return read;
    },
    set 0(value) {
      Atomics.compareExchange(byte, 0, read, value);
    },
  };
}
