"""What each lesson example in py/examples/ prints on CPython, and how long it takes.

Decimal numbers in `stdout` are the ideal values the lesson's sleeps give; real runs differ by
timer jitter, so compare with `numbers_match` rather than `==`.
"""

import re
from dataclasses import dataclass

# Only decimals vary between runs (they are measured times or ratios of them); integers such as
# "72°F" or "5s" come from constants in the code and must match exactly.
_DECIMAL = re.compile(r"\d+\.\d+")


@dataclass(frozen=True)
class Expected:
    slug: str  # file name without .py
    stdout: str  # exactly what CPython prints
    seconds: float  # the wall time the program takes on CPython (from the lesson's sleeps)


_ALL: tuple[Expected, ...] = (
    Expected(
        slug="create-task-basics",
        stdout="Results: User-1, User-2, User-3\n",
        seconds=1.0,
    ),
    Expected(
        slug="create-task-apis",
        stdout=(
            "[Service-A] Fetching...\n"
            "[Service-B] Fetching...\n"
            "[Service-C] Fetching...\n"
            "All results: ["
            "{'api': 'Service-A', 'data': 'Response from Service-A'}, "
            "{'api': 'Service-B', 'data': 'Response from Service-B'}, "
            "{'api': 'Service-C', 'data': 'Response from Service-C'}]\n"
        ),
        seconds=1.5,
    ),
    Expected(
        slug="gather-weather",
        stdout=(
            "[OpenWeatherMap] Fetching weather...\n"
            "[WeatherAPI] Fetching weather...\n"
            "[NOAA] Fetching weather...\n"
            "[LocalRadar] Fetching weather...\n"
            "\n"
            "Fetched from 4 services in 1.50s\n"
            "  OpenWeatherMap: Partly cloudy at 72°F\n"
            "  WeatherAPI: Partly cloudy at 72°F\n"
            "  NOAA: Partly cloudy at 72°F\n"
            "  LocalRadar: Partly cloudy at 72°F\n"
        ),
        seconds=1.5,
    ),
    Expected(
        slug="taskgroup-weather",
        stdout=(
            "[OpenWeatherMap] Fetching weather...\n"
            "[WeatherAPI] Fetching weather...\n"
            "[NOAA] Fetching weather...\n"
            "[LocalRadar] Fetching weather...\n"
            "\n"
            "Fetched 4 services in 1.50s\n"
            "  OpenWeatherMap: Partly cloudy\n"
            "  WeatherAPI: Partly cloudy\n"
            "  NOAA: Partly cloudy\n"
            "  LocalRadar: Partly cloudy\n"
        ),
        seconds=1.5,
    ),
    Expected(
        slug="gather-return-exceptions",
        stdout=(
            "Collected 3 results:\n"
            "  [1] Success: ServiceA\n"
            "  [2] Failed: Could not reach ServiceB\n"
            "  [3] Success: ServiceC\n"
        ),
        seconds=0.5,
    ),
    Expected(
        slug="performance-comparison",
        stdout=(
            "Sequential approach:\n"
            "  Time: 5.00s\n"
            "\n"
            "Concurrent approach:\n"
            "  Time: 1.00s\n"
            "\n"
            "Speedup: 5.0x faster!\n"
            "Results match: True\n"
        ),
        seconds=6.0,
    ),
    Expected(
        slug="taskgroup-cancellation",
        stdout=(
            "Task 1 starting (will take 5s)\n"
            "Task 2 starting (will take 1s)\n"
            "Task 3 starting (will take 5s)\n"
            "\n"
            "TaskGroup failed: unhandled errors in a TaskGroup (1 sub-exception)\n"
            "Key point: Task 1 and Task 3 were cancelled automatically!\n"
            "(They never reached completion despite having 5s allocated)\n"
        ),
        # Task 2 fails after its 1 s sleep and the 5 s siblings are cancelled at that moment.
        seconds=1.0,
    ),
    Expected(
        slug="error-handling-comparison",
        stdout=(
            "With gather():\n"
            "Success: Data from API1\n"
            "Failed: API2 took too long\n"
            "Success: Data from API3\n"
            "\n"
            "With TaskGroup():\n"
            "All tasks failed: unhandled errors in a TaskGroup (1 sub-exception)\n"
        ),
        # API2 raises before sleeping: the gather() half waits 1 s for API1 and API3, while the
        # TaskGroup half cancels them at once and adds no time.
        seconds=1.0,
    ),
)

# Keyed by slug, in the lesson's order.
EXAMPLES: dict[str, Expected] = {example.slug: example for example in _ALL}


def numbers_match(expected: str, actual: str, *, rel: float, abs_: float) -> str | None:
    r"""Compare two outputs: text outside decimal numbers (regex r"\d+\.\d+") must be identical;
    each decimal number must match within max(rel * expected_value, abs_). Returns None when they
    match, else a short human-readable description of the first difference (line number,
    expected, actual)."""
    # split("\n") rather than splitlines() so a missing or extra final newline is a difference.
    expected_lines = expected.split("\n")
    actual_lines = actual.split("\n")
    for number, (want, got) in enumerate(zip(expected_lines, actual_lines, strict=False), 1):
        problem = _line_difference(want, got, rel=rel, abs_=abs_)
        if problem is not None:
            return f"line {number}: {problem}: expected {want!r}, actual {got!r}"
    if len(expected_lines) != len(actual_lines):
        number = min(len(expected_lines), len(actual_lines)) + 1
        want = expected_lines[number - 1] if number <= len(expected_lines) else "<end of output>"
        got = actual_lines[number - 1] if number <= len(actual_lines) else "<end of output>"
        return (
            f"line {number}: expected {len(expected_lines)} lines, got {len(actual_lines)}: "
            f"expected {want!r}, actual {got!r}"
        )
    return None


def _line_difference(want: str, got: str, *, rel: float, abs_: float) -> str | None:
    if _DECIMAL.split(want) != _DECIMAL.split(got):
        return "text differs"
    for want_number, got_number in zip(_DECIMAL.findall(want), _DECIMAL.findall(got), strict=True):
        ideal, measured = float(want_number), float(got_number)
        tolerance = max(rel * ideal, abs_)
        if abs(measured - ideal) > tolerance:
            return f"{got_number} is not within {tolerance:g} of {want_number}"
    return None
