// The Python worker: made by the sandbox frame (sandbox.js) for one run, in the frame's
// opaque origin, it loads Pyodide from the files the frame hands it, runs one program for the
// page, and is thrown away. Learner code runs only here, so a busy program never freezes the
// page, and whatever the program changes (asyncio, builtins, the worker's own JavaScript)
// dies with it: the next run gets a fresh worker.
//
// It talks to the page over the MessagePort the page made for it, and to nothing else. The
// program runs in this same JavaScript realm and may replace any prototype's method, so what
// this file does once the program may have run uses only functions taken before it ran (see
// `sealed`): the port never passes through code the program could have replaced, and the
// program has no way to it. The page checks every message anyway (protocol.js).
// Pyodide's two scripts are bundled into this one (build.py): the worker is a classic script,
// and in WebKit it starts from a data: URL (see sandbox.js), from where nothing else loads.
import "./no-import-scripts.js";
import { loadPyodide } from "pyodide/pyodide.mjs";
import createPyodideModule from "pyodide/pyodide.asm.mjs";
import {
  PYTHON_ENV,
  importPlayground,
  markedZip,
  snapshotOf,
  unpackPlayground,
} from "./interpreter.js";
import {
  STOP_FLAG_INDEX,
  ToWorker,
  ZIP_DIGEST,
  controlViews,
  crashedMessage,
  doneMessage,
  failedToLoadMessage,
  fetchMessage,
  gradedMessage,
  interruptView,
  outputMessage,
  readyMessage,
  snapshotMessage,
  startedMessage,
  stoppingMessage,
  traceMessage,
} from "./protocol.js";

// Taken before any program runs.
const sealed = {
  post: (port) => Function.prototype.bind.call(MessagePort.prototype.postMessage, port),
  data: Function.prototype.call.bind(
    Object.getOwnPropertyDescriptor(MessageEvent.prototype, "data").get,
  ),
};

// What `import js` gives the learner's program: plain JavaScript (maths, dates, the console,
// text and binary data, timers, fetch of the site's own packages), nothing that reaches the
// page, the frame, storage or the network. Not the boundary itself (the frame's opaque origin
// and its content security policy are), but the whole of what a program needs: micropip and
// pyodide.http use fetch, Request, AbortController and Object; Pyodide's timers setTimeout.
// biome-ignore format: a list of names, many to a line
const FOR_PROGRAMS = [
  "Math", "Date", "console", "JSON", "Object", "Array", "Promise", "Number", "String",
  "Boolean", "BigInt", "Symbol", "Map", "Set", "WeakMap", "WeakSet", "WeakRef", "Error",
  "TypeError", "RangeError", "ArrayBuffer", "DataView", "Uint8Array", "Int8Array",
  "Uint8ClampedArray", "Uint16Array", "Int16Array", "Uint32Array", "Int32Array", "Float32Array",
  "Float64Array", "BigInt64Array", "BigUint64Array", "TextEncoder", "TextDecoder", "URL",
  "URLSearchParams", "Blob", "Headers", "Request", "Response", "AbortController", "AbortSignal",
  "setTimeout", "clearTimeout", "setInterval", "clearInterval", "queueMicrotask",
  "structuredClone", "performance", "fetch",
];

// Taken out of the worker's global scope before any program runs (see start).
const CUT_OFF = ["Worker", "SharedWorker", "BroadcastChannel"];

// Output is capped per run: `print` in a loop of a million lines would otherwise post a
// million messages, keep the page busy drawing them and grow the Output pane without bound.
// Past the cap the worker only counts lines, which costs next to nothing.
const OUTPUT_MAX_LINES = 5_000;
const OUTPUT_MAX_CHARS = 500_000; // 5,000 lines of 100 characters
const newlines = (text) => text.split("\n").length - 1;

