"""py/, web/ and the tooling stay typed and lint-clean: checked as part of the test command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NODE_BIN = ROOT / "node_modules/.bin"

CHECKS = {
    "ruff check": [sys.executable, "-m", "ruff", "check", "py", "tests", "build.py"],
    "ruff format": [sys.executable, "-m", "ruff", "format", "--check", "py", "tests", "build.py"],
    "mypy": [sys.executable, "-m", "mypy"],
    # web/'s plain JavaScript, typed through its JSDoc: the page's modules, then the scripts
    # that run in a worker's global scope (the Python worker, the service worker).
    "tsc": [str(NODE_BIN / "tsc"), "--noEmit", "-p", "tsconfig.json"],
    "tsc worker": [str(NODE_BIN / "tsc"), "--noEmit", "-p", "tsconfig.worker.json"],
    # Biome's lint and its format check (biome.json), as CI runs them: nothing is written.
    "biome": [str(NODE_BIN / "biome"), "ci", "--colors=off", "web"],
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


# Directories whose files are all of one kind, named in the README by the directory: the lesson's
# examples, the recorded traces, an exercise's wrong answers (where in a path, as the README
# names it).
COLLECTIONS = {
    "py/examples/": "`py/examples/`",
    "tests/traces/": "`traces/`",
    "/mistakes/": "`mistakes/`",
}


def test_readme_names_every_file() -> None:
    """README's "What is where" names every file in git, by its name or its collection."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What is where", 1)[1].split("\n## ", 1)[0]
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    unnamed = [
        path
        for path in files
        if f"`{Path(path).name}`" not in section
        and f"`{path}`" not in section
        and not any(part in f"/{path}" and name in section for part, name in COLLECTIONS.items())
    ]
    assert not unnamed, f"README's 'What is where' does not name: {unnamed}"
