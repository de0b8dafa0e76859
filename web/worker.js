// The Python worker: loads Pyodide, then runs one program at a time for the page.
// Learner code runs only here, so a busy program never freezes the page.
import { loadPyodide } from "./pyodide/pyodide.mjs";
import {
  CONTROL_BYTES,
  FromWorker,
  INTERRUPT_BYTE,
  STOP_FLAG_INDEX,
  ToWorker,
} from "./protocol.js";

const siteURL = new URL("./", import.meta.url).href;
const options = new URL(self.location.href).searchParams;

// Tests (and curious users) can hide WebAssembly stack switching to prove the non-JSPI path:
// command-line switches do not turn it off in Chromium 156, deleting the API does.
if (options.get("jspi") === "off") {
  delete WebAssembly.Suspending;
  delete WebAssembly.promising;
}

const post = (message) => self.postMessage(message);

// Real download progress: count the bytes of every response as Pyodide reads them.
function countDownloads() {
  const realFetch = self.fetch.bind(self);
  let loaded = 0;
  let total = 0;
  self.fetch = async (input, init) => {
    const response = await realFetch(input, init);
    const size = Number(response.headers.get("Content-Length"));
    if (!response.body || !size) return response;
    total += size;
    const counter = new TransformStream({
      transform(chunk, controller) {
        loaded += chunk.byteLength;
        post({ type: FromWorker.PROGRESS, loaded, total });
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
  return {
    buffer,
    flag: new Int32Array(buffer, 0, 1),
    interrupt: new Uint8Array(buffer, INTERRUPT_BYTE, 1),
  };
}

let runId = null;

function writer(stream) {
  const decoder = new TextDecoder();
  return {
    // A terminal: stdout is line-buffered as in `python3 main.py` typed in a shell.
    isatty: stream === "stdout",
    write(bytes) {
      const text = decoder.decode(bytes, { stream: true });
      if (text) post({ type: FromWorker.OUTPUT, id: runId, stream, text });
      return bytes.length;
    },
  };
}

async function start() {
  const restoreFetch = countDownloads();
  const runnerZip = fetch(new URL("playground.zip", siteURL)).then((r) => {
    if (!r.ok) throw new Error(`playground.zip: HTTP ${r.status}`);
    return r.arrayBuffer();
  });
  const pyodide = await loadPyodide({
    indexURL: new URL("pyodide/", siteURL).href,
    stdout: () => {},
    env: { PYTHONUNBUFFERED: "", NO_COLOR: "1" },
  });
  pyodide.unpackArchive(await runnerZip, "zip", { extractDir: "/playground" });
  restoreFetch();
  pyodide.setStdout(writer("stdout"));
  pyodide.setStderr(writer("stderr"));

  const control = makeControl();
  if (control) pyodide.setInterruptBuffer(control.interrupt);
  // Returns at once when Stop has raised the flag, so a blocking time.sleep() ends quickly.
  const block = control
    ? (ms) => Atomics.wait(control.flag, STOP_FLAG_INDEX, 0, ms)
    : null;

  pyodide.runPython("import sys; sys.path.insert(0, '/playground')");
  const browser = pyodide.pyimport("playground.browser");
  browser.install(block, siteURL);
  return { pyodide, browser, control };
}

async function run({ pyodide, browser, control }, { id, code }) {
  runId = id;
  if (control) {
    Atomics.store(control.flag, STOP_FLAG_INDEX, 0);
    control.interrupt[0] = 0;
  }
  try {
    // Loads micropip when the program imports it; unknown imports fail later, in Python,
    // with Python's own ModuleNotFoundError.
    await pyodide.loadPackagesFromImports(code, { messageCallback: () => {} });
  } catch {
    // A SyntaxError here is reported by the run itself, with its line.
  }
  browser.start(code, (result) => post({ type: FromWorker.DONE, id, ...result }));
}

const ready = start();

ready.then(
  ({ control }) =>
    post({
      type: FromWorker.READY,
      jspi: "Suspending" in WebAssembly,
      isolated: Boolean(control),
      control: control?.buffer ?? null,
    }),
  (error) => post({ type: FromWorker.FAILED_TO_LOAD, message: String(error?.message ?? error) }),
);

self.onmessage = async ({ data }) => {
  const python = await ready;
  if (data.type === ToWorker.RUN) await run(python, data);
  else if (data.type === ToWorker.STOP && data.id === runId) python.browser.stop();
};
