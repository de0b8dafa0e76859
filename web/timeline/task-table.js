// The timeline as a table (role="table", aria-label "Tasks"): its text alternative, one row
// per task at the time the picture shows, so it is always in step with the drawing; the tasks
// an exercise's verdict is about are marked (timeline-panel.js hands their names over).
import { endWords, stateAt, waitWords } from "../record/trace-model.js";

// Tens of thousands of rows would freeze the page; the downloaded trace has them all.
const MAX_ROWS = 500;

/** How many of `prints` (in time order) were printed at or before `t`. */
function countUntil(prints, t) {
  let n = 0;
  while (n < prints.length && prints[n].t <= t) n += 1;
  return n;
}

export function createTaskTable(table, note) {
  const body = table.tBodies[0];
  const rows = new Map(); // task id -> {row, cells, text}
  let marked = new Set(); // the names of the tasks a check's verdict is about

  function rowFor(task) {
    let entry = rows.get(task.id);
    if (!entry) {
      const row = body.insertRow();
      row.dataset.task = String(task.id);
      const cells = Array.from({ length: 7 }, (_, i) => {
        const cell = i === 0 ? document.createElement("th") : row.insertCell();
        if (i === 0) {
          cell.scope = "row";
          row.append(cell);
        }
        return cell;
      });
      entry = { row, cells, text: [] };
      rows.set(task.id, entry);
    }
    return entry;
  }

  function set(entry, i, text) {
    if (entry.text[i] !== text) {
      entry.text[i] = text;
      entry.cells[i].textContent = text;
    }
  }

  return {
    /** The rows at time `t`; `whole`: the trace is complete (its run ended, or a file). */
    update(trace, t, whole = false) {
      const shown = trace ? trace.tasks.slice(0, MAX_ROWS) : [];
      for (const task of shown) {
        const now = stateAt(task, t);
        const entry = rowFor(task);
        entry.row.hidden = now === null;
        if (now === null) continue;
        const parent = task.parent != null ? trace.byId.get(task.parent) : null;
        const ended = task.end && task.end.t <= t;
        let result = "";
        if (ended) result = endWords(trace, task);
        else if (now.state === "waiting") result = `(waiting on ${waitWords(now.wait, trace)})`;
        set(entry, 0, task.name);
        set(entry, 1, parent ? parent.name : "");
        set(entry, 2, now.state);
        set(entry, 3, task.created.toFixed(2));
        set(entry, 4, ended ? task.end.t.toFixed(2) : "");
        set(entry, 5, result);
        // Lines printed by the time shown: the trace records who printed each one. A bare
        // number under "Lines": the table fits a phone's width with every column.
        const printed = countUntil(task.prints, t);
        set(entry, 6, printed ? String(printed) : "");
        entry.row.dataset.state = now.state;
        if (marked.has(task.name)) entry.row.dataset.flagged = "true";
        else delete entry.row.dataset.flagged;
      }
      const hidden = trace ? trace.tasks.length - shown.length : 0;
      // A whole run with no task (a program that never ran a loop, or trace=off) says so,
      // where the table and the picture would be left empty with no word.
      const none = whole && trace && trace.tasks.length === 0;
      note.hidden = hidden <= 0 && !none;
      if (hidden > 0)
        note.textContent = `${hidden.toLocaleString()} more tasks are not listed; Download trace has them all.`;
      else note.textContent = none ? "No tasks recorded in this run." : "";
    },
    /** Marks the tasks named in `names` (data-flagged on their rows) from the next update. */
    mark(names) {
      marked = new Set(names);
    },
    clear() {
      marked = new Set();
      rows.clear();
      body.replaceChildren();
      note.hidden = true;
    },
  };
}
