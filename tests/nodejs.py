"""Runs a piece of the page's JavaScript under Node, for the steps a browser cannot show on
demand (a race, a pure function over a recorded trace)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def run_module(script: str, stdin: str = "") -> Any:
    """Runs `script` as an ES module from the repository's root (so it can import
    "./web/..."); returns what it printed with console.log, read as JSON."""
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
