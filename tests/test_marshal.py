"""The page's reader of the tracer's hand-over (web/record/marshal.js) under Node, against
what CPython's marshal writes: real traces of the lesson's examples, and every kind of value
a trace can hold."""

from __future__ import annotations

import base64
import json
import marshal
from pathlib import Path
from typing import Any

import pytest
from nodejs import run_module
from playground.schema import MARSHAL_VERSION
from tracing import trace

ROOT = Path(__file__).resolve().parents[1]

READ = """
import { readFileSync } from "node:fs";
import { readMarshal } from "./web/record/marshal.js";
const bytes = Buffer.from(readFileSync(0, "utf8"), "base64");
let result;
try {
  result = { value: readMarshal(new Uint8Array(bytes)) };
} catch (error) {
  result = { error: `${error.name}: ${error.message}` };
}
console.log(JSON.stringify(result));
"""


def read_in_page(data: bytes) -> dict[str, Any]:
    result: dict[str, Any] = run_module(READ, stdin=base64.b64encode(data).decode())
    return result


def dumps(value: object) -> bytes:
    """As the worker's take_trace writes the events."""
    return marshal.dumps(value, MARSHAL_VERSION)


def as_json(value: object) -> object:
    """What JSON.parse would make of json.dumps(value): tuples as lists."""
    return json.loads(json.dumps(value))


@pytest.mark.parametrize(
    "slug", ["create-task-basics", "gather-return-exceptions", "taskgroup-cancellation"]
)
def test_a_traced_example_reads_as_its_json_did(slug: str) -> None:
    events, _ = trace((ROOT / "py/examples" / f"{slug}.py").read_text(encoding="utf-8"))
    flat = [item for event in events for item in event]
    assert read_in_page(dumps(flat)) == {"value": as_json(flat)}


def test_every_kind_of_value_a_trace_holds_reads_back() -> None:
    shared = ("sleep", 0.5)  # one object twice: marshal writes it once, then refers to it
    values: list[Any] = [
        None,
        True,
        False,
        0,
        -1,
        2**31 - 1,
        -(2**31),
        2**31,
        -(2**40) - 3,
        2**53,
        0.1,
        -2.5e-300,
        1e300,
        "",
        "step",
        "x" * 300,
        "héllo wörld ✓ 🐍",
        "🐍" * 200,
        "\ud800",  # lone surrogates, as a task's name may hold them
        "a\udfffb \ufffd é ✓ 🐍",
        shared,
        shared,
        [],
        (),
        [1, [2, [3, ("four", None)]]],
        {"a": 1, "b": [True, {"c": "d"}], "": None},
        {"__proto__": {"polluted": True}, "constructor": 1},
        list(range(300)),
    ]
    assert read_in_page(dumps(values)) == {"value": as_json(values)}


def test_numbers_json_cannot_hold_read_as_javascript_holds_them() -> None:
    check = READ.replace(
        "result = { value: readMarshal(new Uint8Array(bytes)) };",
        "const [nan, inf, minf, zero] = readMarshal(new Uint8Array(bytes));\n"
        "  result = { value: [Number.isNaN(nan), inf === Infinity, minf === -Infinity,"
        " Object.is(zero, -0)] };",
    )
    data = dumps([float("nan"), float("inf"), float("-inf"), -0.0])
    result = run_module(check, stdin=base64.b64encode(data).decode())
    assert result == {"value": [True, True, True, True]}


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (dumps([1, 2, 3])[:-3], "RangeError: marshal data ends early"),
        (dumps("end") + b"N", "RangeError: marshal data goes on after its value"),
        (dumps({1, 2}), "TypeError: marshal data of a kind the trace never holds"),
        (dumps({1: "one"}), "TypeError: marshal data has a key not a string"),
        (b"r\x05\x00\x00\x00", "RangeError: marshal data refers to nothing"),
    ],
    ids=["cut-short", "trailing", "a-set", "int-key", "bad-reference"],
)
def test_data_the_tracer_never_writes_is_refused(data: bytes, error: str) -> None:
    result = read_in_page(data)
    assert result["error"].startswith(error), result
