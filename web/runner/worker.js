// The Python worker: loads Pyodide, then runs one program at a time for the page.
// Learner code runs only here, so a busy program never freezes the page.
import {
  PYTHON_ENV,
  importPlayground,
  markedZip,
  unpackPlayground,
  zipDigest,
} from "./interpreter.js";
import {
  CONTROL_BYTES,
  FromWorker,
  STOP_FLAG_INDEX,
  ToWorker,
  controlViews,
  interruptView,
} from "./protocol.js";
import { loadPyodide } from "./pyodide/pyodide.mjs";

const siteURL = new URL("./", import.meta.url).href;
// Switches from the page (runner.js), in the worker's name.
const options = new URLSearchParams(self.name);

// Tests (and curious users) can hide WebAssembly stack switching to prove the non-JSPI path:
// command-line switches do not turn it off in Chromium 156, deleting the API does.
if (options.get("jspi") === "off") {
  delete WebAssembly.Suspending;
  delete WebAssembly.promising;
}

const post = (message) => self.postMessage(message);

// Real download progress: count the bytes of every response as Pyodide reads them.
function countDownloads(sizesLoaded) {
  const realFetch = self.fetch.bind(self);
  let sizes = {};
  sizesLoaded.then((known) => {
    sizes = known;
  });
  const sitePath = new URL(siteURL).pathname;
  let loaded = 0;
  let total = 0;
  self.fetch = async (input, init) => {
    const response = await realFetch(input, init);
    // build.json has each file's real size: Content-Length is the compressed size when the
    // server sends gzip, while the body stream counts decompressed bytes.
    const path = new URL(response.url || String(input), siteURL).pathname.slice(sitePath.length);
    const size = sizes[path] ?? Number(response.headers.get("Content-Length"));
    if (!response.body || !size) return response;
    total += size;
    const counter = new TransformStream({
      transform(chunk, controller) {
        loaded += chunk.byteLength;
        post({ type: FromWorker.PROGRESS, loaded: Math.min(loaded, total), total });
        controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(counter), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
  return () => {
    self.fetch = realFetch;
  };
}

// The control buffer needs SharedArrayBuffer, so a cross-origin isolated page. In an LMS
// iframe there is none: Stop then falls back to cancelling tasks and, last, a new worker.
function makeControl() {
  if (!self.crossOriginIsolated) return null;
  const buffer = new SharedArrayBuffer(CONTROL_BYTES);
  return { buffer, ...controlViews(buffer) };
}

let runId = null;
// Sends the running program's tracer events; the page asks for them once per animation frame.
// Not on a timer of the worker's own: Chromium lines a worker's timers up with one another,
// and with a 16 ms one beside it, asyncio.sleep() ended up to 8 ms late.
let flushTrace = () => {};

// Output is capped per run: `print` in a loop of a million lines would otherwise post a
// million messages, keep the page busy drawing them and grow the Output pane without bound.
// Past the cap the worker only counts lines, which costs next to nothing.
const OUTPUT_MAX_LINES = 5_000;
const OUTPUT_MAX_CHARS = 500_000; // 5,000 lines of 100 characters
const newlines = (text) => text.split("\n").length - 1;

function createOutputCap() {
  let lines = 0;
  let chars = 0;
  let atLineStart = true; // whether what was shown so far ends with a newline
  let dropped = null; // {lines, endsLine}, once the cap is reached
  const note = (text) => post({ type: FromWorker.OUTPUT, id: runId, stream: "note", text });
  return {
    /** Posts what fits of `text`; counts the rest. */
    show(stream, text) {
      if (dropped) {
        dropped.lines += newlines(text);
        dropped.endsLine = text.endsWith("\n");
        return;
      }
      let keep = text.slice(0, OUTPUT_MAX_CHARS - chars);
      let room = OUTPUT_MAX_LINES - lines;
      let at = -1;
      while (room > 0 && (at = keep.indexOf("\n", at + 1)) !== -1) room -= 1;
      if (room === 0) keep = keep.slice(0, at + 1);
      lines += newlines(keep);
      chars += keep.length;
      if (keep) {
        post({ type: FromWorker.OUTPUT, id: runId, stream, text: keep });
        atLineStart = keep.endsWith("\n");
      }
      if (keep.length === text.length) return;
      const rest = text.slice(keep.length);
      dropped = { lines: newlines(rest), endsLine: rest.endsWith("\n") };
      const count = `${OUTPUT_MAX_LINES.toLocaleString("en")} lines`;
      note(`${atLineStart ? "" : "\n"}[Output is limited to ${count} per run.]\n`);
    },
    /** At the end of a run: how much was not shown. */
    finish() {
      if (!dropped) return;
      const count = dropped.lines + (dropped.endsLine ? 0 : 1);
      note(`[... ${count.toLocaleString("en")} more line${count === 1 ? "" : "s"} not shown]\n`);
    },
  };
}

let outputCap = createOutputCap();

function writer(stream) {
  const decoder = new TextDecoder();
  return {
    // A terminal: stdout is line-buffered as in `python3 main.py` typed in a shell.
    isatty: stream === "stdout",
    write(bytes) {
      const text = decoder.decode(bytes, { stream: true });
      if (text) outputCap.show(stream, text);
      return bytes.length;
    },
  };
}

// The Python event loop's one timer (py/playground/loop.py): `wake(turn, ms)` calls `turn` once,
// `ms` milliseconds from now, each call replacing the last; undefined withdraws it. 0 ms hops
// through a MessageChannel instead, as Pyodide's own scheduleCallback does: setTimeout(0) is
// clamped to 4 ms once timers nest, and a hop still lets the worker's messages (Stop, the
// page's trace requests) in first. With JSPI
// the call allows stack switching (callPromising), so Python can wait inside a plain function.
function createLoopTimer(promising) {
  const channel = new MessageChannel();
  let turn = null;
  let timer = 0;
  let hop = 0; // the hop whose message is awaited, 0 if none
  let hops = 0;
  const call = () => {
    timer = 0;
    hop = 0;
    if (promising) turn.callPromising();
    else turn();
  };
  channel.port1.onmessage = ({ data }) => {
    if (data === hop) call();
  };
  return (callback, ms) => {
    turn = callback;
    clearTimeout(timer);
    timer = 0;
    if (ms === undefined || ms > 0) hop = 0;
    if (ms > 0) timer = setTimeout(call, Math.ceil(ms));
    else if (ms === 0 && !hop) {
      hop = ++hops;
      channel.port2.postMessage(hop);
    }
  };
}

// A fatal error (a WebAssembly trap, the JavaScript stack overflowing under a deep recursion)
// leaves Pyodide unusable: tell the page, which says what happened and moves to a fresh worker.
// A KeyboardInterrupt that Stop's interrupt buffer raised inside the event loop's own code,
// outside any task, is no error of anyone's: Stop goes on to its next step.
let crashed = false;
let stopPressed = () => false;

function uncaught(event) {
  const error = event.error ?? event.reason;
  if (error?.pyodide_fatal_error) {
    event.preventDefault();
    if (crashed) return;
    crashed = true;
    post({ type: FromWorker.CRASHED, id: runId, name: error.name, message: error.message });
  } else if (error?.type === "KeyboardInterrupt" && stopPressed()) {
    event.preventDefault();
  }
}
self.addEventListener("error", uncaught);
self.addEventListener("unhandledrejection", uncaught);

// The build's memory snapshot of a ready interpreter (web/make-snapshot.mjs), used only when
// it is already on this machine (the service worker keeps it from the first visit): fetched
// over the network it would add 6 MB to a first visit, for less than a second saved.
// snapshot=off (the benchmark's baseline) never uses it.
async function localSnapshot() {
  if (options.get("snapshot") === "off") return null;
  try {
    const response = await fetch(new URL("snapshot.bin", siteURL), {
      cache: "only-if-cached",
      mode: "same-origin",
    });
    return response.ok ? response : null;
  } catch {
    return null; // not cached: a normal start
  }
}

const loadOptions = () => ({
  indexURL: new URL("pyodide/", siteURL).href,
  stdout: () => {},
  env: { ...PYTHON_ENV },
});

// A restored interpreter, or null when restoring fails in any way: the snapshot is Pyodide's
// private API, so anything may go wrong (another Pyodide build, a damaged file, a snapshot of
// other Python than this build's playground.zip), and a normal start follows.
async function restore(snapshot, runnerZip) {
  try {
    const pyodide = await loadPyodide({
      ...loadOptions(),
      _loadSnapshot: snapshot.arrayBuffer(),
    });
    const made = markedZip(pyodide);
    const served = await zipDigest(await runnerZip);
    if (made !== served) throw new Error(`made from other Python (${made})`);
    // Undo what restoring redid or froze: Pyodide's start-up puts "" on sys.path once more,
    // and every restore would draw the same random numbers (pyodide PR 4652).
    pyodide.runPython("import random, sys; sys.path.remove(''); random.seed()");
    return pyodide;
  } catch (error) {
    // Not always an Error: Emscripten's file system throws ErrnoError objects with no message.
    const reason = error instanceof Error ? String(error) : `${error?.name} ${error?.errno}`;
    console.warn(`The memory snapshot did not restore; starting Python afresh. (${reason})`);
    return null;
  }
}

async function start() {
  // Fetched alongside everything else (tiny, so it nearly always arrives first); without it,
  // progress falls back to Content-Length.
  const sizes = fetch(new URL("build.json", siteURL))
    .then((r) => (r.ok ? r.json() : {}))
    .then((info) => info.sizes ?? {})
    .catch(() => ({}));
  const restoreFetch = countDownloads(sizes);
  const runnerZip = fetch(new URL("playground.zip", siteURL)).then((r) => {
    if (!r.ok) throw new Error(`playground.zip: HTTP ${r.status}`);
    return r.arrayBuffer();
  });
  const snapshot = await localSnapshot();
  let pyodide = snapshot && (await restore(snapshot, runnerZip));
  const restored = Boolean(pyodide);
  pyodide ??= await loadPyodide(loadOptions());
  unpackPlayground(pyodide, await runnerZip);
  restoreFetch();
  pyodide.setStdout(writer("stdout"));
  pyodide.setStderr(writer("stderr"));
  // No keyboard: reading stdin meets end of file, as `python3 main.py < /dev/null` does
  // (browser.py gives input() its own clear message).
  pyodide.setStdin({ stdin: () => null });

  const control = makeControl();
  if (control) pyodide.setInterruptBuffer(interruptView(control.interrupt));
  // Returns at once when Stop has raised the flag, so a blocking time.sleep() ends quickly.
  // Without a control buffer: undefined, which Python receives as None (null would arrive as
  // Pyodide's JsNull, which is not None).
  const block = control
    ? (ms) => Atomics.wait(control.flag, STOP_FLAG_INDEX, 0, ms)
    : undefined;
  if (control) stopPressed = () => Atomics.load(control.flag, STOP_FLAG_INDEX) === 1;
  const interruptLost = control ? () => Atomics.store(control.lost, 0, 1) : undefined;

  // Everything the worker hands Python lives in JavaScript, so it is given after a restore too.
  const browser = restored ? pyodide.pyimport("playground.browser") : importPlayground(pyodide);
  const jspi = "Suspending" in WebAssembly;
  browser.install(
    block,
    siteURL,
    control ? stopPressed : undefined,
    interruptLost,
    createLoopTimer(jspi),
    jspi,
  );
  return { pyodide, browser, control, restored };
}

async function run({ pyodide, browser, control }, { id, code, trace }) {
  runId = id;
  outputCap = createOutputCap();
  if (control) {
    Atomics.store(control.flag, STOP_FLAG_INDEX, 0);
    control.interrupt[0] = 0;
    control.lost[0] = 0;
  }
  try {
    // Loads micropip when the program imports it; unknown imports fail later, in Python,
    // with Python's own ModuleNotFoundError.
    await pyodide.loadPackagesFromImports(code, { messageCallback: () => {} });
  } catch {
    // A SyntaxError here is reported by the run itself, with its line.
  }
  flushTrace = () => {
    const events = browser.take_trace();
    if (events) post({ type: FromWorker.TRACE, id, events });
  };
  post({ type: FromWorker.STARTED, id, at: performance.timeOrigin + performance.now() });
  browser.start(code, trace, (result) => {
    flushTrace();
    outputCap.finish();
    // WebAssembly memory never shrinks: the page replaces a worker that grew too big.
    // (_module is Pyodide's private handle on it: if it goes away, memory reads 0.)
    const memory = pyodide._module?.HEAPU8?.byteLength ?? 0;
    post({ type: FromWorker.DONE, id, ...result, memory });
  });
}

const ready = start();

ready.then(
  ({ control, restored }) =>
    post({
      type: FromWorker.READY,
      jspi: "Suspending" in WebAssembly,
      isolated: Boolean(control),
      control: control?.buffer ?? null,
      snapshot: restored,
    }),
  (error) => post({ type: FromWorker.FAILED_TO_LOAD, message: String(error?.message ?? error) }),
);

self.onmessage = async ({ data }) => {
  const python = await ready;
  if (data.type === ToWorker.RUN) await run(python, data);
  else if (data.type === ToWorker.STOP && data.id === runId) python.browser.stop();
  else if (data.type === ToWorker.SEND_TRACE && data.id === runId) flushTrace();
};
