// The sealed runner's first room: the sandbox frame (sandbox.js) and the page's side of talking
// to it. It makes the frame, hands it the site's files as they arrive, and carries the pool's
// orders (spawn, interrupt, calm, terminate) to it. When starting fails, it says which step
// failed, in a sentence, as soon as it knows.
import { fetchBuildInfo, fetchRunnerFiles, fetchSnapshot } from "./files.js";
import { zipDigest } from "./interpreter.js";
import {
  FromFrame,
  SNAPSHOT_FILE,
  ZIP_DIGEST,
  calmMessage,
  filesMessage,
  interruptMessage,
  spawnMessage,
  terminateMessage,
} from "./protocol.js";

// Loading fails only when nothing has been heard for this long (a slow line is not a failure).
const LOAD_STALL_MS = 45_000;
// The frame's script is inline in its page and says it is ready as it runs, before the frame's
// load event: a frame not heard from this long after that event (its message may come just
// after it) never ran its script.
const FRAME_START_MS = 5_000;

/**
 * The frame, started at once. `onProgress(fraction)` follows the download; `onFailed(message)`
 * says why Python cannot start; `onWorkerError(worker, message)` reports a worker the frame saw
 * die or fail to start.
 * @param {string} site the site's root URL, ending in "/"
 * @param {{onProgress: (f: number) => void, onFailed: (m: string) => void,
 *   onWorkerError: (worker: number, message: string) => void, snapshot: boolean}} hooks
 * `snapshot`: whether to restore from the build's memory snapshot where it shipped one.
 */
