"""py/ and the tooling stay typed and lint-clean: the checks run as part of the test command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHECKS = {
    "ruff check": [sys.executable, "-m", "ruff", "check", "py", "tests", "build.py"],
    "ruff format": [sys.executable, "-m", "ruff", "format", "--check", "py", "tests", "build.py"],
    "mypy": [sys.executable, "-m", "mypy"],
}
# Each exercise's check.py, typed as strictly: one mypy run each, since every one of them is
# a module named "check" (mypy refuses two modules of one name in a run).
CHECKS |= {
    f"mypy {path.parent.name}": [sys.executable, "-m", "mypy", str(path.relative_to(ROOT))]
    for path in sorted((ROOT / "py/exercises").glob("*/check.py"))
}


@pytest.mark.parametrize("command", CHECKS.values(), ids=list(CHECKS))
def test_code_is_clean(command: list[str]) -> None:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
