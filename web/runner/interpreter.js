// What the worker does to a fresh interpreter before it says it is ready. Shared with the
// build's memory snapshot (web/make-snapshot.mjs), which records the interpreter right
// after these steps, so a restored interpreter and a freshly loaded one cannot drift apart.

/**
 * The environment both get (a snapshot keeps the one it was made with). LANG is fixed, as in
 * a container's `python3`: left alone, Emscripten derives it from the browser's language, and
 * a snapshot would carry the build machine's.
 */
export const PYTHON_ENV = Object.freeze({ PYTHONUNBUFFERED: "", NO_COLOR: "1", LANG: "C.UTF-8" });
const PLAYGROUND_DIR = "/playground";

/**
 * Unpacks py/playground (playground.zip) into the file system. The file system lives in
 * JavaScript, outside the WebAssembly memory a snapshot holds: a restored interpreter needs
 * this again, for tracebacks and anything else that reads the files.
 */
export function unpackPlayground(pyodide, zip) {
  pyodide.unpackArchive(zip, "zip", { extractDir: PLAYGROUND_DIR });
}

/** Imports the playground's browser glue into a fresh interpreter (a snapshot has it). */
export function importPlayground(pyodide) {
  pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(PLAYGROUND_DIR)})`);
  return pyodide.pyimport("playground.browser");
}

/** The SHA-256 of playground.zip's bytes, in hex. */
export async function zipDigest(zip) {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", zip));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

// A snapshot records which playground.zip it imported, on the package itself
// (playground.ZIP_SHA256), so a restore can check that it holds the Python this build serves.
function markZip(pyodide, sha) {
  pyodide.runPython(`import playground; playground.ZIP_SHA256 = ${JSON.stringify(sha)}`);
}

export function markedZip(pyodide) {
  return pyodide.runPython(`import playground; getattr(playground, "ZIP_SHA256", None)`);
}

/**
 * The memory snapshot of `pyodide`, just loaded with `_makeSnapshot` and nothing else done:
 * the steps above (playground.zip's bytes `zip`, its SHA-256 `digest`), then the whole
 * WebAssembly memory, taken with Pyodide's private makeMemorySnapshot API (pyodide PR 4652,
 * whose tests, src/tests/test_snapshots.py, show the calls). The build makes one with Node
 * (make-snapshot.mjs); a browser makes its own where the build shipped none (worker.js).
 * Throws where Pyodide could not restore it.
 */
export function snapshotOf(pyodide, zip, digest) {
  const initialBytes = pyodide._module.HEAP8.length;
  unpackPlayground(pyodide, zip);
  importPlayground(pyodide);
  markZip(pyodide, digest);
  // Pyodide 314 restores into a memory of the module's initial size and cannot grow it first
  // (pyodide issue 6254): a bigger snapshot could never restore, so none is better.
  const grown = pyodide._module.HEAP8.length;
  if (grown !== initialBytes) {
    throw new Error(
      `memory grew from ${initialBytes} to ${grown} bytes, which Pyodide cannot restore`,
    );
  }
  return pyodide.makeMemorySnapshot();
}
