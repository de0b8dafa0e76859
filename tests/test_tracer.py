"""The tracer under CPython: what it records is what asyncio did, event by event."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from expected import EXAMPLES, numbers_match
from playground.run_view import Run
from playground.schema import ARITY, split
from playground.tracer import Event
from tracing import as_dicts, render, run, trace, trace_on_cpython

ROOT = Path(__file__).resolve().parents[1]
TRACES = Path(__file__).with_name("traces")


def canonical(rendered: str) -> str:
    """The sequence with the one order CPython leaves to chance put in a fixed order: a
    TaskGroup cancels its children in the iteration order of a set (by object address), so
    sibling cancellations, and the steps in which those siblings end, come in any order."""
    lines = rendered.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        j = i
        if " cancel " in lines[i]:
            while j < len(lines) and " cancel " in lines[j]:
                j += 1
            out += sorted(lines[i:j])
        elif " step " in lines[i] and i + 1 < len(lines) and " cancelled " in lines[i + 1]:
            pairs = []
            while j + 1 < len(lines) and " step " in lines[j] and " cancelled " in lines[j + 1]:
                pairs.append(lines[j : j + 2])
                j += 2
            out += [line for pair in sorted(pairs) for line in pair]
        else:
            out.append(lines[i])
            j = i + 1
        i = j
    return "\n".join(out) + "\n"


def _example(slug: str) -> str:
    return (ROOT / "py/examples" / f"{slug}.py").read_text(encoding="utf-8")


# On the playground's loop, as the browser runs it, and on CPython's own, the reference: the
# same sequence on both (the playground's loop is CPython's turn, driven from outside).
@pytest.mark.parametrize("recorder", [trace, trace_on_cpython], ids=["playground", "cpython"])
@pytest.mark.parametrize("slug", list(EXAMPLES))
def test_example_is_recorded_event_by_event(
    slug: str, recorder: Callable[[str], tuple[list[Event], str]]
) -> None:
    events, printed = recorder(_example(slug))
    # gather-weather's results carry time.time(); everything else must match exactly.
    recorded = re.sub(r"\d{9,}\.\d+", "<timestamp>", render(events))
    # Times are rendered to 0.1 s: the lesson's sleeps are multiples of 0.1 s and asyncio's
    # timer jitter is ~1 ms, so any event 50 ms off its true time changes the text. The
    # lines printed hold times the examples measure (5.00s): compared below, as numbers.
    stored = (TRACES / f"{slug}.txt").read_text()
    assert canonical(_measured(recorded)) == canonical(_measured(stored))
    # Recording never changes what the program prints.
    assert numbers_match(EXAMPLES[slug].stdout, printed, rel=0.05, abs_=0.02) is None


def _measured(rendered: str) -> str:
    """The rendered sequence with the numbers of two or more decimals in printed lines (the
    seconds an example measured) masked."""
    return "\n".join(
        re.sub(r"\d+\.\d{2,}", "<measured>", line) if " printed by " in line else line
        for line in rendered.splitlines()
    )


def _waits(source: str) -> list[str]:
    events, _ = trace(textwrap.dedent(source))
    return [e["wait"] for e in as_dicts(events) if e["kind"] == "step" and e["wait"]]


def test_waits_are_named_in_the_lessons_words() -> None:
    waits = _waits(
        """
        import asyncio
        async def main():
            queue = asyncio.Queue()
            event = asyncio.Event()
            lock = asyncio.Lock()
            semaphore = asyncio.Semaphore(0)
            async def consumer():
                await queue.get()
            async def waiter():
                await event.wait()
            async def locker():
                async with lock:
                    pass
            async def limited():
                async with semaphore:
                    pass
            await lock.acquire()
            tasks = [asyncio.create_task(c()) for c in (consumer, waiter, locker, limited)]
            await asyncio.sleep(0.01)
            queue.put_nowait(1)
            event.set()
            lock.release()
            semaphore.release()
            await asyncio.wait(tasks)
        asyncio.run(main())
        """
    )
    for expected in ("sleep(0.01)", "Queue.get", "Event.wait", "Lock", "Semaphore", "wait()"):
        assert expected in waits, waits


def test_a_plain_future_is_a_future() -> None:
    waits = _waits(
        """
        import asyncio
        async def main():
            future = asyncio.get_running_loop().create_future()
            asyncio.get_running_loop().call_later(0.01, future.set_result, 1)
            await future
        asyncio.run(main())
        """
    )
    assert waits == ["future"]


def test_blocking_sleep_is_recorded_as_the_loop_blocked() -> None:
    events, _ = trace(
        textwrap.dedent(
            """
            import asyncio, time
            async def main():
                time.sleep(0.3)
            asyncio.run(main())
            """
        )
    )
    blocked = [e for e in as_dicts(events) if e["kind"] == "blocked"]
    assert len(blocked) == 1
    # time.sleep(0.3) blocks for 0.3 s plus a step's overhead (well under 20 ms).
    assert 0.3 <= blocked[0]["end"] - blocked[0]["start"] < 0.32


def test_short_steps_are_not_blocking() -> None:
    events, _ = trace(
        "import asyncio\nasync def main():\n    await asyncio.sleep(0.2)\nasyncio.run(main())\n"
    )
    assert [e for e in events if e[0] == "blocked"] == []


@pytest.mark.parametrize("recorder", [trace, trace_on_cpython], ids=["playground", "cpython"])
@pytest.mark.parametrize(
    "callback", ["time.sleep, 0.3", "lambda: time.sleep(0.3)"], ids=["builtin", "function"]
)
def test_a_step_is_timed_from_its_own_start_after_another_callback_of_the_turn(
    recorder: Callable[[str], tuple[list[Event], str]], callback: str
) -> None:
    # One turn runs first's step, a plain callback that holds the loop 0.3 s, then second's
    # step. Steps that follow each other in a turn share one clock reading (the tracer's
    # saving), but second's must not begin where first's ended, or it would be drawn 0.3 s
    # long and blamed for blocking the loop, which no task did. (A builtin callback passes
    # more of the tracer's checks than a function does before it is told apart from a step.)
    events, _ = recorder(
        textwrap.dedent(
            f"""
            import asyncio, time
            async def first():
                pass
            async def second():
                pass
            async def main():
                a = asyncio.create_task(first())
                asyncio.get_running_loop().call_soon({callback})
                b = asyncio.create_task(second())
                await asyncio.gather(a, b)
            asyncio.run(main())
            """
        )
    )
    named_events = as_dicts(events)
    assert [e for e in named_events if e["kind"] == "blocked"] == []
    steps = [e for e in named_events if e["kind"] == "step" and e["task"] in (2, 3)]
    assert len(steps) == 2
    # Each step is a few microseconds: far under the callback's 0.3 s, which lies between.
    assert [round(e["end"] - e["start"], 2) for e in steps] == [0.0, 0.0]
    assert steps[1]["start"] - steps[0]["end"] >= 0.3


def test_an_error_without_a_message_is_named_as_a_traceback_names_it() -> None:
    events = as_dicts(
        trace(
            "import asyncio\nasync def fail(error):\n    raise error\n"
            "async def main():\n    await asyncio.gather(fail(ValueError()), "
            "fail(ValueError('bad input')), return_exceptions=True)\nasyncio.run(main())\n"
        )[0]
    )
    failed = sorted(e["detail"] for e in events if e.get("state") == "failed")
    assert failed == ["ValueError", "ValueError: bad input"]


def test_a_name_is_recorded_up_to_its_first_200_characters() -> None:
    events = as_dicts(
        trace(
            "import asyncio\nasync def main():\n"
            "    loop = asyncio.get_running_loop()\n"
            # (Python 3.11's asyncio.create_task names a task after making it.)
            "    await loop.create_task(asyncio.sleep(0), name='n' * 100_000)\n"
            "asyncio.run(main())\n"
        )[0]
    )
    names = [e["name"] for e in events if e["kind"] == "created"]
    assert names == ["Task-1", "n" * 200]


def _causes(source: str) -> dict[str, str]:
    events = as_dicts(trace(textwrap.dedent(source))[0])
    names = {e["task"]: e["name"] for e in events if e["kind"] == "created"}
    return {names[e["task"]]: e["detail"] for e in events if e.get("state") == "cancelled"}


def test_cancel_by_another_task_names_it() -> None:
    causes = _causes(
        """
        import asyncio
        async def victim():
            await asyncio.sleep(10)
        async def main():
            task = asyncio.create_task(victim())
            await asyncio.sleep(0)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        asyncio.run(main())
        """
    )
    assert causes == {"Task-2": "cancel() called by Task-1"}


def test_timeout_is_a_cause() -> None:
    causes = _causes(
        """
        import asyncio
        async def slow():
            await asyncio.sleep(10)
        async def main():
            task = asyncio.create_task(slow())
            try:
                await asyncio.wait_for(task, 0.01)
            except TimeoutError:
                print("timed out")
        asyncio.run(main())
        """
    )
    assert causes == {"Task-2": "timeout"}


def test_leftover_tasks_are_cancelled_by_asyncio_run() -> None:
    causes = _causes(
        """
        import asyncio
        async def forever():
            await asyncio.sleep(10)
        async def main():
            asyncio.create_task(forever())
            await asyncio.sleep(0)
        asyncio.run(main())
        """
    )
    assert causes == {"Task-2": "still running when asyncio.run() ended"}


def test_a_broken_observer_never_breaks_the_program() -> None:
    def broken(event: tuple[object, ...]) -> None:
        raise RuntimeError("observer bug")

    result = run(_example("gather-return-exceptions"), emit=broken)
    assert (result.printed, result.failure) == (EXAMPLES["gather-return-exceptions"].stdout, "")
    # Reported once, then switched off.
    assert [str(e) for e in result.tracer_errors] == ["observer bug"]


def test_the_flat_stream_reads_back_event_by_event() -> None:
    """The browser keeps the events end to end in one list (emit=list.extend); the schema's
    fields, which web/record/trace-model.js reads too, must cut every kind back whole."""
    tuples: list[tuple[object, ...]] = []
    flat: list[object] = []

    def both(event: tuple[object, ...]) -> None:
        tuples.append(event)
        flat.extend(event)

    source = """\
        import asyncio, time

        async def fails():
            await asyncio.sleep(0.01)
            raise ValueError("no")

        async def main():
            time.sleep(0.15)
            async with asyncio.TaskGroup() as group:
                group.create_task(fails())
                group.create_task(asyncio.sleep(1))

        try:
            asyncio.run(main())
        except* ValueError:
            print("failed")
        """
    result = run(textwrap.dedent(source), emit=both)
    assert result.printed == "failed\n"
    assert list(split(flat)) == tuples
    # Every kind the tracer writes when nothing goes wrong (tracer_error: see above).
    assert {event[0] for event in tuples} == set(ARITY) - {"tracer_error"}


def test_events_are_made_by_their_fields_names_in_the_schemas_order() -> None:
    """The tracer makes every event through playground.schema.make: a field passed under a
    name the schema does not give fails where the event is made, and the fields are laid out
    in the schema's order whatever order they are passed in."""
    from playground.schema import FIELDS, make, named

    assert make.step(wait=None, end=30, start=10, task=2) == ("step", 2, 10, 30, None)
    for kind, names in FIELDS.items():
        made = getattr(make, kind)(**{name: f"<{name}>" for name in reversed(names)})
        assert made == (kind, *(f"<{name}>" for name in names))
    with pytest.raises(TypeError):
        make.step(task=2, start=10, end=30)
    with pytest.raises(TypeError):
        make.blocked(task=2, start=10, end=30, wait=None)
    with pytest.raises(AttributeError, match="declares no 'stepped' event"):
        make.stepped(task=2)
    assert named(make.blocked(task=2, start=100_000, end=350_000)) == {
        "kind": "blocked",
        "task": 2,
        "start": 0.1,
        "end": 0.35,
    }


