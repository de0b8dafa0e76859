"""Each lesson example, run on CPython, prints what tests/expected.py says in the time it says."""

import ast
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from expected import EXAMPLES, Expected, numbers_match

ROOT = Path(__file__).parents[1]
EXAMPLES_DIR = ROOT / "py" / "examples"

# Times the example alone: interpreter start-up and the asyncio import (~30 ms, which is 6% of
# the 0.5 s example) happen before the clock starts, so only the lesson's sleeps are measured.
# The elapsed line goes to stderr so it never mixes with the output under test.
RUNNER = """\
import asyncio, runpy, sys, time
path = sys.argv[1]
sys.argv = sys.argv[1:]
start = time.perf_counter()
try:
    runpy.run_path(path, run_name="__main__")
finally:
    print(f"elapsed={time.perf_counter() - start}", file=sys.stderr, flush=True)
"""

# 5% catches a timing regression as small as one extra 0.1 s sleep in a 1.5 s program (6.7%),
# while asyncio's timer jitter is about 1 ms per sleep, far inside it even for the 0.5 s example.
TIME_REL = 0.05
# Printed times get the same 5%; the 0.02 floor covers rounding to two decimals on tiny values.
NUMBER_ABS = 0.02


def _elapsed_from(stderr: str) -> float:
    last = stderr.rstrip("\n").rsplit("\n", 1)[-1]
    assert last.startswith("elapsed="), f"runner did not report its time; stderr:\n{stderr}"
    return float(last.removeprefix("elapsed="))


@pytest.mark.parametrize("expected", EXAMPLES.values(), ids=list(EXAMPLES))
def test_example_prints_lesson_output_on_cpython(expected: Expected) -> None:
    path = EXAMPLES_DIR / f"{expected.slug}.py"
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(path)],
        cwd=ROOT,
        capture_output=True,
        encoding="utf-8",
        # The weather examples print "°F"; force UTF-8 whatever the CI locale is.
        env={**os.environ, "PYTHONUTF8": "1"},
        timeout=60,
        check=False,
    )
    wall = time.perf_counter() - started

    assert proc.returncode == 0, proc.stderr
    problem = numbers_match(expected.stdout, proc.stdout, rel=TIME_REL, abs_=NUMBER_ABS)
    assert problem is None, problem
    elapsed = _elapsed_from(proc.stderr)
    assert elapsed == pytest.approx(expected.seconds, rel=TIME_REL), (
        f"{expected.slug} took {elapsed:.3f}s (subprocess wall {wall:.3f}s), "
        f"expected {expected.seconds}s"
    )


def test_every_example_file_has_expectations() -> None:
    files = sorted(EXAMPLES_DIR.glob("*.py"))
    assert {file.stem for file in files} == set(EXAMPLES)
    for file in files:
        docstring = ast.get_docstring(ast.parse(file.read_text(encoding="utf-8")))
        assert docstring, f"{file.name} has no module docstring"
        assert docstring.splitlines()[0].strip(), f"{file.name} has an empty title line"


def test_numbers_match_accepts_numbers_within_tolerance() -> None:
    assert numbers_match("Time: 1.50s\nok\n", "Time: 1.5123s\nok\n", rel=0.05, abs_=0.02) is None


def test_numbers_match_reports_text_difference() -> None:
    problem = numbers_match("a 1.00\nb\n", "a 1.00\nc\n", rel=0.05, abs_=0.02)
    assert problem is not None
    assert problem.startswith("line 2:")


def test_numbers_match_reports_number_out_of_tolerance() -> None:
    problem = numbers_match("Time: 1.50s\n", "Time: 1.60s\n", rel=0.05, abs_=0.02)
    assert problem is not None
    assert "line 1" in problem
    assert "1.60" in problem
