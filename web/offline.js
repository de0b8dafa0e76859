// Offline and fast second visits: register the service worker (web/sw.js) once Python is
// ready, so its precaching never competes with the first load and mostly revalidates files
// the browser has just downloaded.

import { lmsPackage } from "./record/options.js";

export function keepForOffline() {
  // Not in a SCORM package: a service worker would be the LMS origin's, scoped to the path
  // the LMS serves the package from, and would outlive the course (and its updates).
  if (lmsPackage()) return;
  // Fails where service workers are not allowed (private modes; a frame sandboxed without
  // allow-same-origin, where even reading navigator.serviceWorker throws): the page then
  // simply needs the network next time, as any page would.
  try {
    navigator.serviceWorker?.register(new URL("sw.js", import.meta.url)).catch(() => {});
  } catch {
    // Nothing to do: see above.
  }
}