# A program whose objects answer repr(), str() and attribute lookups with code that prints,
# sleeps 0.2 s and raises: if the tracer ran any of it, the output or the time would show it.
HOSTILE = """\
import asyncio, time

class Loud:
    def __repr__(self):
        print("repr ran")
        time.sleep(0.2)
        raise RuntimeError("repr")
    __str__ = __repr__
    def __getattr__(self, name):
        print("getattr ran", name)
        time.sleep(0.2)
        raise AttributeError(name)
    def __call__(self):
        print("called")

class LoudError(Exception):
    def __str__(self):
        print("str ran")
        time.sleep(0.2)
        return "loud"

async def work(thing, n):
    await asyncio.sleep(0.01)
    return thing

async def fail(thing):
    raise LoudError("late", thing)

async def main():
    loud = Loud()
    asyncio.get_running_loop().call_soon(loud)
    results = await asyncio.gather(work(loud, [1, loud]), fail(loud), return_exceptions=True)
    print(type(results[0]).__name__, type(results[1]).__name__)

start = time.perf_counter()
asyncio.run(main())
print(f"took {time.perf_counter() - start:.2f}")
"""


def test_the_observer_never_runs_the_programs_code() -> None:
    import subprocess
    import sys

    desktop = subprocess.run(
        [sys.executable, "-c", HOSTILE], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    untraced = run(HOSTILE, traced=False).printed
    traced = run(HOSTILE)
    assert traced.tracer_errors == []
    # The same lines as python3 prints, and the same time to 0.01 s (0.2 s would be a repr run).
    assert traced.printed == untraced == desktop == "called\nLoud LoudError\ntook 0.01\n"
    shown = {e["name"]: e for e in as_dicts(traced.events) if e["kind"] == "created"}
    assert shown["Task-2"]["coro"] == "work(<Loud object>, [1, <Loud object>])"
    ends = {e["task"]: e["detail"] for e in as_dicts(traced.events) if e["kind"] == "done"}
    assert ends[2] == "<Loud object>"
    assert ends[3] == "LoudError('late', <Loud object>)"
    # Only LoudError's own __str__ could tell its message: the checks get none, not a guess.
    loud = Run(traced.events).tasks[2].error
    assert loud is not None and (loud.type, loud.message) == ("LoudError", "")


# Objects that answer every special name with code that prints and raises: read through
# __getattribute__ (isinstance() asks for __class__), hashed through a metaclass (a set or
# dict lookup of the class), compared through one (`in` a tuple). Untraced, Python itself
# asks for none of it here.
DUNDER_PROXIES = """\
import asyncio

def loud(kind, name):
    print(kind, "ran:", name)
    raise RuntimeError(name)

class Proxy:
    def __getattribute__(self, name):
        if name.startswith("__"):
            loud("__getattribute__", name)
        return object.__getattribute__(self, name)

class ProxyError(Exception):
    def __getattribute__(self, name):
        if name.startswith("__") and name != "__traceback__":
            loud("__getattribute__", name)
        return object.__getattribute__(self, name)

class Meta(type):
    def __hash__(cls):
        loud("__hash__", cls.__name__)
    def __eq__(cls, other):
        loud("__eq__", cls.__name__)

class Hashed(metaclass=Meta):
    pass

async def give(thing):
    await asyncio.sleep(0)
    return thing

async def fail():
    raise ProxyError(Proxy())

async def main():
    results = await asyncio.gather(
        give(Proxy()), give(Hashed()), give([Proxy(), Hashed]), fail(), return_exceptions=True
    )
    print([type(r).__name__ for r in results])

asyncio.run(main())
"""


def test_the_observer_never_reads_special_names_of_the_programs_objects() -> None:
    untraced = run(DUNDER_PROXIES, traced=False)
    traced = run(DUNDER_PROXIES)
    assert untraced.printed == "['Proxy', 'Hashed', 'list', 'ProxyError']\n"
    assert traced.printed == untraced.printed
    assert traced.failure == untraced.failure == ""
    assert traced.tracer_errors == []
    shown = {e["name"]: e["coro"] for e in as_dicts(traced.events) if e["kind"] == "created"}
    assert shown["Task-2"] == "give(<Proxy object>)"
    assert shown["Task-3"] == "give(<Hashed object>)"
    assert shown["Task-4"] == "give([<Proxy object>, <class Hashed>])"
    ends = {e["task"]: e["detail"] for e in as_dicts(traced.events) if e["kind"] == "done"}
    assert ends[5] == "ProxyError: <Proxy object>"


def test_a_sleep_json_cannot_hold_is_recorded_in_words() -> None:
    """A sleep that JSON cannot hold (Infinity, NaN) or JavaScript's numbers would round is
    recorded in words: a downloaded trace is JSON, and the checks' run data too."""
    source = """\
        import asyncio, math

        async def main():
            for delay in (math.inf, math.nan, 2**60, 0.01):
                try:
                    await asyncio.wait_for(asyncio.sleep(delay), 0.01)
                except TimeoutError:
                    pass

        asyncio.run(main())
        """
    events, _ = trace(textwrap.dedent(source))
    json.dumps([item for event in events for item in event], allow_nan=False)
    named = as_dicts(events)
    waits = [e["wait"] for e in named if e["kind"] == "step" and str(e["wait"]).startswith("sl")]
    # (2**60 as words: JavaScript's numbers would round it.)
    assert waits == ["sleep(inf)", "sleep(nan)", f"sleep({2**60})", "sleep(0.01)"]


def test_waits_and_causes_are_data_the_words_are_made_from() -> None:
    from playground.schema import named

    events, _ = trace(
        textwrap.dedent(
            """
            import asyncio
            async def fail():
                await asyncio.sleep(0.01)
                raise ValueError("no")
            async def main():
                helper = asyncio.create_task(asyncio.sleep(0.02))
                await helper
                await asyncio.gather(asyncio.sleep(0.01), asyncio.sleep(0.01))
                async with asyncio.TaskGroup() as group:
                    group.create_task(fail())
                    group.create_task(asyncio.sleep(1))
            try:
                asyncio.run(main())
            except* ValueError:
                pass
            """
        )
    )
    raw = [named(e) for e in events]
    waits = [tuple(e["wait"]) for e in raw if e["kind"] == "step" and e["wait"]]
    # Task-2 is the helper; group 1 the gather() (2 awaitables), group 2 the TaskGroup.
    assert ("task", 2, "Task-2") in waits
    assert ("gather", 1, 2) in waits
    assert ("taskgroup", 2) in waits
    assert ("sleep", 0.01) in waits
    causes = {e["task"]: tuple(e["cause"]) for e in raw if e["kind"] == "cancel"}
    assert causes[6] == ("sibling_failed", 5)  # Task-5 fail() failed; Task-6 was its sibling
    assert causes[1] == ("taskgroup_child_failed", 5)
    failed = [e["detail"] for e in raw if e["kind"] == "done" and e["state"] == "failed"]
    group = "unhandled errors in a TaskGroup (1 sub-exception)"
    assert [tuple(d) for d in failed] == [
        ("ValueError", "ValueError: no", "no"),
        ("ExceptionGroup", f"ExceptionGroup: {group}", group),
    ]


PRINTING = """
import asyncio, sys

class Shout(str):
    def split(self, *args):
        print("split ran")  # the tracer must never call this
        return []

print("header")

async def work(n):
    print("start", n, end="")
    await asyncio.sleep(0.1)
    print(" late")
    print(f"err {n}", file=sys.stderr)
    sys.stdout.write(Shout("shout\\n"))
    return n

async def main():
    await asyncio.gather(work(1), work(2))
    print("a\\nb")

asyncio.run(main())
print("no newline", end="")
"""


def test_every_printed_line_is_recorded_with_the_task_that_printed_it() -> None:
    result = run(PRINTING)
    assert result.tracer_errors == []
    # Output is unchanged, both streams.
    assert result.printed == "header\nstart 1start 2 late\nshout\n late\nshout\na\nb\nno newline"
    assert result.errors == "err 1\nerr 2\n"
    lines = [line for line in render(result.events).splitlines() if " printed by " in line]
    # A line belongs to the task that wrote its first part, at that time; a str subclass of
    # the program's is passed on but not read (its own split() could run code).
    assert lines == [
        "0.0 printed by - to stdout: header",
        "0.0 printed by Task-2 to stdout: start 1start 2 late",
        "0.1 printed by Task-2 to stderr: err 1",
        "0.1 printed by Task-3 to stdout:  late",
        "0.1 printed by Task-3 to stderr: err 2",
        "0.1 printed by Task-1 to stdout: a",
        "0.1 printed by Task-1 to stdout: b",
        "0.1 printed by - to stdout: no newline",
    ]


def test_the_streams_are_given_back_when_the_tracer_is_removed() -> None:
    import io
    import sys

    from playground.runner import ProgramLoop
    from playground.tracer import Tracer

    out, err = io.StringIO(), io.StringIO()
    before = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        tracer = Tracer(ProgramLoop, lambda event: None)
        tracer.install()
        assert sys.stdout is not out and sys.stdout.getvalue() == ""  # the stream's own
        tracer.uninstall()
        assert (sys.stdout, sys.stderr) == (out, err)
    finally:
        sys.stdout, sys.stderr = before
