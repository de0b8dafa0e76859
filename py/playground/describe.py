"""Short text for the values a program's tasks take and give, made without running any of the
program's own code.

The timeline names a task's arguments (``fetch('B', 1.5)``), its result and its error. Calling
``repr()`` or ``str()`` would run whatever ``__repr__`` or ``__str__`` the learner wrote, which
may print, sleep or raise: observing would change what the program prints and how long it
takes. So values of the builtin types are written out here (their own C code runs nothing
else), containers of them item by item, and anything else is named by its class only
(``<Order object>``). Exceptions read as a traceback's last line (``ValueError: bad input``)
when their message comes from their arguments, as ``BaseException.__str__`` makes it;
where a class writes its own ``__str__``, only its builtin arguments are shown
(``OrderError('late', <Order object>)``).

A task's arguments and result are given as data too (:func:`data`, :func:`printed`): the same
builtin values, as JSON holds them, for checks to read without parsing the words back.

Class names, base classes and arguments are read through ``type``'s and
``BaseException``'s own descriptors, so a metaclass or a property cannot answer instead; an
object's class is ``type(obj)``, never ``obj.__class__`` (which ``isinstance`` reads, through
the object's own ``__getattribute__``); classes are compared by identity and ``issubclass``
(C code over the method resolution order), never hashed or compared with ``==``, which a
metaclass could answer.
"""

from __future__ import annotations

import math
import types
from typing import Any

# Strings and containers are cut to this much, as reprlib (which the tracer used before)
# cuts them: a lane's label has room for little more.
MAX_STRING = 24
MAX_ITEMS = 4
MAX_DEPTH = 2
# An exception's message is the learner's sentence: it gets more room.
MAX_MESSAGE = 300
# repr() of an int past 4,300 digits raises (sys.int_max_str_digits); long before that it
# is no label. Past this many bits an int is named by its size.
MAX_INT_BITS = 128
# As data, a string is whole up to this many characters: a printed line is recorded up to 200
# (tracer.PRINTED_CHARS), so a longer argument could never be matched with one anyway.
DATA_CHARS = 200
DATA_ITEMS = 10
# Integers JavaScript's numbers hold exactly (Number.MAX_SAFE_INTEGER): the data crosses the
# page on its way to a check.
DATA_INTS = 2**53 - 1

_type_name = type.__dict__["__name__"].__get__
_mro = type.__dict__["__mro__"].__get__
_own_dict = type.__dict__["__dict__"].__get__
_exception_args = BaseException.__dict__["args"].__get__
_flags = type.__dict__["__flags__"].__get__
_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: set on every class made by a class statement

# Kinds of value by the ids of their classes: a set of classes would hash them, and a
# comparison with ``==`` could be answered by a metaclass of the program's; an int's hash runs
# nothing. The builtin classes live as long as the interpreter, so their ids stay theirs. (A
# generator over a tuple of classes compared with ``is`` did the same at ten times the cost,
# once per task's result.)
_SCALARS = frozenset(map(id, (float, complex, bool, type(None), bytes)))
_WORDS = frozenset(map(id, (str, int)))
_PLAIN = _SCALARS | _WORDS
_EMPTY: dict[type, str] = {
    list: "[]",
    tuple: "()",
    dict: "{}",
    set: "set()",
    frozenset: "frozenset()",
}
_BRACKETS: dict[type, tuple[str, str]] = {
    list: ("[", "]"),
    tuple: ("(", ")"),
    set: ("{", "}"),
    frozenset: ("frozenset({", "})"),
}
_CONTAINERS = frozenset(map(id, _BRACKETS))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short_string(text: str) -> str:
    """As reprlib shortens a string: both ends kept, the middle given as "..."."""
    shown = repr(text[:MAX_STRING])
    if len(shown) <= MAX_STRING:
        return shown
    head = (MAX_STRING - 3) // 2
    tail = MAX_STRING - 3 - head
    shown = repr(text[:head] + text[len(text) - tail :])
    return shown[:head] + "..." + shown[len(shown) - tail :]


def value(obj: object, depth: int = MAX_DEPTH) -> str:
    """``obj`` in a few characters; runs no code of the program's."""
    kind = type(obj)
    if kind is str:
        return _short_string(obj)  # type: ignore[arg-type]
    if kind is int:
        number: int = obj  # type: ignore[assignment]
        return repr(number) if number.bit_length() <= MAX_INT_BITS else "<a very large int>"
    if id(kind) in _SCALARS:
        return _cut(repr(obj), MAX_STRING * 2)
    if kind is dict or id(kind) in _CONTAINERS:
        return _container(obj, kind, depth)
    if issubclass(kind, BaseException):
        return error(obj)[1]  # type: ignore[arg-type]
    if kind is types.FunctionType or kind is types.BuiltinFunctionType:
        return f"<function {_name_of_function(obj)}>"
    if kind is types.CoroutineType:
        return f"<coroutine {obj.cr_code.co_name}>"  # type: ignore[attr-defined]
    if issubclass(kind, type):
        return f"<class {_type_name(obj)}>"
    return f"<{_type_name(kind)} object>"


