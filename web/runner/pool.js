// The sealed runner's second room: the Python workers. One is the worker for the next run (or
// the current one); one spare loads behind it, for the run after and for Stop's last step
// (each holds a whole Python, so one spare only). Every program and every check gets a worker
// no earlier one touched: a used worker is thrown away and the spare takes its place.
//
// One rule for when the spare loads: whenever nothing runs, but not in a fresh page's first
// moments. Loading Python keeps a core busy for about a second; right after the page's first
// Ready the engine is also still compiling Python's hot code (2 s of CPU measured on two
// cores), and the first program then run beside a spare loading ran 30 to 90 ms late. So
// until a run has ended, the spare waits SPARE_AFTER_MS after Ready: a Run pressed at once, as
// course pages, tests and a learner who knows the example do, finds none loading, and a Run
// that finds it loading waits for it (SPARE_WAIT_MS at most). Later a spare loads at once, and
// a run that finds it loading starts beside it (measured on time then), as does a run that had
// to wait for its own worker because no spare was there. Never is one let go for a run: that
// gave no CPU back, since Chromium ends a busy worker up to 2 s after terminate() (measured: a
// worker in a loop kept counting for 2 s) and a spare loads in one long task, and the run
// after then waited for a whole Python to load.
import { FromWorker, checkedFromWorker, fetchedMessage } from "./protocol.js";
import { readSiteFile } from "./files.js";

// Why a worker the frame saw fail never started (sandbox.js sends "WebAssembly: ..." when the
// module would not compile, else the browser's message, often none), in words.
function startFailure(message) {
  if (message.startsWith("WebAssembly:")) {
    return `this browser could not compile Python's WebAssembly (${message.slice(13).trim()}).`;
  }
  return `this browser would not run its worker${message ? ` (${message})` : ""}.`;
}

// A fresh start takes 2 to 2.5 s in Chromium and Firefox here and 6 s in WebKit, restoring the
// snapshot 0.5 to 0.8 s: a snapshot that arrives within this long of the fresh start is restored
// in its place, which then ends at least 1 s sooner. Later it goes to the spare, as on a slow
// line. Not raced beside the fresh start: in WebKit two Pythons starting at once run one after
// the other (the restoring one waited for the fresh one to finish, 8 s, in 5 of 6 tries).
const RESTART_WITHIN_MS = 1_000;

// See the rule above. Two seconds: Ready to Run took 0.1 to 0.8 s for a test that picks an
// example and presses Run, and a learner who reads the code first takes longer than that
// plus the spare's second of loading.
const SPARE_AFTER_MS = 2_000;
// A first Run waits at most this long for the spare to load (WebKit restores one in 1 to 3 s);
// past it, the run starts beside it rather than not at all.
const SPARE_WAIT_MS = 3_000;

/**
 * @typedef {{jspi: boolean, isolated: boolean, snapshot: boolean}} WorkerInfo
 * @typedef {{id: number, port: MessagePort, info: WorkerInfo | null,
 *   ready: Promise<Uint8Array | void>,
 *   started: Promise<number>, used: boolean, fail: (message: string) => void, gradingId?: number,
 *   grading?: ((verdict: string | null) => void) | null}} Slot
 */

// Where the build shipped no memory snapshot (a SCORM package: an LMS's origin keeps no service
// worker to cache one, and 31 MB more on every launch is too much), every spare would start
// Python afresh, a core busy for 1.6 to 2.4 s after each run (SCORM package, 7 December, all
// three engines). So before the first spare, one worker makes a snapshot in this browser, as
// the build does with Node, and the spares restore from it: ready 0.2 to 0.6 s after each run.
// It costs one fresh start, taken when a spare would load (never beside the first worker), and
// it holds a whole Python as a spare does, so one at a time: the first spare waits for it (it
// was ready 4.1 s after Ready in Chromium, 4.3 s before). The snapshot lasts as long as the
// page. `spawnMaker()` starts the worker that makes it, whose slot's `ready` gives the bytes.
function snapshotsForSpares(frame, spawnMaker) {
  /** @type {Slot | null} */
  let maker = null;
  /** @type {Promise<void> | null} */
  let made = null;
  return {
    /** The worker making the snapshot, if one is. */
    get maker() {
      return maker;
    },
    /** Resolves once the frame has the snapshot the spares will restore, if any. */
    ready() {
      made ??= (async () => {
        if ((await frame.sendSnapshot()) || !(await frame.canMakeSnapshot())) return;
        maker = spawnMaker();
        const bytes = await maker.ready.catch(() => null); // none: the spares start afresh
        if (bytes) frame.takeSnapshot(bytes);
        frame.terminate(maker.id);
        maker = null;
      })().catch(() => {});
      return made;
    },
  };
}

/**
 * The pool, over the frame (frame.js). `onReady(info)`: the first worker has loaded;
 * `onFailed(message)`: the worker for the next run could not load; `onSpare(state)`: "none",
 * "loading" or "ready"; `onMessage(slot, message)`: every other checked message of a worker.
 */
