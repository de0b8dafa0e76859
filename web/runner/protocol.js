// The boundaries of the sealed runner, declared once. Three parties talk:
//   the page (runner.js), same origin as the site;
//   the sandbox frame (sandbox.js), an iframe sandboxed to an opaque origin, which makes
//     one Python worker per run and writes the interrupt buffer;
//   the Python worker (worker.js), which runs the learner's program.
// Every message is a plain object whose `type` is one of these (never a proxy). The page and
// the worker talk over a MessagePort the page hands each worker; the learner's program runs in
// the worker, so the page checks every message from it against the shapes below and drops
// what does not fit. Idea from alexmojaki's pyodide-worker-runner: a handful of typed
// messages, declared once.

/** Page -> sandbox frame (only its parent's messages are taken). */
export const ToFrame = Object.freeze({
  // {type, files}: the site's files the frame and its workers need, by path (see RUNNER_FILES)
  FILES: "files",
  // {type, worker, port, switches}: start Python worker number `worker`, talking over `port`;
  // switches: {jspi, snapshot} ("off" hides WebAssembly stack switching, or starts afresh;
  // snapshot "make": the worker makes a memory snapshot instead of running anything)
  SPAWN: "spawn",
  INTERRUPT: "interrupt", // {type, worker}: raise KeyboardInterrupt in it (Stop's second step)
  CALM: "calm", // {type, worker}: the run ended; stop sending the interrupt again
  TERMINATE: "terminate", // {type, worker}: end it (after its run, or Stop's last step)
});

/** Sandbox frame -> page. */
export const FromFrame = Object.freeze({
  // {type, isolated}: the frame has the files; isolated: it can share memory with its workers
  // (SharedArrayBuffer: Stop can interrupt a busy program, time.sleep blocks without spinning)
  READY: "frame-ready",
  WORKER_ERROR: "worker-error", // {type, worker, message}: the worker died or could not start
});

/** Page -> worker (over its port). */
export const ToWorker = Object.freeze({
  RUN: "run", // {type, id, code, trace}: trace false runs without the tracer
  STOP: "stop", // {type, id}
  // {type, id}: send the tracer's events recorded since the last TRACE. The page asks once
  // per animation frame: a timer in the worker would delay the program's own (see worker.js).
  SEND_TRACE: "send-trace",
  // {type, request, ok, status, contentType, body, message}: the answer to FETCH (body an
  // ArrayBuffer)
  FETCHED: "fetched",
  // {type, id, check, run}: mark a finished run with an exercise's check (its source; run: the
  // run's data as JSON, see py/playground/checks.py grade_json), in a worker no program ran in
  GRADE: "grade",
});

/** Worker -> page (over its port). */
export const FromWorker = Object.freeze({
  READY: "ready", // {type, jspi, snapshot}: snapshot: restored from the build's memory snapshot
  FAILED_TO_LOAD: "failed-to-load", // {type, message}
  OUTPUT: "output", // {type, id, stream: "stdout" | "stderr" | "note", text}: a note is a line
  // of the worker's own, e.g. how much output was not shown
  STARTED: "started", // {type, id, at}: when the program started, as timeOrigin + now() in ms
  TRACE: "trace", // {type, id, events}: tracer events (trace_schema.json), as web/record/marshal.js reads them
  DONE: "done", // {type, id, status: "finished" | "failed" | "stopped", error, elapsed}: elapsed
  // is the program's own time in seconds. DONE may also carry exitCode (the program raised
  // SystemExit) and hint (a sentence for the learner, e.g. how to install a missing module).
  CRASHED: "crashed", // {type, id, name, message}: Pyodide died (a wasm trap, a stack overflow)
  // {type, request, url, integrity}: read one of the site's own files (packages for
  // micropip and Pyodide); the page answers FETCHED. See SITE_FILES.
  FETCH: "fetch",
  GRADED: "graded", // {type, id, verdict}: the verdict as JSON ("" if the check could not run)
  // {type, id}: STOP arrived, so no step of Python holds the worker: the tasks are being
  // cancelled (Stop's first step reached the program)
  STOPPING: "stopping",
  // {type, bytes}: the memory snapshot a worker spawned to make one made (see worker.js)
  SNAPSHOT: "snapshot",
});

