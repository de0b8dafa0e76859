// The sealed runner's frame: an iframe sandboxed to an opaque origin (web/runner/sandbox.html)
// that makes the Python workers and holds what they share. Whatever a learner's program does,
// it runs in one of these workers, whose origin is the frame's: no cookies, storage, caches or
// service worker of the site, no request that carries its credentials, and a content security
// policy that allows no network at all (the site's package files come through the page, see
// files.js). The frame takes orders from its parent window only, and listens to no worker.
import {
  CONTROL_BYTES,
  FromFrame,
  SIGINT,
  STOP_FLAG_INDEX,
  ToFrame,
  WASM,
  controlViews,
} from "./protocol.js";

// Where a KeyboardInterrupt lands in a finaliser or a weakref callback, Python has to swallow
// it and says so (py/playground/browser.py): it is sent again, looked for this often (a few ms
// apart, it lands elsewhere).
const RESEND_EVERY_MS = 5;

/** Runs the frame for `parent`, the page. */
function start(parent) {
  // Its origin is opaque, so the parent's cannot be named: "*" reaches `parent` whatever it is.
  const tell = (message) => parent.postMessage(message, "*");
  const isolated = self.crossOriginIsolated;
  const files = {};
  let compiled = null;
  // The workers' script: a classic one (a module worker's own script cannot be a blob: URL
  // of an opaque origin in Chromium 156; the scripts it imports can).
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
        script = URL.createObjectURL(new Blob([body], { type: "text/javascript" }));
      } else if (path !== "sandbox.js") {
        // Big binaries travel on as Blobs, which workers share without a copy.
        files[path] = typeof body === "string" || body instanceof Blob ? body : new Blob([body]);
      }
    }
  }

  async function spawn({ worker: id, port, switches }) {
    const worker = new Worker(script, { name: `python-${id}` });
    const entry = { worker, control: isolated ? new SharedArrayBuffer(CONTROL_BYTES) : null, resend: 0 };
    workers.set(id, entry);
    worker.onerror = (event) => {
      event.preventDefault();
      tell({ type: FromFrame.WORKER_ERROR, worker: id, message: String(event.message ?? "") });
    };
    let module = null;
    try {
      module = await compiled;
    } catch (error) {
      tell({ type: FromFrame.WORKER_ERROR, worker: id, message: `WebAssembly: ${error}` });
      return;
    }
    
    worker.postMessage({ port, module, files, control: entry.control, switches }, [port]);
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
        entry.worker.terminate();
        workers.delete(data.worker);
        break;
    }
  });

  tell({ type: FromFrame.READY, isolated });
}

start(parent);
