// The service worker: keeps this build's files so the next visit starts from disk and works
// with the network gone. One cache per build, filled whole at install, so old and new files
// never mix. build.py writes the manifest below into dist/sw.js.
const MANIFEST = { version: "dev", files: [] }; // filled in by build.py
const CACHE = `playground-${MANIFEST.version}`;
// How long a visit waits to learn whether the server has a newer build before using the cache.
const VERSION_CHECK_MS = 2000;

// Once the server is seen to have another build, this worker serves nothing from its cache
// (a new worker with the new build is installing): the page gets the server's files, all new.
let outdated = false;

// `self`, as what it is here (TypeScript's lib types it as any worker's global scope).
const scope = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

scope.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(MANIFEST.files);
      // Safe to take over at once: any page still open got its files from the network
      // (see `outdated`) or from a cache whose files all came from one build.
      await scope.skipWaiting();
    })(),
  );
});

scope.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith("playground-") && key !== CACHE) await caches.delete(key);
      }
      await scope.clients.claim();
    })(),
  );
});

async function serverVersion() {
  const timeout = new Promise((resolve) => setTimeout(resolve, VERSION_CHECK_MS, null));
  const check = fetch("build.json", { cache: "no-cache" })
    .then((response) => (response.ok ? response.json() : null))
    .then((info) => info?.version ?? null)
    .catch(() => null); // offline: the cache it is
  return Promise.race([check, timeout]);
}

async function fromCache(request) {
  const cache = await caches.open(CACHE);
  const url = new URL(request.url);
  if (request.mode === "navigate") return cache.match("./"); // any address opens the playground
  return (
    (await cache.match(request, { ignoreSearch: true })) ??
    (url.pathname.endsWith("/") ? cache.match(`${url.pathname}index.html`) : undefined)
  );
}

scope.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== scope.location.origin) return;
  event.respondWith(
    (async () => {
      if (request.mode === "navigate" && request.destination === "document") {
        const version = await serverVersion();
        outdated = version !== null && version !== MANIFEST.version;
        if (outdated) scope.registration.update();
      }
      if (!outdated) {
        const cached = await fromCache(request);
        if (cached) return cached;
      }
      return fetch(request);
    })(),
  );
});
