// The status line, the Run and Stop buttons and <body data-*> follow the run record: they say
// what the page is doing and never decide it. Tests, CI scripts and hosts read body[data-state]
// (loading | ready | running | finished | failed | stopped) and data-runs (the run's number).

const seconds = (s) => `${s.toFixed(2)} s`;
// While a program runs, the status line counts its time this often.
const TICK_MS = 100;

/** The run's time as the status line gives it: the program's own, else the page's. */
function took(run) {
  return seconds(run.elapsed ?? (run.endedAt - run.startedAt) / 1000);
}

function statusText(record) {
  const run = record.run;
  switch (record.state) {
    case "loading":
      return `Loading Python… ${Math.floor(record.progress * 100)}%`;
    case "ready":
      return "Ready";
    case "running":
      return `Running… ${((performance.now() - run.startedAt) / 1000).toFixed(1)} s`;
    case "stopped":
      return `Stopped after ${took(run)}`;
    default:
      if (!run || run.status === "running") return record.problem ?? "Python could not start.";
      if (run.exitCode !== null) return `Exited with code ${run.exitCode} after ${took(run)}`;
      if (run.status === "finished") return `Finished in ${took(run)}`;
      if (run.crashed) return `Python crashed after ${took(run)}`;
      return `Failed after ${took(run)}${run.error ? ` (line ${run.error.line})` : ""}`;
  }
}

export function followRecord(record, { status, progress, runButton, stopButton }) {
  const body = document.body;
  let ticker = 0;

  function show() {
    status.textContent = statusText(record);
    progress.value = record.progress;
    runButton.disabled = !record.canRun;
    stopButton.disabled = record.state !== "running";
    body.dataset.state = record.state;
  }

  record.subscribe((change) => {
    if (change.type === "python") {
      const python = record.python;
      if (python) {
        // Which of the runner's paths this browser takes, and whether Python came from the
        // memory snapshot; the spare worker kept warm for Stop.
        body.dataset.jspi = python.jspi ? "on" : "off";
        body.dataset.isolated = python.isolated ? "yes" : "no";
        body.dataset.snapshot = python.snapshot ? "restored" : "no";
        body.dataset.spare = python.spare;
      }
    }
    if (change.type === "run-started") body.dataset.runs = String(change.run.id);
    if (change.type === "state") {
      clearInterval(ticker);
      if (change.to === "running") ticker = setInterval(show, TICK_MS);
    }
    if (["state", "progress", "python"].includes(change.type)) show();
  });
  show();
}