def data(obj: object, depth: int = MAX_DEPTH) -> tuple[Any, bool]:
    """``(obj as JSON data, True)`` when it is builtin data that JSON holds whole: None, a
    bool, an int JavaScript holds exactly, a finite float, a string of up to DATA_CHARS, or a
    list, tuple (as a list) or dict with string keys of up to DATA_ITEMS such items, nested
    up to ``depth``; else ``(None, False)``. Runs no code of the program's, as value()."""
    kind = type(obj)
    if obj is None or kind is bool:
        return obj, True
    if kind is str:
        return (obj, True) if len(obj) <= DATA_CHARS else (None, False)  # type: ignore[arg-type]
    if kind is int:
        whole = -DATA_INTS <= obj <= DATA_INTS  # type: ignore[operator]
        return (obj, True) if whole else (None, False)
    if kind is float:
        # JSON has no NaN or infinity (json.dumps would write what JSON.parse refuses).
        return (obj, True) if math.isfinite(obj) else (None, False)  # type: ignore[arg-type]
    if (kind is list or kind is tuple or kind is dict) and depth > 0:
        if len(obj) > DATA_ITEMS:  # type: ignore[arg-type]
            return None, False
        if kind is dict:
            out: dict[str, Any] = {}
            for key, item in obj.items():  # type: ignore[attr-defined]
                value, whole = data(item, depth - 1)
                if type(key) is not str or not whole:
                    return None, False
                out[key] = value
            return out, True
        items = []
        for item in obj:  # type: ignore[attr-defined]
            value, whole = data(item, depth - 1)
            if not whole:
                return None, False
            items.append(value)
        return items, True
    return None, False


def printed(obj: object) -> str | None:
    """``obj`` as ``print()`` shows it, when :func:`data` holds it whole and the text is no
    longer than DATA_CHARS; else None. Builtin values' own C code makes the text."""
    if not data(obj)[1]:
        return None
    text = str(obj)
    return text if len(text) <= DATA_CHARS else None


def _name_of_function(function: Any) -> str:
    name = function.__name__  # a plain function's own slot: nothing of the program runs
    return name if type(name) is str else "?"


def _container(obj: Any, kind: type, depth: int) -> str:
    if kind is dict:
        opening, closing = "{", "}"
    else:
        opening, closing = _BRACKETS[kind]
    if not obj:
        return _EMPTY[kind]
    if depth <= 0:
        return f"{opening}...{closing}"
    items: list[str] = []
    # Taken in storage order, never sorted: sorting would compare the program's objects.
    for count, item in enumerate(obj.items() if kind is dict else obj):
        if count == MAX_ITEMS:
            items.append("...")
            break
        if kind is dict:
            items.append(f"{value(item[0], depth - 1)}: {value(item[1], depth - 1)}")
        else:
            items.append(value(item, depth - 1))
    trailing = "," if kind is tuple and len(obj) == 1 else ""
    return f"{opening}{', '.join(items)}{trailing}{closing}"


def _defines(cls: type, name: str) -> type | None:
    """The class in ``cls``'s method resolution order that defines ``name``."""
    for base in _mro(cls):
        if name in _own_dict(base):
            return base  # type: ignore[no-any-return]
    return None


def _builtin(cls: type | None) -> bool:
    """A class compiled into Python (KeyError, OSError...), not one defined in Python code."""
    return cls is not None and not _flags(cls) & _HEAP_TYPE


def error(exc: BaseException) -> tuple[str, str, str]:
    """``(type name, text, message)``: the text as a traceback's last line has it
    (``ValueError: bad input``, or only ``KeyboardInterrupt``), or, where only the
    exception's own ``__str__`` could tell its message, its class and builtin arguments
    (``OrderError('late')``); the message alone (``bad input``), "" where there is none or
    only that ``__str__`` could tell it."""
    kind = type(exc)
    name: str = _type_name(kind)
    message = _message(exc, kind)
    if message is None:
        args = _exception_args(exc)
        shown = ", ".join(value(a) for a in args[:MAX_ITEMS])
        return name, f"{name}({shown}{', …' if len(args) > MAX_ITEMS else ''})", ""
    return name, f"{name}: {message}" if message else name, message


def _message(exc: BaseException, kind: type) -> str | None:
    writer = _defines(kind, "__str__")
    args = _exception_args(exc)
    if writer is BaseException:
        # BaseException.__str__: nothing, the one argument as str() has it, or the tuple.
        if not args:
            return ""
        if len(args) == 1:
            only = args[0]
            return _cut(only, MAX_MESSAGE) if type(only) is str else value(only)
        return value(args)
    if writer is BaseExceptionGroup:
        # "unhandled errors in a TaskGroup (1 sub-exception)": its message and a count.
        return _cut(BaseExceptionGroup.__str__(exc), MAX_MESSAGE)
    if _builtin(writer) and all(id(type(a)) in _PLAIN for a in args):
        # KeyError, OSError...: C code formatting builtin values runs nothing of the program.
        return _cut(str(exc), MAX_MESSAGE)
    return None
