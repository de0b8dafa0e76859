// The page's entry: reads the address's options, starts the Python worker, then loads the rest
// of the page (page.js, mostly the editor: ~170 kB gzipped to fetch and parse) while Python
// loads. The run record exists from the start, so nothing the runner says before page.js has
// loaded is lost.
import { readOptions } from "./record/options.js";
import { createRecord } from "./record/run-record.js";
import { createRunner } from "./runner/runner.js";

const address = readOptions();
// theme=light|dark: the course page's choice over the system's (style.css), set before the
// editor's bundle loads so the page never flashes the other one.
if (address.options.theme && address.options.theme !== "auto") {
  document.documentElement.dataset.theme = address.options.theme;
}
const record = createRecord();
// The runner asks for the memory snapshot only where the build shipped one (build.json): a
// SCORM package does not.
const runner = createRunner(record, address.options);

const { connect } = await import("./page.js");
connect(runner, record, address);