export function createPool(frame, site, switches, { onReady, onFailed, onSpare, onMessage }) {
  /** @type {Slot | null} */
  let python = null;
  /** @type {Slot | null} */
  let spare = null;
  let busy = false; // a run or a check holds `python`
  let loadedOnce = false;
  let nextWorker = 1;
  const snapshots = snapshotsForSpares(frame, () => spawn({ ...switches, snapshot: "make" }));

  function spawn(given = switches) {
    const channel = new MessageChannel();
    const id = nextWorker++;
    let markReady;
    let markFailed;
    /** @type {Slot} */
    const slot = {
      id,
      port: channel.port1,
      info: null,
      started: frame.spawn(id, channel.port2, given),
      used: false,
      ready: new Promise((resolve, reject) => {
        markReady = resolve;
        markFailed = reject;
      }),
      fail: (message) => {
        markFailed(new Error(message));
        if (slot === python) onFailed(message);
        else drop(slot);
      },
    };
    slot.ready.catch(() => {});
    channel.port1.onmessage = ({ data }) => {
      const message = checkedFromWorker(data);
      if (message) heard(slot, message, markReady);
    };
    return slot;
  }

  function heard(slot, data, markReady) {
    switch (data.type) {
      case FromWorker.READY:
        if (slot.info) return; // once
        slot.info = { jspi: data.jspi, isolated: frame.isolated, snapshot: data.snapshot };
        markReady();
        if (slot === python) activated();
        else if (slot === spare) onSpare("ready"); // not one let go while it loaded
        break;
      case FromWorker.FAILED_TO_LOAD:
        if (!slot.info) slot.fail(`Python could not start: ${data.message}`);
        break;
      case FromWorker.SNAPSHOT:
        if (slot === snapshots.maker) markReady(data.bytes);
        break;
      case FromWorker.FETCH:
        readSiteFile(site, data.url, data.integrity).then((answer) => {
          const body = answer.body ? [answer.body] : [];
          slot.port.postMessage(fetchedMessage(data.request, answer), body);
        });
        break;
      default:
        onMessage(slot, data);
    }
  }

  // The worker for the next run has loaded: the page can run; a spare loads behind it.
  function activated() {
    if (!loadedOnce) {
      loadedOnce = true;
      frame.loadedPython();
    }
    onReady(python.info);
    refill();
  }

  // The one rule: a spare loads whenever nothing runs (SPARE_AFTER_MS after Ready until a run
  // has ended), behind a worker that has loaded (never beside the first one, which would slow
  // the page's start), from the snapshot once the frame has it.
  let ranOnce = false;
  let refillTimer = 0;
  // `beside`: for a run that had to wait for its own worker to load, the spare loads now,
  // beside it. Else runs pressed one after another would each wait for a whole Python and none
  // would have a spare for Stop (measured: every Run pressed as the last ended, after a fresh
  // page's first, waited about a second, 3 to 4 s in the SCORM package, which has no snapshot).
  function refill({ beside = false } = {}) {
    const wanted = () => !spare && (beside || !busy) && Boolean(python?.info);
    clearTimeout(refillTimer);
    if (!wanted()) return;
    const load = () =>
      snapshots.ready().then(() => {
        if (!wanted()) return;
        spare = spawn();
        onSpare("loading");
      });
    if (ranOnce) load();
    else refillTimer = setTimeout(load, SPARE_AFTER_MS);
  }

  function drop(slot) {
    frame.terminate(slot.id);
    if (spare !== slot) return;
    spare = null;
    onSpare("none");
  }

  return {
    /** The worker the next run takes (it may still be loading). */
    get next() {
      return python;
    },

    /**
     * A run (or a check) takes the next worker. While a program runs no spare starts loading,
     * unless the run had to wait for its worker; the page's first run waits for one already
     * loading (SPARE_WAIT_MS at most). Resolves to the slot, or null if it could not load.
     */
    async take({ program }) {
      busy = program;
      clearTimeout(refillTimer);
      // A snapshot being made is the first spare's loading (see snapshotsForSpares).
      if (program && !ranOnce && ((spare && !spare.info) || snapshots.maker)) {
        let timer = 0;
        const late = new Promise((resolve) => {
          timer = setTimeout(resolve, SPARE_WAIT_MS);
        });
        await Promise.race([(spare?.ready ?? snapshots.ready()).catch(() => {}), late]);
        clearTimeout(timer);
      }
      const slot = python;
      const waited = !slot.info;
      try {
        await slot.ready;
      } catch {
        return null;
      }
      if (waited && program && ranOnce) refill({ beside: true });
      return slot; // the caller sets `used` once it hands the worker a program or a check
    },

    /** The run is over: a used worker is thrown away, and the spare loads again. */
    release() {
      busy = false;
      ranOnce = true;
      if (python.used) this.replace();
      else refill();
    },

    /** Throws the next worker away (it ran a program, crashed, or would not stop). */
    replace() {
      frame.terminate(python.id);
      python = spare ?? spawn();
      spare = null;
      onSpare("none");
      // A spare that has loaded is ready now; one still loading reports READY itself.
      if (python.info) activated();
    },

    /** The frame saw worker `id` die; returns its slot, if it is one of the pool's. */
    died(id, message) {
      const slot = [python, spare, snapshots.maker].find((s) => s?.id === id) ?? null;
      if (slot && !slot.info) slot.fail(`Python could not start: ${startFailure(message)}`);
      else if (slot && slot === spare) drop(slot);
      return slot;
    },

    start() {
      python = spawn();
      // Where that first worker starts afresh (the browser keeps no snapshot yet), the snapshot
      // is fetched at once; arriving soon enough, it is restored in the fresh start's place.
      const fresh = python;
      Promise.all([frame.sendSnapshot(), fresh.started]).then(([arrived, started]) => {
        if (!arrived || busy || python !== fresh || fresh.info) return;
        if (performance.now() - started > RESTART_WITHIN_MS) return; // for the spare, then
        frame.terminate(fresh.id);
        python = spawn();
      });
    },
  };
}
