"""Benchmarks of the playground, printed as a table: `python3 build.py bench`.

Not tests: figures for the README, measured on the machine at hand. Each figure is the best
(minimum) of several runs, the usual way to keep a shared machine's noise out of timings.
"""

from __future__ import annotations

import asyncio
import http.server
import io
import itertools
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "py")]

import engines  # noqa: E402
from conftest import CHROMIUM_ARGS  # noqa: E402
from expected import EXAMPLES  # noqa: E402
from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402
from test_examples_cpython import RUNNER  # noqa: E402
from tracing import run  # noqa: E402
from ui import Playground  # noqa: E402

import build  # noqa: E402

REPEATS = 5

# The overhead workload: gather 10,000 tasks that each await asyncio.sleep(0) twice.
# The program times itself, so start-up and drawing are not part of the figure.
TEN_THOUSAND = """\
import asyncio, time

async def worker():
    await asyncio.sleep(0)
    await asyncio.sleep(0)

async def main():
    await asyncio.gather(*(worker() for _ in range(10_000)))

start = time.perf_counter()
asyncio.run(main())
print(f"elapsed {time.perf_counter() - start:.4f}")
"""


# The loop workloads: N tasks gathered, each awaiting one asyncio.sleep(0.05), or ten
# asyncio.sleep(0). The program times itself, asyncio.run() included, as a learner would.
# 2,000 is the issue's own example (CPython 0.08 s; the page 0.40 to 0.63 s with WebLoop).
LOOP_TASKS = (100, 1_000, 2_000, 10_000)
LOOP_WORKLOADS = {
    "sleep(0.05)": "    await asyncio.sleep(0.05)",
    "10 x sleep(0)": "    for _ in range(10):\n        await asyncio.sleep(0)",
}


def loop_program(tasks: int, body: str) -> str:
    return f"""\
import asyncio, time

async def worker():
{body}

async def main():
    await asyncio.gather(*(worker() for _ in range({tasks})))

start = time.perf_counter()
asyncio.run(main())
print(f"elapsed {{time.perf_counter() - start:.4f}}")
"""


def drawing_program(tasks: int) -> str:
    """`tasks` tasks that sleep and wake at staggered times for about four seconds."""
    return f"""\
import asyncio, random

async def work(i):
    for _ in range(3):
        await asyncio.sleep(random.uniform(0.3, 1.3))

async def main():
    await asyncio.gather(*(work(i) for i in range({tasks})))

asyncio.run(main())
"""


def best_of_pairs(
    plain: Callable[[], float], traced: Callable[[], float], repeats: int = REPEATS
) -> tuple[float, float]:
    """The best of each, the two run in turn: a spell of load on a shared machine then slows
    both, where running all of one before the other could put it on one side only."""
    plain_times, traced_times = [], []
    for _ in range(repeats):
        plain_times.append(plain())
        traced_times.append(traced())
    return min(plain_times), min(traced_times)


# --- CPython ---------------------------------------------------------------------------------


def cpython_runner(traced: bool) -> float:
    """The workload through the playground's runner, with or without the tracer, whose events
    are kept end to end as the browser keeps them (see playground.tracer)."""
    events: list[object] = []
    return float(run(TEN_THOUSAND, traced=traced, emit=events.extend).printed.split()[-1])


def cpython_viztracer(traced: bool) -> float:
    """The workload as plain `python3` runs it, with or without VizTracer's log_async mode."""
    from viztracer import VizTracer

    namespace: dict[str, Any] = {"__name__": "__main__", "print": lambda *a, **k: None}
    code = compile(TEN_THOUSAND.rsplit("start = ", 1)[0], "bench.py", "exec")
    exec(code, namespace)
    tracer = VizTracer(log_async=True, verbose=0, tracer_entries=10_000_000) if traced else None
    if tracer is not None:
        tracer.start()
    start = time.perf_counter()
    asyncio.run(namespace["main"]())
    elapsed = time.perf_counter() - start
    if tracer is not None:
        tracer.stop()
        tracer.clear()
    return elapsed


# --- the browser -----------------------------------------------------------------------------