export function openFrame(site, { onProgress, onFailed, onWorkerError, snapshot: wanted }) {
  let stallTimer = 0;
  let startTimer = 0;
  let failedAlready = false;
  const fail = (message) => {
    clearTimeout(stallTimer);
    clearTimeout(startTimer);
    if (failedAlready) return;
    failedAlready = true;
    onFailed(message);
  };
  let downloaded = false;
  const watch = () => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => {
      if (!downloaded) {
        fail(
          "Python did not finish loading: the connection stopped sending data. Reload to try again.",
        );
      } else {
        fail(
          "Python did not finish starting: its files arrived, but it did not report back. Reload to try again.",
        );
      }
    }, LOAD_STALL_MS);
  };
  watch();

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
  const loaded = new Promise((resolve) => frame.addEventListener("load", resolve, { once: true }));
  const fetched = fetch(new URL("sandbox.html", site)).then((response) => {
    if (!response.ok) throw new Error(`sandbox.html: HTTP ${response.status}`);
    return response.text();
  });
  fetched.then(
    (html) => {
      frame.srcdoc = html;
      document.body.append(frame);
    },
    () => {}, // told below, with the other files
  );
  const post = (message, transfer = []) => frame.contentWindow.postMessage(message, "*", transfer);

  let isolated = false;
  let frameReady = false;
  let said;
  const saidReady = new Promise((resolve) => {
    said = resolve;
  });
  // Its script says it is ready as it runs, which is before the frame's load event.
  loaded.then(() => {
    if (frameReady) return;
    startTimer = setTimeout(
      () =>
        fail("Python could not start: this browser did not run the sandboxed frame it runs in."),
      FRAME_START_MS,
    );
  });
  addEventListener("message", (event) => {
    if (event.source !== frame.contentWindow) return;
    const data = event.data;
    if (data?.type === FromFrame.READY) {
      clearTimeout(startTimer);
      frameReady = true;
      isolated = data.isolated === true;
      said();
    } else if (data?.type === FromFrame.WORKER_ERROR && Number.isSafeInteger(data.worker)) {
      onWorkerError(data.worker, String(data.message ?? ""));
    }
  });

  // Each file goes to the frame as soon as it is whole (the WebAssembly first of all: the frame
  // compiles it while the rest arrives).
  const hand = (files) => loaded.then(() => post(filesMessage(files)));
  const info = fetchBuildInfo(site);
  const files = fetchRunnerFiles(site, info, {
    onProgress,
    onData: watch,
    onFile: (path, body) => hand({ [path]: body }),
  });
  // Only where the build shipped one (a SCORM package does not) and the address wants it.
  const shipped = info.then((build) => wanted && Object.hasOwn(build.sizes ?? {}, SNAPSHOT_FILE));
  // The first worker restores only a snapshot the browser already keeps: a first visit never
  // waits for one (the pool may start a restoring worker in its place once one arrives).
  const kept = shipped.then((yes) => (yes ? fetchSnapshot(site, { cachedOnly: true }) : null));
  // Resolves to whether the frame has playground.zip's digest (without it, no snapshot).
  const handed = (async () => {
    const received = await files;
    await fetched;
    const cached = await kept;
    let digested = false;
    try {
      const digest = await zipDigest(await received["playground.zip"].arrayBuffer());
      await hand(
        cached ? { [ZIP_DIGEST]: digest, [SNAPSHOT_FILE]: cached } : { [ZIP_DIGEST]: digest },
      );
      digested = true;
    } catch {
      // No Web Crypto (a page served over plain http from another machine): no snapshot.
    }
    await loaded;
    return digested;
  })();
  handed.catch((error) => fail(`Python could not start: ${error.message}`));
  const started = Promise.all([saidReady, handed]);
  // From here on Python starts in the frame's worker, which has all it needs: a worker that
  // fails says so at once (onWorkerError); one that hangs is told by the same timer.
  started.then(
    () => {
      downloaded = true;
      watch();
    },
    () => {},
  );

  let snapshotSent = null;
  return {
    /** Whether the frame shares memory with its workers (Stop's interrupt buffer). */
    get isolated() {
      return isolated;
    },
    /** Python is ready: loading is over, whatever the workers do next. */
    loadedPython() {
      clearTimeout(stallTimer);
    },
    fail,
    /**
     * Starts worker number `worker`, talking over `port`, once the frame has the files.
     * Resolves to the time (performance.now()) it was asked to.
     * @param {number} worker
     * @param {MessagePort} port
     * @param {import("./protocol.js").Switches} switches
     * @returns {Promise<number>}
     */
    spawn(worker, port, switches) {
      return started.then(
        () => {
          post(spawnMessage(worker, port, switches), [port]);
          return performance.now();
        },
        () => Number.NaN,
      );
    },
    /** @param {number} worker */
    interrupt: (worker) => post(interruptMessage(worker)),
    /** @param {number} worker */
    calm: (worker) => post(calmMessage(worker)),
    /** @param {number} worker */
    terminate: (worker) => post(terminateMessage(worker)),
    /**
     * The snapshot, where the first worker could not restore from it: fetched once over the
     * network, once the frame has every file a fresh start needs (so it never slows them).
     * Resolves to true when it has just been handed to the frame, false when the frame had it
     * from the start or there is none.
     */
    sendSnapshot() {
      snapshotSent ??= (async () => {
        if ((await kept) || !(await shipped)) return false;
        await handed;
        const blob = await fetchSnapshot(site, { cachedOnly: false });
        if (blob) post(filesMessage({ [SNAPSHOT_FILE]: blob }));
        return Boolean(blob);
      })().catch(() => false);
      return snapshotSent;
    },
    /**
     * Whether a snapshot made in this browser would serve the workers after: the address
     * wants snapshots, the build shipped none (a SCORM package) and the frame has
     * playground.zip's digest to mark one with.
     * @returns {Promise<boolean>}
     */
    async canMakeSnapshot() {
      return wanted && !(await shipped) && (await handed);
    },
    /**
     * Hands the frame a snapshot made in this browser (see pool.js), for the workers after.
     * @param {Uint8Array} bytes its buffer is transferred
     */
    takeSnapshot(bytes) {
      const buffer = /** @type {ArrayBuffer} */ (bytes.buffer);
      post(filesMessage({ [SNAPSHOT_FILE]: buffer }), [buffer]);
    },
  };
}
