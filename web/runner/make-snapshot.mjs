// Makes the memory snapshot of a ready interpreter that web/worker.js restores on a second
// visit instead of starting Python again. Run by build.py with Node:
//
//   node web/make-snapshot.mjs <pyodide dir> <playground.zip> <output file>
//
// The snapshot is the whole WebAssembly memory after the worker's own start-up steps
// (snapshotOf in web/runner/interpreter.js, which a browser's worker also calls where the
// build shipped no snapshot). Same bytes from the same inputs: entropy and clocks are fixed
// while it is made, since the interpreter keeps what it drew from them (the str hash secret,
// random's seed, file times). So every restored interpreter shares one hash secret per build,
// and the worker reseeds `random` after each restore.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const [pyodideDir, zipPath, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error("usage: node web/make-snapshot.mjs <pyodide dir> <playground.zip> <output>");
  process.exit(2);
}

// Emscripten draws entropy from node:crypto's randomFillSync (looked up at first use) and
// time from Date.now and performance.now: a fixed sequence and counting clocks instead.
let seed = 0x2545f491;
createRequire(import.meta.url)("node:crypto").randomFillSync = (view) => {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  for (let i = 0; i < bytes.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; // a plain LCG: no secrets here
    bytes[i] = seed >>> 24;
  }
  return view;
};
// Node 18 has Web Crypto only under a flag (web/interpreter.js hashes playground.zip with it).
globalThis.crypto ??= (await import("node:crypto")).webcrypto;
// Made without WebAssembly stack switching whatever Node this is: that snapshot is the one the
// tests restore with JSPI and without (tests/test_snapshot.py).
delete WebAssembly.Suspending;
delete WebAssembly.promising;
delete WebAssembly.Suspender;
const FIXED_DATE_MS = Date.UTC(2020, 0, 1);
Date.now = () => FIXED_DATE_MS;
let ticks = 0;
performance.now = () => (ticks += 1);

const { PYTHON_ENV, snapshotOf, zipDigest } = await import("./interpreter.js");
const { loadPyodide } = await import(pathToFileURL(`${pyodideDir}/pyodide.mjs`).href);

const pyodide = await loadPyodide({
  indexURL: `${pyodideDir}/`,
  _makeSnapshot: true,
  // As in a browser worker: Node would otherwise name its own script (sys.executable, $_).
  _sysExecutable: "./this.program",
  stdout: () => {},
  env: { ...PYTHON_ENV },
});
const zip = new Uint8Array(readFileSync(zipPath));
try {
  writeFileSync(outPath, snapshotOf(pyodide, zip, await zipDigest(zip)));
} catch (error) {
  console.error(`make-snapshot: ${error.message}; no snapshot made`);
  process.exit(3);
}