RECORD_FRAMES = """() => {
  window.__frames = [];
  window.__longTasks = [];
  window.__paints = 0;
  // The timeline's canvas is cleared once each time it is painted.
  const clear = CanvasRenderingContext2D.prototype.clearRect;
  CanvasRenderingContext2D.prototype.clearRect = function (...args) {
    if (document.body.dataset.state === "running") window.__paints += 1;
    return clear.apply(this, args);
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
  }).observe({ type: "longtask" });
  const tick = (t) => {
    if (document.body.dataset.state === "running") window.__frames.push(t);
    if (!["finished", "failed", "stopped"].includes(document.body.dataset.state)) {
      requestAnimationFrame(tick);
    }
  };
  requestAnimationFrame(tick);
}"""


def browser_run(page: Page, url: str, code: str, query: str = "") -> str:
    playground = Playground(page).open(url, query=query)
    # The spare worker loads in the background 2 s after Ready; a run measured once it has
    # loaded meets the page as a learner who read the example does, traced or not.
    playground.wait_for_spare()
    playground.type_code(code)
    assert playground.run() == "finished", playground.output.inner_text()
    return playground.output.inner_text()


def browser_elapsed(page: Page, url: str, traced: bool) -> float:
    printed = browser_run(page, url, TEN_THOUSAND, "" if traced else "trace=off")
    return float(printed.split()[-1])


def cpython_native(code: str) -> float:
    """The program's own time under `python3`, in a process of its own."""
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, check=True, text=True, timeout=120
    )
    return float(proc.stdout.split()[-1])


def browser_loop_times(page: Page, url: str, query: str) -> dict[tuple[str, int], float]:
    """Each loop workload's best time on one page (the runs are independent: every run gets
    loops of its own), opened with `query`."""
    playground = Playground(page).open(url, query=query)
    best: dict[tuple[str, int], float] = {}
    for _ in range(REPEATS):
        for workload, body in LOOP_WORKLOADS.items():
            for tasks in LOOP_TASKS:
                # Else it loads during the run (behind each run's end), on one of two cores.
                playground.wait_for_spare()
                playground.type_code(loop_program(tasks, body))
                assert playground.run() == "finished", playground.output.inner_text()
                seconds = float(playground.output.inner_text().split()[-1])
                key = (workload, tasks)
                best[key] = min(best.get(key, seconds), seconds)
    return best


def browser_drawing(page: Page, url: str, tasks: int) -> dict[str, float]:
    playground = Playground(page).open(url)
    playground.type_code(drawing_program(tasks))
    page.evaluate(RECORD_FRAMES)
    assert playground.run() == "finished"
    frames: list[float] = page.evaluate("() => window.__frames")
    long_tasks: list[float] = page.evaluate("() => window.__longTasks")
    paints: int = page.evaluate("() => window.__paints")
    gaps = [b - a for a, b in itertools.pairwise(frames)]
    seconds = (frames[-1] - frames[0]) / 1000 if len(frames) > 1 else 0
    return {
        "fps": (len(frames) - 1) / seconds if seconds else 0,
        "paints": paints / seconds if seconds else 0,
        "p95": statistics.quantiles(gaps, n=20)[-1] if len(gaps) > 20 else float("nan"),
        "longest": max(long_tasks, default=0.0),
    }


# --- start-up ---------------------------------------------------------------------------------

# The yardstick: a page whose module worker only calls loadPyodide on the same files.
BARE_PAGE = """<!DOCTYPE html><meta charset="utf-8"><title>bare</title>
<script type="module" src="bare.js"></script>"""
BARE_SCRIPT = """const worker = new Worker("bare-worker.js", { type: "module" });
worker.onmessage = () => { document.body.dataset.state = "ready"; };"""
BARE_WORKER = """import { loadPyodide } from "./pyodide/pyodide.mjs";
await loadPyodide({ indexURL: new URL("pyodide/", import.meta.url).href });
postMessage("ready");"""
BARE_FILES = {
    "bare.html": ("text/html", BARE_PAGE),
    "bare.js": ("text/javascript", BARE_SCRIPT),
    "bare-worker.js": ("text/javascript", BARE_WORKER),
}


