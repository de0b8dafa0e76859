// The page's entry: reads the address's options, starts the Python worker, then loads the rest
// of the page (page.js, mostly the editor: ~170 kB gzipped to fetch and parse) while Python
// loads. The run record exists from the start, so nothing the runner says before page.js has
// loaded is lost.
import { lmsPackage, readOptions } from "./record/options.js";
import { createRecord } from "./record/run-record.js";
import { createRunner } from "./runner/runner.js";

const address = readOptions();
// theme=light|dark: the course page's choice over the system's (style.css), set before the
// editor's bundle loads so the page never flashes the other one.
if (address.options.theme && address.options.theme !== "auto") {
  document.documentElement.dataset.theme = address.options.theme;
}
const record = createRecord();
// A SCORM package registers no service worker (offline.js), so nothing ever keeps the memory
// snapshot there, and it does not ship it: asking for it would only be a 404 on the LMS.
const runner = createRunner(record, lmsPackage() ? { ...address.options, snapshot: "off" } : address.options);

const { connect } = await import("./page.js");
connect(runner, record, address);
