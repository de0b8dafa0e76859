// Imported first by worker.js, so it runs before Pyodide's bundled scripts do. Pyodide refuses
// classic workers, and tells one by whether importScripts() of a data: URL works: its check
// runs as its script is evaluated. The frame's policy refuses that import anyway, but a browser
// that ignores the policy (a test context bypassing it) would let it through. No program needs
// importScripts either. (It lives on the prototype, not on the global object.)
delete WorkerGlobalScope.prototype.importScripts;