class CountingHandler(build.Handler):
    """The site's own handler, counting the body bytes it sends (a 304 sends none), and
    serving the bare page beside the site (not through Playwright's routing, which would
    turn the HTTP cache off)."""

    quiet = True
    sent = 0

    def send_head(self) -> BinaryIO | None:
        name = self.path.split("?")[0].lstrip("/")
        if name not in BARE_FILES:
            return super().send_head()
        kind, body = BARE_FILES[name]
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body.encode())

    def copyfile(self, source: BinaryIO, outputfile: BinaryIO) -> None:  # type: ignore[override]
        data = source.read()
        CountingHandler.sent += len(data)
        outputfile.write(data)


def time_to_ready(page: Page, url: str) -> tuple[float, int]:
    """Seconds from navigation start to body[data-state=ready], and bytes the server sent."""
    CountingHandler.sent = 0
    page.goto(url)
    page.wait_for_function("() => document.body?.dataset.state === 'ready'", polling=5)
    seconds = page.evaluate("() => performance.now()") / 1000
    return seconds, CountingHandler.sent


def startup(
    browser: Browser, url: str, path: str, warm_with_worker: bool, loads: int = 3
) -> dict[str, Any]:
    """Cold and warm loads, each in a fresh context: the best of `loads` (and every figure)."""
    cold_times, warm_times, cold_bytes, warm_bytes = [], [], [], []
    for _ in range(loads):
        context = browser.new_context(service_workers="allow" if warm_with_worker else "block")
        page = context.new_page()
        page.set_default_timeout(120_000)
        seconds, sent = time_to_ready(page, url + path)
        cold_times.append(seconds)
        cold_bytes.append(sent)
        if warm_with_worker:
            page.wait_for_function(
                """async () => (await navigator.serviceWorker.ready).active.state === "activated"
                && !!navigator.serviceWorker.controller"""
            )
        page.close()
        page = context.new_page()
        seconds, sent = time_to_ready(page, url + path)
        warm_times.append(seconds)
        warm_bytes.append(sent)
        context.close()
    return {
        "cold": min(cold_times),
        "warm": min(warm_times),
        "cold_bytes": min(cold_bytes),
        "warm_bytes": min(warm_bytes),
        "cold_times": cold_times,
        "warm_times": warm_times,
    }


FIRST_OUTPUT = """() => new Promise((resolve) => {
  const output = document.getElementById("output");
  const started = performance.now();
  new MutationObserver((changes, observer) => {
    if (output.textContent.includes("hi")) {
      observer.disconnect();
      resolve(performance.now() - started);
    }
  }).observe(output, { childList: true, subtree: true, characterData: true });
  document.getElementById("run").click();
})"""


def run_to_first_output(page: Page, url: str) -> list[float]:
    """Milliseconds from the click on Run to "hi" in the Output pane, each Run pressed once the
    spare worker has loaded, as a learner who read the last run's output meets it. (Pressed
    at once, a Run waits for a worker to load: see web/runner/pool.js.)"""
    playground = Playground(page).open(url)
    playground.type_code('print("hi")\n')
    results = []
    for _ in range(REPEATS):
        playground.wait_for_spare()
        results.append(page.evaluate(FIRST_OUTPUT))
        playground.wait_until_done()
    return results


def cpython_seconds(slug: str) -> float:
    """The example's own time under python3, start-up excluded (as tests/test_examples_cpython
    measures it), against which the browser's status line is compared."""
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(ROOT / "py/examples" / f"{slug}.py")],
        capture_output=True,
        check=True,
        text=True,
        env={**os.environ, "PYTHONUTF8": "1"},
    )
    return float(proc.stderr.rsplit("elapsed=", 1)[1])


def browser_seconds(browser: Browser, url: str, slug: str) -> float:
    # A context of its own: drafts saved by earlier measurements must not replace the example.
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    page.set_default_timeout(120_000)
    playground = Playground(page).open(url, query=f"example={slug}")
    assert playground.run() == "finished"
    seconds = playground.seconds_taken()
    context.close()
    return seconds


def engine_start(engine: engines.Engine, url: str) -> float:
    """Seconds from navigation to body[data-state=ready] on a fresh profile (a cold start),
    best of three."""
    times = []
    for _ in range(3):
        tab = engine.open_tab()
        try:
            tab.goto(url)
            tab.wait("() => document.body?.dataset.state === 'ready'", timeout_s=120)
            times.append(tab.js("() => performance.now()") / 1000)
        finally:
            tab.close()
    return min(times)