// The messages themselves, made only here: every site that posts one calls its function, so
// each message's fields are declared once, typed (tsc checks the callers), and the page's
// checks below read the same names the worker writes.

/**
 * What a worker is started with (the sandbox frame's switches, from the page's address).
 * @typedef {{site: string, jspi: string, snapshot: string}} Switches
 * `site`: the site's root URL; `jspi` "on" or "off", `snapshot` "on", "off" or "make" (see
 * ToFrame.SPAWN).
 * @typedef {{line: number, column: number, message: string, type: string}} ProgramError
 * @typedef {"finished" | "failed" | "stopped"} RunStatus
 * @typedef {{ok: boolean, status: number, contentType?: string, body?: ArrayBuffer,
 *   message?: string}} FetchAnswer
 */

// Page -> sandbox frame.

/** @param {Record<string, Blob | ArrayBuffer | string>} files by path */
export const filesMessage = (files) => ({ type: ToFrame.FILES, files });
/**
 * @param {number} worker
 * @param {MessagePort} port transferred with the message
 * @param {Switches} switches
 */
export const spawnMessage = (worker, port, switches) => ({
  type: ToFrame.SPAWN,
  worker,
  port,
  switches,
});
/** @param {number} worker */
export const interruptMessage = (worker) => ({ type: ToFrame.INTERRUPT, worker });
/** @param {number} worker */
export const calmMessage = (worker) => ({ type: ToFrame.CALM, worker });
/** @param {number} worker */
export const terminateMessage = (worker) => ({ type: ToFrame.TERMINATE, worker });

// Sandbox frame -> page.

/** @param {boolean} isolated */
export const frameReadyMessage = (isolated) => ({ type: FromFrame.READY, isolated });
/**
 * @param {number} worker
 * @param {string} message
 */
export const workerErrorMessage = (worker, message) => ({
  type: FromFrame.WORKER_ERROR,
  worker,
  message,
});

// Sandbox frame -> worker: its one message, as it starts.

/**
 * @param {MessagePort} port the worker's port to the page, transferred with the message
 * @param {WebAssembly.Module} module Pyodide's WebAssembly, compiled once by the frame
 * @param {Record<string, Blob | ArrayBuffer | string>} files
 * @param {SharedArrayBuffer | null} control the control buffer, where the frame is isolated
 * @param {Switches} switches
 */
export const workerInit = (port, module, files, control, switches) => ({
  port,
  module,
  files,
  control,
  switches,
});
/** @typedef {ReturnType<typeof workerInit>} WorkerInit */

// Page -> worker.

/**
 * @param {number} id
 * @param {string} code
 * @param {boolean} trace
 */
export const runMessage = (id, code, trace) => ({ type: ToWorker.RUN, id, code, trace });
/** @param {number} id */
export const stopMessage = (id) => ({ type: ToWorker.STOP, id });
/** @param {number} id */
export const sendTraceMessage = (id) => ({ type: ToWorker.SEND_TRACE, id });
/**
 * @param {number} request
 * @param {FetchAnswer} answer
 */
export const fetchedMessage = (request, answer) => ({ type: ToWorker.FETCHED, request, ...answer });
/**
 * @param {number} id
 * @param {string} check the check's source
 * @param {string} run the run's data as JSON
 */
export const gradeMessage = (id, check, run) => ({ type: ToWorker.GRADE, id, check, run });

// Worker -> page (checked on arrival by checkedFromWorker).

/**
 * @param {boolean} jspi
 * @param {boolean} snapshot
 */
export const readyMessage = (jspi, snapshot) => ({ type: FromWorker.READY, jspi, snapshot });
/** @param {string} message */
export const failedToLoadMessage = (message) => ({ type: FromWorker.FAILED_TO_LOAD, message });
/**
 * @param {number} id
 * @param {"stdout" | "stderr" | "note"} stream
 * @param {string} text
 */
