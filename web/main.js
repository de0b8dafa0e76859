// The page's entry: starts the Python worker first, then loads the rest of the page (page.js,
// mostly the editor: ~170 kB gzipped to fetch and parse) while Python loads in the worker.
import { createRunner } from "./runner/runner.js";

// The runner's events that come before page.js has loaded, kept in order and replayed to it.
const early = [];
let handlers = null;
const runner = createRunner(
  new Proxy(
    {},
    {
      get: (_, name) =>
        (...args) => (handlers ? handlers[name]?.(...args) : early.push([name, args])),
    },
  ),
);

const { connect } = await import("./page.js");
handlers = connect(runner);
for (const [name, args] of early.splice(0)) handlers[name]?.(...args);