def each_engine(playwright: Any, browser: Browser) -> Iterator[tuple[str, engines.Engine]]:
    """Each engine with its name: the session's Chromium, then Firefox and WebKit as the tests
    launch them (WebKit on a virtual screen), each closed once the caller moves on."""
    with engines.virtual_screen() as display:
        for name in engines.ENGINES:
            if name == "chromium":
                yield name, engines.Engine(name, browser)
                continue
            engine = engines.launch(playwright, name, display)
            try:
                yield name, engine
            finally:
                if engine.browser is not None:
                    engine.browser.close()


def engine_rows(playwright: Any, url: str, browser: Browser) -> list[tuple[str, str]]:
    """Each engine against a bare loadPyodide page in the same engine, and the loop's 2,000
    x sleep(0.05) (the issue's bar: 3x CPython) untraced and traced, cross-origin isolated."""
    rows = []
    sleeping = loop_program(2_000, LOOP_WORKLOADS["sleep(0.05)"])
    native = min(cpython_native(sleeping) for _ in range(REPEATS))
    for name, engine in each_engine(playwright, browser):
        bare = engine_start(engine, url + "bare.html")
        ours = engine_start(engine, url)
        rows.append(
            (
                f"Start, {name}: bare loadPyodide page / playground, cold",
                f"{bare:.2f} s / {ours:.2f} s ({ours / bare:.2f}x)",
            )
        )
        took: dict[str, list[float]] = {}
        for query in ("trace=off", ""):
            tab = engine.open_tab()
            try:
                learner = engines.Learner(tab, url).open(query)
                best = []
                for _ in range(REPEATS):
                    # Each run once the spare has loaded behind it, as a learner who read
                    # the last run's output meets it (a run at once shares the CPU with it).
                    tab.wait(engines.SPARE_LOADED, timeout_s=120)
                    assert learner.run(sleeping) == "finished", learner.output
                    best.append(float(learner.output.split()[-1]))
                took[query] = best
            finally:
                tab.close()
        untraced, traced = min(took["trace=off"]), min(took[""])
        rows.append(
            (
                f"Loop, {name}: 2,000 tasks x sleep(0.05)",
                f"CPython {native * 1000:.0f} ms, "
                f"untraced {best_and_spread(took['trace=off'], 'ms', 1000, 0)} "
                f"({untraced / native:.1f}x), "
                f"traced {best_and_spread(took[''], 'ms', 1000, 0)} ({traced / native:.1f}x)",
            )
        )
    return rows


# --- at the limit (issue 23): each figure beside the bound the project set itself ------------

# sys.setrecursionlimit lifted, a function that calls itself forever: CPython ends it with
# RecursionError and a traceback cut to a few lines.
RUNAWAY_RECURSION = """\
import sys
sys.setrecursionlimit(10**6)

def deeper(n):
    return deeper(n + 1)

deeper(0)
"""


# Programs whose ending cost the page far more than CPython (issue 23): each is timed from Run
# to its end state, as a learner waits for it, against `python3` running it in a process.
WORST_ENDINGS = {
    "5,000 lines printed at once": "for i in range(5_000):\n    print(i)\n",
    "a TaskGroup of 10,000 failing tasks": """\
import asyncio

async def fail(n):
    raise ValueError(n)

async def main():
    async with asyncio.TaskGroup() as group:
        for n in range(10_000):
            group.create_task(fail(n))

asyncio.run(main())
""",
}


def process_seconds(code: str, runs: int = 3) -> list[float]:
    """Seconds `python3 -c code` takes, start to end, each run in a process of its own."""
    seen = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
        seen.append(time.perf_counter() - started)
    return seen


# Seconds from the click on Run to the page's end state, timed by the page (Playwright's own
# steps around a click and its polling for the state added 0.05 to 0.1 s, which no learner
# waits for: print("hi") measured 0.08 to 0.13 s from the driver).
RUN_TO_END = """(ends) => new Promise((resolve) => {
  const body = document.body;
  const before = body.dataset.runs;
  const started = performance.now();
  new MutationObserver((_, observer) => {
    if (body.dataset.runs === before || !ends.includes(body.dataset.state)) return;
    observer.disconnect();
    resolve((performance.now() - started) / 1000);
  }).observe(body, { attributes: true });
  document.getElementById("run").click();
})"""


