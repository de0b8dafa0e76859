// The site's files as the sealed runner gets them: the page, the only party of the site's own
// origin, fetches them and hands them on. The sandbox frame and its workers have an opaque
// origin, so they could not read them without CORS headers from whatever serves the site, and
// must not reach anything else of the origin anyway.
import { RUNNER_FILES, SITE_FILES, SNAPSHOT_FILE } from "./protocol.js";

// Text the frame turns into scripts; everything else travels as Blobs.
const TEXT = /\.(m?js|json)$/;

/**
 * What the build shipped: build.json's {version, sizes: {path: bytes}} ({} if unreadable). A
 * SCORM package's lists no memory snapshot, so the page never asks for one there.
 */
export async function fetchBuildInfo(site) {
  try {
    const response = await fetch(new URL("build.json", site));
    return response.ok ? await response.json() : {};
  } catch {
    return {};
  }
}

/**
 * Fetches RUNNER_FILES from `site` (a URL ending in "/"); resolves to {path: string | Blob}.
 * `onProgress(fraction)` follows the bytes as they arrive (`info`, the build's, has each
 * file's size: Content-Length is the compressed size when the server sends gzip); `onData()`
 * is called whenever any byte arrives, so a stalled connection can be told from a slow one;
 * `onFile(path, body)` as soon as each file is whole, so the frame can compile the WebAssembly
 * while the rest arrives. (Handing the WebAssembly over as a stream, to compile while it
 * downloads, measured no faster: a transferred stream crosses to the frame's process chunk by
 * chunk.)
 *
 * Blobs, not bytes: the frame runs in a process of its own, and a Blob crosses to it as a
 * handle where bytes are copied on the way (13 MB took 0.28 s here). Where the service worker
 * controls the page, it has the whole build in Cache Storage, and `response.blob()` takes a
 * cached file without reading it at all; only a first visit reads the bytes as they arrive,
 * for the progress bar.
 */
export async function fetchRunnerFiles(site, info, { onProgress, onData, onFile }) {
  let sizes = {};
  const known = info.then((build) => {
    sizes = build.sizes ?? {};
  });
  const loaded = new Map();
  const report = () => {
    const total = RUNNER_FILES.reduce((sum, path) => sum + (sizes[path] ?? 0), 0);
    const done = [...loaded.values()].reduce((a, b) => a + b, 0);
    if (total) onProgress(Math.min(done / total, 1));
  };
  let cached = false;
  try {
    cached = Boolean(navigator.serviceWorker?.controller);
  } catch {
    // A frame sandboxed without allow-same-origin: reading serviceWorker throws; none, then.
  }
  const one = async (path) => {
    const response = await fetch(new URL(path, site));
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    if (cached) {
      const blob = await response.blob();
      loaded.set(path, blob.size);
      onData();
      report();
      return whole(path, blob);
    }
    const reader = response.body.getReader();
    const chunks = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
      loaded.set(path, size);
      onData();
      report();
    }
    return whole(path, new Blob(chunks));
  };
  const whole = async (path, blob) => {
    const body = TEXT.test(path) ? await blob.text() : blob;
    onFile(path, body);
    return [path, body];
  };
  const files = Object.fromEntries(await Promise.all(RUNNER_FILES.map(one)));
  await known;
  onProgress(1);
  return files;
}

/**
 * The build's memory snapshot (31 MB) as a Blob (see fetchRunnerFiles), or null.
 * `cachedOnly`: only if the browser already keeps it (the service worker's Cache Storage, after a first visit), so a first visit never
 * waits for it. (Asking the HTTP cache with fetch's "only-if-cached" logs a console error for
 * every miss.) A snapshot of another build fails the worker's check and costs a normal start.
 */
export async function fetchSnapshot(site, { cachedOnly }) {
  try {
    const url = new URL(SNAPSHOT_FILE, site);
    const response = cachedOnly ? await caches.match(url) : await fetch(url);
    return response?.ok ? await response.blob() : null;
  } catch {
    return null; // no Cache Storage here (an opaque origin), or the network failed
  }
}

/**
 * One of the site's package files a worker asked for (SITE_FILES: Pyodide's packages and the
 * site's package index, for micropip), read without credentials; anything else is refused.
 * Resolves to {ok, status, contentType, body (ArrayBuffer), message}; never throws.
 */
export async function readSiteFile(site, url, integrity) {
  let path;
  try {
    const wanted = new URL(url, site);
    path = wanted.href.startsWith(site) ? wanted.href.slice(site.length) : null;
  } catch {
    path = null;
  }
  if (path === null || !SITE_FILES.test(path)) {
    return {
      ok: false,
      status: 403,
      message: "the playground's Python reads only the site's packages",
    };
  }
  try {
    const response = await fetch(new URL(path, site), {
      credentials: "omit",
      ...(typeof integrity === "string" && integrity ? { integrity } : {}),
    });
    const contentType = response.headers.get("Content-Type") ?? "application/octet-stream";
    return {
      ok: response.ok,
      status: response.status,
      contentType,
      body: await response.arrayBuffer(),
    };
  } catch (error) {
    return { ok: false, status: 0, message: String(error?.message ?? error) };
  }
}