export const outputMessage = (id, stream, text) => ({ type: FromWorker.OUTPUT, id, stream, text });
/**
 * @param {number} id
 * @param {number} at
 */
export const startedMessage = (id, at) => ({ type: FromWorker.STARTED, id, at });
/**
 * @param {number} id
 * @param {Uint8Array} events marshal's bytes of the events' items (web/record/marshal.js)
 */
export const traceMessage = (id, events) => ({ type: FromWorker.TRACE, id, events });
/**
 * A run's end, from what py/playground/browser.py returns: its `exit_code` is renamed here,
 * the one place Python's names meet the page's.
 * @param {number} id
 * @param {{status: RunStatus, error?: ProgramError | null, elapsed?: number,
 *   exit_code?: number, hint?: string}} result
 */
export const doneMessage = (id, result) => ({
  type: FromWorker.DONE,
  id,
  status: result.status,
  error: result.error,
  elapsed: result.elapsed,
  exitCode: result.exit_code,
  hint: result.hint,
});
/**
 * @param {number | null} id
 * @param {string} name
 * @param {string} message
 */
export const crashedMessage = (id, name, message) => ({
  type: FromWorker.CRASHED,
  id,
  name,
  message,
});
/**
 * @param {number} request
 * @param {string} url
 * @param {string | null} integrity
 */
export const fetchMessage = (request, url, integrity) => ({
  type: FromWorker.FETCH,
  request,
  url,
  integrity,
});
/**
 * @param {number} id
 * @param {string} verdict
 */
export const gradedMessage = (id, verdict) => ({ type: FromWorker.GRADED, id, verdict });
/** @param {number} id */
export const stoppingMessage = (id) => ({ type: FromWorker.STOPPING, id });
/** @param {Uint8Array} bytes the snapshot, its buffer transferred with the message */
export const snapshotMessage = (bytes) => ({ type: FromWorker.SNAPSHOT, bytes });

// The one thing a worker may read of the site, through the page: its package files, by path
// below the site's root, without credentials. Nothing else of the origin is within reach.
export const SITE_FILES =
  /^(pyodide\/[\w.+-]+\.(whl|json)|simple\/[\w.-]+\/(index\.html)?|wheels\/[\w.+-]+\.whl)$/;

// What the page fetches and hands the frame once: the worker's code (with Pyodide's scripts
// bundled in, see worker.js), Pyodide's WebAssembly, the standard library, the playground's
// Python, and (when the browser has it) the memory snapshot.
export const RUNNER_FILES = Object.freeze([
  "worker.js",
  "pyodide/pyodide.asm.wasm",
  "pyodide/python_stdlib.zip",
  "pyodide/pyodide-lock.json",
  "playground.zip",
]);
export const SNAPSHOT_FILE = "snapshot.bin";
export const WASM = "pyodide/pyodide.asm.wasm";
// The SHA-256 of playground.zip (hex), which the page adds to the files: a restored snapshot
// must hold this build's Python. Web Crypto exists only in secure contexts, which the page
// is and the opaque-origin workers are not.
export const ZIP_DIGEST = "playground.zip.sha256";

const isText = (x) => typeof x === "string";
const isBytes = (x) => x instanceof Uint8Array;
const isNumber = (x) => typeof x === "number" && Number.isFinite(x);
const isRunId = (x) => Number.isSafeInteger(x) && x > 0;
const optional = (check) => (x) => x === undefined || x === null || check(x);
const oneOf =
  (...values) =>
  (x) =>
    values.includes(x);
const isError = (x) =>
  x !== null &&
  typeof x === "object" &&
  isNumber(x.line) &&
  isNumber(x.column) &&
  isText(x.message);