def page_seconds(playground: Playground, code: str, runs: int = 3) -> Iterator[tuple[str, float]]:
    """End state and seconds from Run to it (RUN_TO_END), run by run (the page shows that
    run's output as each is given), each pressed once the spare has loaded, as a learner who
    read the last run's output meets it."""
    playground.type_code(code)
    for _ in range(runs):
        playground.wait_for_spare()
        took = playground.page.evaluate(RUN_TO_END, list(engines.END_STATES))
        yield playground.state, took


def worst_ending_rows(playground: Playground) -> list[tuple[str, str, str]]:
    """For each of WORST_ENDINGS: Run to its end in the page against CPython's process."""
    rows = []
    for name, code in WORST_ENDINGS.items():
        native = min(process_seconds(code))
        ratios = [seconds / native for _, seconds in page_seconds(playground, code)]
        rows.append(
            (
                f"{name[0].upper()}{name[1:]}, Run to its end, against CPython's process",
                f"<= 10x (CPython {native:.2f} s)",
                best_and_spread(ratios, "x", digits=1),
            )
        )
    return rows


def best_and_spread(values: list[float], unit: str, scale: float = 1.0, digits: int = 2) -> str:
    """``0.41 s (0.41 to 0.47, 5 runs)``: the best, then every run's range."""
    low, high = min(values) * scale, max(values) * scale
    best = f"{low:.{digits}f}{'' if unit == 'x' else ' '}{unit}"
    return f"{best} ({low:.{digits}f} to {high:.{digits}f}, {len(values)} runs)"


def worst_stop_row(
    engine: str, kind: str, latencies: dict[str, list[float]]
) -> tuple[str, str, str]:
    """The runaway kind whose best Stop took longest, against issue 23's bound."""
    worst = max(latencies, key=lambda name: min(latencies[name]))
    return (
        f"Stop, worst of {len(latencies)} runaway kinds, {engine}, {kind} ({worst})",
        "<= 0.5 s",
        best_and_spread(latencies[worst], "s"),
    )


def engine_stop_rows(
    playwright: Any, browser: Browser, url: str, plain_url: str, repeats: int = 2
) -> list[tuple[str, str, str]]:
    """Seconds from Stop's click to the page saying Stopped (engines.STOP_TIMER), the worst
    kind of tests/test_stop.py's runaway programs, in each engine ("the engines the browsers
    issue adds" and Chromium), isolated and not, each run with its spare worker loaded (Stop's
    last step)."""
    from test_stop import STOPPABLE

    rows = []
    for name, engine in each_engine(playwright, browser):
        for kind, address in (("isolated", url), ("not isolated", plain_url)):
            tab = engine.open_tab()
            try:
                learner = engines.Learner(tab, address).open()
                # Without JSPI (WebKitGTK 2.50) asyncio.run() inside a function ends at
                # once with the RuntimeError that says so: nothing to stop.
                kinds = {
                    program: stoppable
                    for program, stoppable in STOPPABLE.items()
                    if learner.body("jspi") == "on" or program != "run-inside-a-function"
                }
                took: dict[str, list[float]] = {}
                for _ in range(repeats):
                    for program, stoppable in kinds.items():
                        took.setdefault(program, []).append(learner.run_and_stop(stoppable.code))
            finally:
                tab.close()
            rows.append(worst_stop_row(name, kind, took))
    return rows


