// Offline and fast second visits: register the service worker (web/sw.js) once Python is
// ready, so its precaching never competes with the first load and mostly revalidates files
// the browser has just downloaded.

export function keepForOffline() {
  if (!("serviceWorker" in navigator)) return;
  // Fails where service workers are not allowed (some sandboxed iframes, private modes):
  // the page then simply needs the network next time, as any page would.
  navigator.serviceWorker.register(new URL("sw.js", import.meta.url)).catch(() => {});
}