// The shape of each message the page takes from a worker: field -> check. A message with a
// type not listed, a field missing or of the wrong kind, is dropped.
const FROM_WORKER_SHAPES = {
  [FromWorker.READY]: {
    jspi: (x) => typeof x === "boolean",
    snapshot: (x) => typeof x === "boolean",
  },
  [FromWorker.FAILED_TO_LOAD]: { message: isText },
  [FromWorker.OUTPUT]: { id: isRunId, stream: oneOf("stdout", "stderr", "note"), text: isText },
  [FromWorker.STARTED]: { id: isRunId, at: isNumber },
  [FromWorker.TRACE]: { id: isRunId, events: isBytes },
  [FromWorker.DONE]: {
    id: isRunId,
    status: oneOf("finished", "failed", "stopped"),
    error: optional(isError),
    elapsed: optional(isNumber),
    exitCode: optional(Number.isSafeInteger),
    hint: optional(isText),
  },
  [FromWorker.CRASHED]: { id: optional(isRunId), name: isText, message: isText },
  [FromWorker.FETCH]: { request: Number.isSafeInteger, url: isText, integrity: optional(isText) },
  [FromWorker.GRADED]: { id: isRunId, verdict: isText },
  [FromWorker.STOPPING]: { id: isRunId },
  [FromWorker.SNAPSHOT]: { bytes: isBytes },
};

/** `data` if it is a well-formed message from a worker, else null. Never throws. */
export function checkedFromWorker(data) {
  try {
    const shape = FROM_WORKER_SHAPES[data?.type];
    if (!shape || Object.getPrototypeOf(data) !== Object.prototype) return null;
    for (const [field, check] of Object.entries(shape)) {
      if (!check(data[field])) return null;
    }
    return data;
  } catch {
    return null;
  }
}

// Layout of the shared control buffer (only where the frame is cross-origin isolated), shared
// by the frame and one worker: Int32 slot 0 is the stop flag the worker's blocking sleep waits
// on; byte 4 is Pyodide's interrupt buffer (2 = SIGINT, so a busy loop gets
// KeyboardInterrupt); byte 5 is 1 when Python had to swallow that KeyboardInterrupt (see
// py/playground/browser.py), for the frame to send it again.
export const CONTROL_BYTES = 8;
export const STOP_FLAG_INDEX = 0;
const INTERRUPT_BYTE = 4;
const LOST_BYTE = 5;
export const SIGINT = 2;

/**
 * The control buffer's fields, as the frame and the worker both read them.
 * @param {SharedArrayBuffer} buffer
 */
export function controlViews(buffer) {
  return {
    flag: new Int32Array(buffer, 0, 1),
    interrupt: new Uint8Array(buffer, INTERRUPT_BYTE, 1),
    lost: new Uint8Array(buffer, LOST_BYTE, 1),
  };
}

/**
 * What the worker gives Pyodide as its interrupt buffer, which CPython reads every 50 of its
 * eval-breaker checks while Python runs: a view of the control buffer's interrupt `byte` that
 * clears it only if it still holds what Python read. CPython's check
 * (_Py_CheckEmscriptenSignals_Helper) reads the byte, then writes 0 to it: two steps, and a
 * Stop the page writes between them was overwritten and lost. `while True: pass` checks every
 * 50 turns, so often that this befell 2 of ~90 Stops with the machine busy: the program ran on
 * until the spare worker replaced it, and its `finally` never ran. Readers that only read
 * (Pyodide's checkInterrupt) consume nothing. `onCheck` runs at each read (the worker posts
 * output that has waited). Without a byte (no shared memory: the page is not cross-origin
 * isolated) no interrupt ever comes, and the reads serve `onCheck` alone.
 * @param {Uint8Array | undefined} byte
 * @param {() => void} [onCheck]
 */
export function interruptView(byte, onCheck = () => {}) {
  let read = 0;
  return {
    get 0() {
      onCheck();
      read = byte ? Atomics.load(byte, 0) : 0;
      return read;
    },
    set 0(value) {
      if (byte) Atomics.compareExchange(byte, 0, read, value);
    },
  };
}