def limit_rows(
    playwright: Any, browser: Browser, url: str, plain_url: str
) -> list[tuple[str, str, str]]:
    """Issue 23's table: (measure, bound, best and spread)."""
    rows = []
    bare = startup(browser, url, "bare.html", warm_with_worker=False, loads=REPEATS)
    ours = startup(browser, url, "", warm_with_worker=True, loads=REPEATS)
    cold = [t / min(bare["cold_times"]) for t in ours["cold_times"]]
    warm = [t / min(bare["cold_times"]) for t in ours["warm_times"]]
    rows += [
        (
            "Cold start, against a bare loadPyodide page's best",
            "<= 1.1x",
            best_and_spread(cold, "x"),
        ),
        (
            "Warm start, against the bare page's best cold start",
            "<= 0.2x",
            best_and_spread(warm, "x"),
        ),
    ]
    page = browser.new_page(viewport={"width": 1280, "height": 900}, service_workers="block")
    page.set_default_timeout(120_000)
    rows += engine_stop_rows(playwright, browser, url, plain_url)
    pairs = [
        best_of_pairs(
            partial(browser_elapsed, page, url, False),
            partial(browser_elapsed, page, url, True),
            repeats=1,
        )
        for _ in range(REPEATS)
    ]
    rows.append(
        (
            "Recording 10,000 tasks x 2 sleep(0), traced against trace=off",
            "<= 1.3x",
            f"{min(t for _, t in pairs) / min(u for u, _ in pairs):.2f}x best against best "
            f"(pairs {min(t / u for u, t in pairs):.2f}x to {max(t / u for u, t in pairs):.2f}x)",
        )
    )
    rows.append(
        (
            "Run to first output, print('hi')",
            "<= 20 ms",
            best_and_spread(run_to_first_output(page, url), "ms", digits=0),
        )
    )
    native = process_seconds(RUNAWAY_RECURSION)
    playground = Playground(page).open(url)
    seen = []
    for state, seconds in page_seconds(playground, RUNAWAY_RECURSION):
        assert state == "failed" and "RecursionError" in playground.output.inner_text(), state
        seen.append(seconds)
    rows.append(
        (
            "Runaway recursion under setrecursionlimit(10**6), Run to RecursionError",
            f"<= 2 s (CPython {min(native):.2f} s)",
            best_and_spread(seen, "s"),
        )
    )
    rows += worst_ending_rows(playground)
    page.close()
    return rows


