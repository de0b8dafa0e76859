"""Many programs run at once, each as the page runs it (tests/tracing.py page_run), each in a
fresh interpreter of its own.

Why subprocesses: the exercises keep the seconds the lesson names (jobs of 1, 2 and 3 s; API
calls of up to 2 s), so their programs take up to 7 s each, about 45 s one after another.
They spend that time asleep, so they can run side by side: the whole set takes about as long
as the longest. They cannot share one interpreter: the tracer watches asyncio's Handle class
and the runner swaps sys.stdout, both process-wide. And a fresh interpreter is where the
browser runs a program too, with no pytest catching its warnings ("coroutine ... was never
awaited" must reach stderr, as it does on the page).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Hashable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
K = TypeVar("K", bound=Hashable)

# At most this many programs at once. Starting an interpreter costs ~60 ms of CPU; on a
# 2-core machine a handful starting together delays the timers of those already running by
# a few ms, well inside the checks' tolerances (playground.run_view SPAN_SHARE), where dozens
# would not be. The programs themselves sleep and cost almost nothing.
WORKERS = 8
# A program that hangs fails its test rather than the whole session.
TIMEOUT_S = 60


def page_run(source: str, pause: tuple[float, float] | None = None) -> dict[str, Any]:
    """One program, run as the page runs it, in a fresh interpreter; `pause` is `(at,
    seconds)`: the process is paused once, that long, `at` seconds after the program starts
    (tests/tracing.py pause_the_process)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "py"), str(ROOT / "tests")])}
    if pause is not None:
        env["PLAYGROUND_PAUSE"] = f"{pause[0]},{pause[1]}"
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests/tracing.py")],
        input=source,
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    assert data.pop("tracer_errors") == [], "the tracer broke"
    return data


def page_runs(
    sources: Mapping[K, str], pauses: Mapping[K, tuple[float, float]] | None = None
) -> dict[K, dict[str, Any]]:
    """Each program run as the page runs it, several at once (put the longest first); those
    in `pauses` paused once (see page_run)."""
    pauses = pauses or {}
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = {
            key: pool.submit(page_run, source, pauses.get(key)) for key, source in sources.items()
        }
        return {key: future.result() for key, future in futures.items()}
