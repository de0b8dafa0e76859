// Offline and fast second visits: register the service worker (web/sw.js) once Python is
// ready, so its precaching never competes with the first load and mostly revalidates files
// the browser has just downloaded.

export function keepForOffline() {
  // Fails where service workers are not allowed (private modes; a frame sandboxed without
  // allow-same-origin, where even reading navigator.serviceWorker throws): the page then
  // simply needs the network next time, as any page would.
  try {
    navigator.serviceWorker?.register(new URL("sw.js", import.meta.url)).catch(() => {});
  } catch {
    // Nothing to do: see above.
  }
}