def main() -> None:
    rows: list[tuple[str, str]] = []
    # e.g. "startup", "engines", "tracer", "drawing", "fidelity", "loop"; "cpython" is the
    # tracer's CPython rows alone, with no browser started; "limits" runs only by name.
    only = set(sys.argv[1:])

    def wanted(part: str) -> bool:
        return not only or part in only

    if wanted("tracer") or "cpython" in only:
        # A run takes a tenth of a second here: more of them cost little and steady the figure.
        untraced, traced = best_of_pairs(
            partial(cpython_runner, False), partial(cpython_runner, True), repeats=4 * REPEATS
        )
        rows.append(
            (
                "CPython: 10,000 tasks, playground tracer",
                f"{untraced * 1000:.0f} ms -> {traced * 1000:.0f} ms ({traced / untraced:.2f}x)",
            )
        )
        plain, viz = best_of_pairs(
            partial(cpython_viztracer, False),
            partial(cpython_viztracer, True),
            repeats=4 * REPEATS,
        )
        rows.append(
            (
                "CPython: 10,000 tasks, VizTracer log_async",
                f"{plain * 1000:.0f} ms -> {viz * 1000:.0f} ms ({viz / plain:.2f}x)",
            )
        )

    if only and only <= {"cpython"}:
        print_table(rows)
        return
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(CountingHandler, directory=str(build.DIST))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://localhost:{server.server_port}/"
    plain = build.make_server(0, isolated=False, quiet=True)
    threading.Thread(target=plain.serve_forever, daemon=True).start()
    plain_url = f"http://localhost:{plain.server_port}/"
    limits: list[tuple[str, str, str]] = []
    executable = os.environ.get("PLAYGROUND_CHROMIUM") or None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        if wanted("startup"):
            bare = startup(browser, url, "bare.html", warm_with_worker=False)
            ours = startup(browser, url, "", warm_with_worker=True)
            # The same without the memory snapshot, as before it existed.
            fresh = startup(browser, url, "?snapshot=off", warm_with_worker=True)
            rows += [
                ("Start: bare loadPyodide page, cold", f"{bare['cold']:.2f} s"),
                ("Start: bare loadPyodide page, warm (HTTP cache)", f"{bare['warm']:.2f} s"),
                (
                    "Start: playground, cold (time to Run enabled)",
                    f"{ours['cold']:.2f} s ({ours['cold'] / bare['cold']:.2f}x bare cold)",
                ),
                (
                    "Start: playground, warm (service worker, memory snapshot)",
                    f"{ours['warm']:.2f} s ({ours['warm'] / bare['cold']:.2f}x bare cold)",
                ),
                (
                    "Start: playground, snapshot=off, cold / warm",
                    f"{fresh['cold']:.2f} s / {fresh['warm']:.2f} s "
                    f"({fresh['warm'] / bare['cold']:.2f}x bare cold)",
                ),
                (
                    "Bytes sent: bare cold / playground cold / playground warm",
                    f"{bare['cold_bytes'] / 1e6:.1f} MB / {ours['cold_bytes'] / 1e6:.1f} MB"
                    f" / {ours['warm_bytes'] / 1e3:.1f} kB",
                ),
            ]
        if "limits" in only:  # its own runs: a few minutes, on top of every other part
            limits = limit_rows(playwright, browser, url, plain_url)
        # Each engine against a bare page in the same engine: part of start-up, or alone.
        if wanted("startup") or "engines" in only:
            rows += engine_rows(playwright, url, browser)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, service_workers="block")
        page.set_default_timeout(120_000)
        if wanted("startup"):
            rows.append(
                (
                    "Run to first output, print('hi')",
                    f"{min(run_to_first_output(page, url)):.0f} ms",
                )
            )
        if wanted("fidelity"):
            for slug in EXAMPLES:
                ideal = cpython_seconds(slug)
                seen = browser_seconds(browser, url, slug)
                rows.append(
                    (
                        f"Timing: {slug}",
                        f"CPython {ideal:.3f} s, browser {seen:.2f} s (status line), "
                        f"{1000 * (seen - ideal):+.0f} ms ({100 * (seen - ideal) / ideal:+.1f}%)",
                    )
                )
        if wanted("tracer"):
            untraced, traced = best_of_pairs(
                partial(browser_elapsed, page, url, False),
                partial(browser_elapsed, page, url, True),
            )
            rows.append(
                (
                    "Browser: 10,000 tasks, playground tracer",
                    f"{untraced * 1000:.0f} ms -> {traced * 1000:.0f} ms "
                    f"({traced / untraced:.2f}x)",
                )
            )
        if wanted("loop"):
            untraced = browser_loop_times(page, url, "trace=off")
            traced = browser_loop_times(page, url, "")
            for workload, body in LOOP_WORKLOADS.items():
                for tasks in LOOP_TASKS:
                    native = min(cpython_native(loop_program(tasks, body)) for _ in range(REPEATS))
                    plain, recorded = untraced[workload, tasks], traced[workload, tasks]
                    rows.append(
                        (
                            f"Loop: {tasks:,} tasks x {workload}",
                            f"CPython {native * 1000:.0f} ms, page untraced {plain * 1000:.0f} ms "
                            f"({plain / native:.1f}x), traced {recorded * 1000:.0f} ms "
                            f"({recorded / plain:.2f}x untraced)",
                        )
                    )
        if wanted("drawing"):
            for tasks in (1_000, 10_000):
                d = browser_drawing(page, url, tasks)
                rows.append(
                    (
                        f"Browser: live timeline, {tasks:,} tasks",
                        f"{d['fps']:.0f} fps, the picture painted {d['paints']:.0f} times a "
                        f"second, p95 frame {d['p95']:.1f} ms, "
                        f"longest main-thread task {d['longest']:.0f} ms",
                    )
                )
        browser.close()
    server.shutdown()
    plain.shutdown()

    if limits:
        width = max(len(name) for name, _, _ in limits)
        print(f"\n{'at the limit'.ljust(width)} | bound | best (spread)")
        print(f"{'-' * width}-|-------|-{'-' * 40}")
        for name, bound, value in limits:
            print(f"{name.ljust(width)} | {bound} | {value}")
    if rows:
        print_table(rows)


def print_table(rows: list[tuple[str, str]]) -> None:
    width = max(len(name) for name, _ in rows)
    print(f"\n{'measure'.ljust(width)} | result")
    print(f"{'-' * width}-|-{'-' * 60}")
    for name, value in rows:
        print(f"{name.ljust(width)} | {value}")


if __name__ == "__main__":
    main()
