// The sealed runner's frame: an iframe sandboxed to an opaque origin (web/runner/sandbox.html)
// that makes the Python workers and holds what they share. Whatever a learner's program does,
// it runs in one of these workers, whose origin is the frame's: no cookies, storage, caches or
// service worker of the site, no request that carries its credentials, and a content security
// policy that allows no network at all (the site's package files come through the page, see
// files.js). The frame takes orders from its parent window only, and listens to no worker.
import {
  CONTROL_BYTES,
  SIGINT,
  STOP_FLAG_INDEX,
  ToFrame,
  WASM,
  controlViews,
  frameReadyMessage,
  workerErrorMessage,
  workerInit,
} from "./protocol.js";

// Where a KeyboardInterrupt lands in a finaliser or a weakref callback, Python has to swallow
// it and says so (py/playground/browser.py): it is sent again, looked for this often (a few ms
// apart, it lands elsewhere).
const RESEND_EVERY_MS = 5;

// Whether this frame can start a worker from a blob: URL of its own. Chromium and Firefox can;
// WebKit (WebKitGTK 2.50, Safari's engine) cannot when the page is cross-origin isolated: the
// worker fails before its first line, and every import() or importScripts() of a blob: URL
// from a worker started otherwise is refused as cross-origin. It does start a worker from a
// data: URL, which inherits this frame's policy (no network) and its isolation. Chromium's
// data: workers are never cross-origin isolated, so blob: comes first wherever it works.
const blobWorkersStart = new Promise((resolve) => {
  const probe = new Worker(
    URL.createObjectURL(new Blob(["postMessage(0)"], { type: "text/javascript" })),
  );
  probe.onmessage = () => {
    probe.terminate();
    resolve(true);
  };
  probe.onerror = (event) => {
    event.preventDefault();
    resolve(false);
  };
});

/** Resolves to the URL a worker starts `script` (a Blob) from in this browser. */
async function workerURL(script) {
  if (await blobWorkersStart) return URL.createObjectURL(script);
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(script);
  });
}

/** Runs the frame for `parent`, the page. */
function start(parent) {
  // Its origin is opaque, so the parent's cannot be named: "*" reaches `parent` whatever it is.
  const tell = (message) => parent.postMessage(message, "*");
  // Memory shared with the workers, for Stop's interrupt and the blocking time.sleep: where
  // the frame is cross-origin isolated and the browser has SharedArrayBuffer (WebKitGTK is
  // isolated without it; Safari has it).
  const shared = self.crossOriginIsolated && typeof SharedArrayBuffer === "function";
  const files = {};
  let compiled = null;
  // The workers' script (worker.js, Pyodide's scripts bundled in), as the URL workers start
  // from. A classic script: a module worker's own script cannot be a blob: URL of an opaque
  // origin in Chromium 156.
  let script = null;
  const workers = new Map(); // worker number -> {worker, control, resend}

  function take(received) {
    for (const [path, body] of Object.entries(received)) {
      if (path === WASM) {
        // Compiled once here, then shared: each worker instantiates it without compiling.
        compiled = WebAssembly.compileStreaming(
          new Response(body, { headers: { "Content-Type": "application/wasm" } }),
        );
        compiled.catch(() => {});
      } else if (path === "worker.js") {
        script = workerURL(new Blob([body], { type: "text/javascript" }));
      } else if (path !== "sandbox.js") {
        // Big binaries travel on as Blobs, which workers share without a copy.
        files[path] = typeof body === "string" || body instanceof Blob ? body : new Blob([body]);
      }
    }
  }

  // A worker started from a data: URL (WebKit) cannot read the Blobs the page handed over
  // ("The I/O read operation failed"): it gets their bytes, read here once.
  const read = new Map(); // Blob -> Promise of its bytes
  async function filesForWorkers(given) {
    if (await blobWorkersStart) return given;
    const bytes = async ([path, body]) => {
      if (!(body instanceof Blob)) return [path, body];
      if (!read.has(body)) read.set(body, body.arrayBuffer());
      return [path, await read.get(body)];
    };
    return Object.fromEntries(await Promise.all(Object.entries(given).map(bytes)));
  }

  async function spawn({ worker: id, port, switches }) {
    // What the frame has when asked: a snapshot that arrives while this worker starts is for
    // the next one (the page's pool may start a restoring worker in this one's place).
    const given = { ...files };
    const entry = {
      worker: null,
      control: shared ? new SharedArrayBuffer(CONTROL_BYTES) : null,
      resend: 0,
    };
    workers.set(id, entry);
    const url = await script;
    if (workers.get(id) !== entry) return; // ended before it started
    const worker = new Worker(url, { name: `python-${id}` });
    entry.worker = worker;
    worker.onerror = (event) => {
      event.preventDefault();
      tell(workerErrorMessage(id, String(event.message ?? "")));
    };
    let module = null;
    try {
      module = await compiled;
    } catch (error) {
      tell(workerErrorMessage(id, `WebAssembly: ${error}`));
      return;
    }

    const handed = await filesForWorkers(given);
    worker.postMessage(workerInit(port, module, handed, entry.control, switches), [port]);
  }

  function interrupt(entry) {
    if (!entry?.control) return;
    const control = controlViews(entry.control);
    Atomics.store(control.flag, STOP_FLAG_INDEX, 1);
    Atomics.notify(control.flag, STOP_FLAG_INDEX);
    control.interrupt[0] = SIGINT;
    clearInterval(entry.resend);
    entry.resend = setInterval(() => {
      if (Atomics.exchange(control.lost, 0, 0)) control.interrupt[0] = SIGINT;
    }, RESEND_EVERY_MS);
  }

  addEventListener("message", (event) => {
    if (event.source !== parent) return;
    const data = event.data;
    const entry = workers.get(data?.worker);
    switch (data?.type) {
      case ToFrame.FILES:
        take(data.files);
        break;
      case ToFrame.SPAWN:
        spawn(data);
        break;
      case ToFrame.INTERRUPT:
        interrupt(entry);
        break;
      case ToFrame.CALM:
        clearInterval(entry?.resend);
        break;
      case ToFrame.TERMINATE:
        if (!entry) break;
        clearInterval(entry.resend);
        entry.worker?.terminate();
        workers.delete(data.worker);
        break;
    }
  });

  tell(frameReadyMessage(shared));
}

start(parent);
