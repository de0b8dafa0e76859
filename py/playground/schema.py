"""The tracer's events, made and read by name: Python's side of ``trace_schema.json``.

That file declares every event kind with its fields, and every kind of wait and of
cancellation cause with its arguments and the words the page shows for it. Events are made
only by :data:`make`, whose constructors are built from that file's field order, and read
only here and in ``web/record/trace-model.js``, both by the file's names, order and words:
no writer or reader can drift from it.
"""

from __future__ import annotations

import json
import keyword
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

# (os.path, not pathlib: the tracer imports this module in every worker, and nothing else
# there imports pathlib, which took 2.7 ms.)
with open(os.path.join(os.path.dirname(__file__), "trace_schema.json"), encoding="utf-8") as f:
    SCHEMA: dict[str, Any] = json.load(f)

Event = tuple[Any, ...]

FIELDS: dict[str, tuple[str, ...]] = {
    kind: tuple(name for name, _ in spec["fields"]) for kind, spec in SCHEMA["events"].items()
}
# Items in each kind of event, its name included: how a flat stream is cut back into events.
ARITY: dict[str, int] = {kind: 1 + len(names) for kind, names in FIELDS.items()}
_TIMES: dict[str, frozenset[str]] = {
    kind: frozenset(name for name, type_ in spec["fields"] if type_ == "us")
    for kind, spec in SCHEMA["events"].items()
}
_US = 1_000_000
# How the events cross to the page: their items end to end in one list, as marshal writes
# it in this format version (py/playground/browser.py's take_trace), which is the one
# web/record/marshal.js reads.
MARSHAL_VERSION = 4


def _constructors(fields: Mapping[str, Sequence[str]]) -> dict[str, Callable[..., Event]]:
    """Per kind, ``def step(*, task, start, end, wait): return ("step", task, start, end,
    wait)``: the event from its fields, each passed by its name, laid out in the schema's
    order. Compiled once, as ``dataclasses`` and ``collections.namedtuple`` compile their
    ``__init__`` and ``__new__``: a function that only builds a tuple costs a fraction of one
    that loops over the names, and the tracer makes tens of thousands of events a second. All
    in one source: one compile, a sixth of the time of one per kind."""
    source = []
    for kind, names in fields.items():
        for name in (kind, *names):
            if not name.isidentifier() or keyword.iskeyword(name):
                raise ValueError(f"trace_schema.json: {name!r} cannot name a field")
        listed = ", ".join(names)
        source.append(f"def {kind}(*, {listed}):\n    return ({kind!r}, {listed})\n")
    namespace: dict[str, Callable[..., Event]] = {}
    exec("".join(source), {}, namespace)
    return namespace


class _Makers:
    """One constructor per kind, its fields passed by their names: ``make.step(task=2,
    start=10, end=12, wait=None)``. A field missing, misnamed or left over raises TypeError
    where the event is made; a kind the schema does not declare, AttributeError."""

    def __init__(self) -> None:
        for kind, constructor in _constructors(FIELDS).items():
            setattr(self, kind, constructor)

    def __getattr__(self, kind: str) -> Callable[..., Event]:
        raise AttributeError(f"trace_schema.json declares no {kind!r} event")


# The tracer's one way to make an event, and the tests'.
make = _Makers()


def split(stream: Iterable[Any]) -> Iterator[Event]:
    """Events from a stream of them: tuples as they are, or a flat list of their items laid
    end to end (the browser's form), cut by each kind's number of fields."""
    items = iter(stream)
    for first in items:
        if isinstance(first, tuple | list) and first and first[0] in ARITY:
            yield tuple(first)
            continue
        size = ARITY.get(first)
        if size is None:
            raise ValueError(f"unknown trace event {first!r}")
        yield (first, *(next(items) for _ in range(size - 1)))


def named(event: Sequence[Any]) -> dict[str, Any]:
    """``{"kind": ..., field: value...}`` with times in seconds; waits, causes and errors
    stay as the tracer wrote them (see :func:`wait_words` and :func:`cause_words`)."""
    kind = event[0]
    fields = FIELDS[kind]
    if len(event) != len(fields) + 1:
        raise ValueError(f"a {kind} event has {len(fields)} fields, not {len(event) - 1}")
    times = _TIMES[kind]
    return {"kind": kind} | {
        name: item / _US if name in times else item
        for name, item in zip(fields, event[1:], strict=True)
    }


# --- words ---------------------------------------------------------------------------------

# What a template may ask of a task it names: {"name", "label", "error"} (see TaskWords).
TaskWords = Callable[[int | None], Mapping[str, str] | None]
_PLACE = re.compile(r"\{(\w+)(?:\.(\w+))?\}")


def number_words(x: object) -> str:
    """A number as Python and JavaScript both print it: ``1.5``, ``5`` (not ``5.0``)."""
    if type(x) is float and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x) if type(x) in (int, float) else "?"


def _fill(template: str, args: Mapping[str, Any], task: TaskWords) -> str:
    def place(match: re.Match[str]) -> str:
        name, attribute = match.group(1), match.group(2)
        if attribute is None:
            item = args.get(name)
            return number_words(item) if type(item) in (int, float) else str(item)
        facts = task(args.get(name))
        if attribute == "label":
            return (facts or {}).get("label") or str(args.get("name") or "?")
        if facts is None:
            return "a task" if attribute == "name" else "?"
        return facts.get(attribute, "?")

    return _PLACE.sub(place, template)


def _spoken(table: str, item: Sequence[Any] | None, task: TaskWords) -> str | None:
    if not item:
        return None
    spec = SCHEMA[table].get(item[0])
    if spec is None:
        return str(item[0])
    return _fill(spec["words"], dict(zip(spec["args"], item[1:], strict=False)), task)


def wait_words(wait: Sequence[Any] | None, task: TaskWords = lambda _: None) -> str | None:
    """``sleep(1.5)``, ``task fetch('B')``...: what a task waits on, in the lesson's words."""
    return _spoken("waits", wait, task)


def wait_family(wait: Sequence[Any] | None) -> str | None:
    """``sleep``, ``tasks`` or ``other``: the colour the timeline gives a wait."""
    if not wait:
        return None
    spec = SCHEMA["waits"].get(wait[0])
    return spec["family"] if spec else "other"


def cause_words(cause: Sequence[Any] | None, task: TaskWords = lambda _: None) -> str:
    """Why a task was cancelled: ``sibling Task-3 failed (ValueError: bad)``..."""
    return _spoken("causes", cause, task) or SCHEMA["unknown_cause_words"]


def group_words(type_: str, size: int | None) -> str:
    """``TaskGroup`` or ``gather of 3``."""
    return _fill(SCHEMA["group_types"][type_]["words"], {"size": size}, lambda _: None)