function createOutputCap(post) {
  let lines = 0;
  let chars = 0;
  let atLineStart = true; // whether what was shown so far ends with a newline
  let dropped = null; // {lines, endsLine}, once the cap is reached
  const note = (text) => post("note", text);
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
      while (room > 0) {
        at = keep.indexOf("\n", at + 1);
        if (at === -1) break;
        room -= 1;
      }
      if (room === 0) keep = keep.slice(0, at + 1);
      lines += newlines(keep);
      chars += keep.length;
      if (keep) {
        post(stream, keep);
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

// Output goes to the page at most once per OUTPUT_POST_MS while a program writes. Each message
// costs the worker 40 to 50 us in Chromium (the page is in another process: the frame it
// talks through is sandboxed), and a loop of 5,000 print() calls spent 0.35 s on them where
// CPython spends 3 ms; the Output pane draws once per animation frame anyway. A write that
// comes OUTPUT_POST_MS or more after the last post goes at once, so a program that prints and
// then computes shows what it printed. A write sooner than that waits for the first of: the
// next write past the interval, the worker's own event loop getting a turn (a microtask:
// Python waits, sleeps or hands the loop back to the browser), time.sleep() about to block,
// Pyodide's periodic interrupt check once the interval is over (so not even a busy loop holds
// it longer), and any other message for the page (output always comes before what follows it,
// the run's end included).
const OUTPUT_POST_MS = 4;

/** @typedef {"stdout" | "stderr" | "note"} Stream */

/**
 * @param {(stream: Stream, text: string) => void} post
 * @param {(holding: boolean) => void} holds told when output starts and stops waiting
 */
function createOutbox(post, holds) {
  /** @type {[Stream, string][]} the parts not posted yet, in order, one per run of a stream */
  let parts = [];
  let posted = Number.NEGATIVE_INFINITY;
  let queued = false;
  const flush = () => {
    queued = false;
    if (!parts.length) return;
    const sending = parts;
    parts = [];
    posted = performance.now();
    holds(false);
    for (const [stream, text] of sending) post(stream, text);
  };
  return {
    /**
     * @param {Stream} stream
     * @param {string} text
     */
    add(stream, text) {
      const last = parts.at(-1);
      if (last?.[0] === stream) last[1] += text;
      else if (parts.push([stream, text]) === 1) holds(true);
      if (performance.now() - posted >= OUTPUT_POST_MS) flush();
      else if (!queued) {
        queued = true;
        queueMicrotask(flush);
      }
    },
    flush,
    /** Posts what has waited for the interval to pass, if anything has. */
    due() {
      if (parts.length && performance.now() - posted >= OUTPUT_POST_MS) flush();
    },
  };
}

function writer(stream, cap) {
  const decoder = new TextDecoder();
  return {
    // A terminal: stdout is line-buffered as in `python3 main.py` typed in a shell.
    isatty: stream === "stdout",
    write(bytes) {
      const text = decoder.decode(bytes, { stream: true });
      if (text) cap().show(stream, text);
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

/**
 * `fetch` for Pyodide and the program: the files the frame handed over, and the site's package
 * files, which the page reads (files.js readSiteFile). Nothing else is reachable; the frame's
 * policy blocks the real fetch anyway.
 */
function guardedFetch(site, files, ask) {
  const local = {
    [`${site}pyodide/python_stdlib.zip`]: files["pyodide/python_stdlib.zip"],
    [`${site}pyodide/pyodide-lock.json`]: files["pyodide/pyodide-lock.json"],
    // Never read: WebAssembly.instantiateStreaming gets the compiled module instead.
    [`${site}pyodide/pyodide.asm.wasm`]: "",
  };
  return async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    const href = new URL(url, site).href;
    if (Object.hasOwn(local, href)) return new Response(local[href]);
    const answer = await ask(href, init?.integrity);
    if (!answer.ok && answer.status === 403) throw new TypeError(answer.message);
    if (answer.status === 0) throw new TypeError(`Failed to fetch ${url} (${answer.message})`);
    // micropip reads the index's type (HTML or JSON) from its Content-Type.
    const headers = { "Content-Type": String(answer.contentType) };
    return new Response(answer.body, { status: answer.status, headers });
  };
}

// The frame hands big files over as Blobs, or as their bytes where a worker cannot read Blobs
// (see sandbox.js).
const bytesOf = async (body) => (body instanceof Blob ? body.arrayBuffer() : body);

// Tests (and curious users) can hide WebAssembly stack switching to prove the non-JSPI path:
// command-line switches do not turn it off in Chromium 156, deleting the API does.
function hideStackSwitching() {
  // @ts-expect-error JSPI (Suspending, promising) is not in TypeScript's lib yet
  delete WebAssembly.Suspending;
  // @ts-expect-error as above
  delete WebAssembly.promising;
}

/**
 * Pyodide instantiates pyodide.asm.wasm by streaming it; the frame compiled it once for all.
 * @param {WebAssembly.Module} module
 */
function instantiateCompiled(module) {
  WebAssembly.instantiateStreaming = async (_response, imports) => ({
    instance: await WebAssembly.instantiate(module, imports),
    module,
  });
}

/**
 * @param {import("./protocol.js").WorkerInit} init
 * @param {typeof fetch} fetchFile
 */
async function loadPython({ module, files, switches }, fetchFile) {
  if (switches.jspi === "off") hideStackSwitching();
  // Read while the scripts load: 31 MB from a Blob takes a while.
  const kept = switches.snapshot !== "off" ? files["snapshot.bin"] : undefined;
  const snapshot = kept ? bytesOf(kept) : undefined;
  snapshot?.catch(() => {});
  self.fetch = fetchFile;
  instantiateCompiled(module);
  const jsglobals = Object.fromEntries(FOR_PROGRAMS.map((name) => [name, self[name]]));
  let trampoline = null;
  const options = {
    indexURL: `${switches.site}pyodide/`,
    // Instantiated, before any snapshot is laid over its memory: what the engine chose.
    createPyodideModule: async (settings) => {
      const instance = await createPyodideModule(settings);
      trampoline = trampolineOf(instance);
      return instance;
    },
    jsglobals,
    stdout: () => {},
    env: { ...PYTHON_ENV },
  };

  const zip = await bytesOf(files["playground.zip"]);
  let pyodide = null;
  if (snapshot) {
    pyodide = await restore(loadPyodide, options, snapshot, files[ZIP_DIGEST]);
  }

  const restored = Boolean(pyodide);
  // Stack switching, where the engine has it (and a restored interpreter can be told so).
  let jspi = "Suspending" in WebAssembly;
  if (restored) jspi = tellTheEngine(pyodide._module, trampoline, jspi);
  pyodide ??= await loadPyodide(options);
  unpackPlayground(pyodide, zip);
  return { pyodide, restored, jspi };
}

/**
 * What a worker spawned with the snapshot switch "make" does instead of running a program,
 * where the build shipped no memory snapshot (a SCORM package; see pool.js): it loads Python
 * as make-snapshot.mjs does under Node (without stack switching: the kind of snapshot the
 * build ships, which restores with and without it) and returns the snapshot, for the page to
 * hand the frame for the spares.
 * @param {import("./protocol.js").WorkerInit} init
 * @param {typeof fetch} fetchFile
 */
async function makeSnapshot({ module, files, switches }, fetchFile) {
  const digest = files[ZIP_DIGEST];
  if (typeof digest !== "string") throw new Error("no digest of playground.zip to mark it with");
  hideStackSwitching();
  self.fetch = fetchFile;
  instantiateCompiled(module);
  const pyodide = await loadPyodide({
    indexURL: `${switches.site}pyodide/`,
    createPyodideModule,
    _makeSnapshot: true,
    stdout: () => {},
    env: { ...PYTHON_ENV },
  });
  return snapshotOf(pyodide, new Uint8Array(await bytesOf(files["playground.zip"])), digest);
}

// Two choices Pyodide's start-up makes for the engine and keeps in WebAssembly memory, where a
// restored snapshot (made by Node, which has no stack switching) lays Node's over them: the
// trampoline CPython calls C functions through (written before any snapshot is restored, so
// read back here from the fresh instance: Node's, a JavaScript one, puts a JavaScript frame in
// every such call, which stack switching cannot suspend across), and which run_sync Pyodide
// uses (with or without stack switching: build.py's pyodide_jspi_switch finds where, and
// esbuild writes it in as PYODIDE_JSPI_SWITCH). Without them a restored interpreter raised
// "WebAssembly stack switching not supported" for asyncio.run() inside a function, in an
// engine that has it.

/** Where the trampoline's pointer is, and what this engine put there. */
function trampolineOf(instance) {
  const at =
    (instance.__PyRuntime + instance.HEAP32[instance.__PyEM_EMSCRIPTEN_TRAMPOLINE_OFFSET >> 2]) >>
    2;
  return { at, value: instance.HEAP32[at] };
}

/**
 * Writes the engine's choices back into a restored interpreter; returns whether it can use
 * stack switching (`jspi`: the engine has it), which it cannot if this build did not find
 * where Pyodide keeps its choice.
 */
function tellTheEngine(instance, trampoline, jspi) {
  instance.HEAP32[trampoline.at] = trampoline.value;
  // @ts-expect-error defined by build.py (esbuild --define): {address, on, off} or null
  const choice = PYODIDE_JSPI_SWITCH;
  if (!choice) return false;
  instance.HEAP32[choice.address >> 2] = jspi ? choice.on : choice.off;
  return jspi;
}

// A restored interpreter, or null when restoring fails in any way: the snapshot is Pyodide's
// private API, so anything may go wrong (another Pyodide build, a damaged file, a snapshot of
// other Python than this build's playground.zip), and a normal start follows.
async function restore(loadPyodide, options, snapshot, served) {
  try {
    const pyodide = await loadPyodide({ ...options, _loadSnapshot: snapshot });
    const made = markedZip(pyodide);
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

/**
 * Python's standard streams, through the run's cap and `outbox`. Returns what the outbox tells
 * when output starts and stops waiting.
 * @param {any} pyodide
 * @param {ReturnType<typeof createOutbox>} outbox
 * @param {() => ReturnType<typeof createOutputCap>} capOf the running program's cap
 * @param {Uint8Array | undefined} interrupt Stop's interrupt byte, where there is shared memory
 * @returns {(holding: boolean) => void}
 */
function connectStreams(pyodide, outbox, capOf, interrupt) {
  pyodide.setStdout(writer("stdout", capOf));
  pyodide.setStderr(writer("stderr", capOf));
  // No keyboard: reading stdin meets end of file, as `python3 main.py < /dev/null` does
  // (browser.py gives input() its own clear message).
  pyodide.setStdin({ stdin: () => null });
  // Pyodide's interrupt check posts output that has waited (createOutbox). Where there is no
  // shared memory, and so no Stop through it, it is on only while output waits: a call into
  // JavaScript every 50 checks cost a loop of 3,000,000 additions 3 to 4% in WebKit.
  const checks = interruptView(interrupt, outbox.due);
  if (interrupt) {
    pyodide.setInterruptBuffer(checks);
    return () => {};
  }
  // (Switched off from inside a check, when the check posts what waited: CPython's helper then
  // writes its 0 to no buffer, inside its own try, and reads no interrupt, as it should.)
  return (holding) => pyodide.setInterruptBuffer(holding ? checks : undefined);
}

/** @param {import("./protocol.js").WorkerInit} init */
async function start(init) {
  const post = sealed.post(init.port);
  const site = init.switches.site;
  let runId = null;
  let holdsOutput = (_holding) => {};
  const outbox = createOutbox(
    (stream, text) => post(outputMessage(runId, stream, text)),
    (holding) => holdsOutput(holding),
  );
  /** Any message but output, after the output written before it. */
  const send = (message, transfer = []) => {
    outbox.flush();
    post(message, transfer);
  };
  let cap = createOutputCap(() => {});
  const control = init.control && controlViews(init.control);
  const stopPressed = () => Boolean(control) && Atomics.load(control.flag, STOP_FLAG_INDEX) === 1;

  // The site's package files, through the page.
  const waiting = new Map();
  let nextRequest = 1;
  const ask = (url, integrity) =>
    new Promise((resolve) => {
      const request = nextRequest++;
      waiting.set(request, resolve);
      send(fetchMessage(request, url, integrity ?? null));
    });

  // A fatal error (a WebAssembly trap, the JavaScript stack overflowing under a deep
  // recursion) leaves Pyodide unusable: tell the page, which says what happened and moves to
  // a fresh worker. A KeyboardInterrupt that Stop's interrupt buffer raised inside the event
  // loop's own code, outside any task, is no error of anyone's: Stop goes on to its next step.
  let crashed = false;
  const uncaught = (event) => {
    const error = event.error ?? event.reason;
    if (error?.pyodide_fatal_error) {
      event.preventDefault();
      if (crashed) return;
      crashed = true;
      send(crashedMessage(runId, String(error.name), String(error.message)));
    } else if (error?.type === "KeyboardInterrupt" && stopPressed()) {
      event.preventDefault();
    }
  };
  self.addEventListener("error", uncaught);
  self.addEventListener("unhandledrejection", uncaught);

  if (init.switches.snapshot === "make") {
    try {
      const made = await makeSnapshot(init, guardedFetch(site, init.files, ask));
      send(snapshotMessage(made), [made.buffer]);
    } catch (error) {
      const message = `no memory snapshot could be made: ${error?.message ?? error}`;
      console.warn(`${message}. Each worker will start Python afresh.`);
      send(failedToLoadMessage(message));
    }
    return;
  }

  let python;
  try {
    python = await loadPython(init, guardedFetch(site, init.files, ask));
  } catch (error) {
    send(failedToLoadMessage(String(error?.message ?? error)));
    return;
  }

  const { pyodide, restored } = python;
  holdsOutput = connectStreams(pyodide, outbox, () => cap, control?.interrupt);
  // Returns at once when Stop has raised the flag, so a blocking time.sleep() ends quickly.
  // Without a control buffer: undefined, which Python receives as None (null would arrive as
  // Pyodide's JsNull, which is not None).
  const block = control ? (ms) => Atomics.wait(control.flag, STOP_FLAG_INDEX, 0, ms) : undefined;
  const interruptLost = control ? () => Atomics.store(control.lost, 0, 1) : undefined;
  // Everything the worker hands Python lives in JavaScript, so it is given after a restore too.
  const browser = restored ? pyodide.pyimport("playground.browser") : importPlayground(pyodide);
  const jspi = python.jspi;
  browser.install(
    block,
    outbox.flush,
    site,
    control ? stopPressed : undefined,
    interruptLost,
    createLoopTimer(jspi),
    jspi,
  );
  // Routes to other contexts no program needs. The origin already keeps them from anything of
  // the site's (a worker or channel of this opaque origin reaches only its own kind); gone,
  // they cannot outlive or reach past the run at all.
  for (const name of CUT_OFF) delete self[name];

  // Sends the running program's tracer events; the page asks for them once per animation
  // frame. Not on a timer of the worker's own: Chromium lines a worker's timers up with one
  // another, and with a 16 ms one beside it, asyncio.sleep() ended up to 8 ms late.
  let flushTrace = () => {};

  async function run({ id, code, trace }) {
    if (runId !== null) return; // one program per worker
    runId = id;
    cap = createOutputCap(outbox.add);
    try {
      // Loads micropip when the program imports it; unknown imports fail later, in Python,
      // with Python's own ModuleNotFoundError.
      await pyodide.loadPackagesFromImports(code, { messageCallback: () => {} });
    } catch {
      // A SyntaxError here is reported by the run itself, with its line.
    }
    flushTrace = () => {
      const taken = browser.take_trace();
      if (!taken) return;
      const events = taken.toJs();
      taken.destroy();
      send(traceMessage(id, events), [events.buffer]);
    };
    send(startedMessage(id, performance.timeOrigin + performance.now()));
    // `result` is a plain object (browser.py makes it with to_js).
    browser.start(code, Boolean(trace), (result) => {
      flushTrace();
      cap.finish();
      send(doneMessage(id, result));
    });
  }

  // An exercise's check, in this worker's untouched interpreter: the program it marks ran in
  // another, so nothing the program did reaches the check. Then the worker is thrown away.
  function grade({ id, check, run }) {
    if (runId !== null) return;
    runId = id;
    let verdict = "";
    try {
      verdict = String(pyodide.pyimport("playground.checks").grade_json(check, run));
    } catch (error) {
      console.warn(`The exercise's check could not run: ${error}`);
    }
    send(gradedMessage(id, verdict));
  }

  init.port.onmessage = (event) => {
    const data = sealed.data(event);
    switch (data?.type) {
      case ToWorker.RUN:
        run(data);
        break;
      case ToWorker.STOP:
        if (data.id !== runId) break;
        // First, so the page knows at once that no step of Python holds this worker.
        send(stoppingMessage(runId));
        browser.stop();
        break;
      case ToWorker.GRADE:
        grade(data);
        break;
      case ToWorker.SEND_TRACE:
        if (data.id === runId) flushTrace();
        break;
      case ToWorker.FETCHED: {
        const resolve = waiting.get(data.request);
        waiting.delete(data.request);
        resolve?.(data);
        break;
      }
    }
  };
  // Before any program, so READY means ready: see WARM_UP in py/playground/runner.py. (After
  // READY, a spare's warm-up would share the CPU with a program started at once.)
  let failure = "";
  try {
    if (!browser.warm_up(restored)) failure = "it did not run to its end";
  } catch (error) {
    failure = String(error);
  }
  if (failure) console.warn(`The playground's warm-up program failed: ${failure}.`);
  send(readyMessage(jspi, restored));
}

// The frame's one message: the port, the compiled module, the files, the control buffer.
self.onmessage = ({ data }) => {
  self.onmessage = null;
  start(data);
};
