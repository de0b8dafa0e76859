"""Run a learner's program the way ``python3 main.py`` would, on the playground's event loop.

In the browser nothing may block the worker, so a loop cannot run inside a plain call such as
``asyncio.run(main())`` unless WebAssembly stack switching (JSPI) lets that call wait. This
module closes that gap without it:

* A top-level call ``asyncio.run(x)``, ``loop.run_until_complete(x)`` or
  ``loop.run_forever()`` is rewritten in the syntax tree into
  ``await __playground_call__(<callee>, x)``, and the program is compiled with top-level
  ``await`` allowed. The helper checks at run time what the callee really is, so a shadowed
  name keeps its own meaning. (The rewrite was first tried in the team's notes on Pyodide 314,
  which found it faithful with and without JSPI.)
* The program's top level then runs as code outside any loop (:mod:`playground.loop`): between
  those awaits no loop is running, as in CPython, so ``asyncio.create_task()`` at module level
  fails the same way it does on the desktop.
* :func:`run_main` does what CPython's ``asyncio.run`` does, as an await: a new loop, a main
  task, leftover tasks cancelled at exit, their unhandled exceptions reported, async generators
  shut down, the loop closed.
* Inside a function such calls cannot be rewritten; they block through the driver, which
  needs JSPI, and otherwise say clearly that they cannot.

Everything here is plain Python and runs under CPython too, where the tests exercise it.
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import contextlib
import contextvars
import functools
import inspect
import itertools
import linecache
import operator
import sys
import traceback
import types
from asyncio import events
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .loop import Driver, Outside, PlaygroundLoop
from .tracer import TASK_SLOTS

FILENAME = "main.py"
CALL_HELPER = "__playground_call__"

# Frames from these files are the runner's own plumbing, never the learner's business.
_HIDDEN_PATH_PARTS = ("/playground/", "/pyodide/", "/_pyodide/")

# Calls rewritten at the top level: the names a program calls them by.
_RUN_NAMES = frozenset({"run"})  # asyncio.run, also as `from asyncio import run`
_RUN_METHODS = frozenset({"run", "run_until_complete", "run_forever"})


@dataclass(frozen=True)
class SourceError:
    """Where a problem is in the learner's source, for the editor to mark: its line and
    column, the traceback's last line (``asyncio.exceptions.CancelledError``), and the
    exception's class name without its module (``CancelledError``)."""

    line: int
    column: int
    message: str
    type: str


class _TopLevelRunRewriter(ast.NodeTransformer):
    """Turn module-level ``run(...)``, ``*.run(...)``, ``*.run_until_complete(...)`` and
    ``*.run_forever(...)`` into ``await __playground_call__(f, ...)``; the helper calls anything
    but ``asyncio.run`` and a playground loop's methods as is.

    Function, class and lambda bodies and comprehensions are left alone: ``await`` is not
    allowed there at module level, and a call in them blocks through the driver instead.
    """

    def _leave_alone(self, node: ast.AST) -> ast.AST:
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = _leave_alone
    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _leave_alone

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Attribute):
            rewrite = func.attr in _RUN_METHODS
        else:
            rewrite = isinstance(func, ast.Name) and func.id in _RUN_NAMES
        if not rewrite:
            return node
        helper = ast.Name(id=CALL_HELPER, ctx=ast.Load())
        call = ast.Call(func=helper, args=[func, *node.args], keywords=node.keywords)
        # Keep the original positions so tracebacks point at (and underline) the learner's text.
        for new in (helper, call):
            ast.copy_location(new, node)
        return ast.copy_location(ast.Await(value=call), node)


# A program each worker runs before it says it is ready, before any learner's: the lesson's
# shapes (tasks created and awaited, gather with an exception returned, a TaskGroup failing
# into except*) through the loop, the tracer and the top level's asyncio.run. WebKit runs
# WebAssembly it has not compiled yet slowly, and the first program in a page ran 40 to 60 ms
# longer than the next (create-task-basics: 1.04-1.10 s against 1.01-1.06 s, five pages
# each; with this first: 1.01-1.09 s, as the next). It changes nothing a program can see:
# each Program numbers its own tasks, the tracer is made per run, and it prints and warns
# nothing. Only sleep(0): a turn never waits for a timer, so the worker turns it to its end
# at once. A worker restored from the memory snapshot runs it up to five times
# (playground.browser).
WARM_UP = """
import asyncio

async def job(n):
    for _ in range(3):
        await asyncio.sleep(0)
    if n == 3:
        raise ValueError(n)
    return f"job-{n}"

async def main():
    tasks = [asyncio.create_task(job(n), name=f"job-{n}") for n in range(3)]
    results = [await task for task in tasks]
    results += await asyncio.gather(job(1), job(3), return_exceptions=True)
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(job(2), name="in-group")
            group.create_task(job(3), name="failing")
    except* ValueError:
        pass
    return results

asyncio.run(main())
"""


def compile_program(source: str) -> types.CodeType:
    """Compile the learner's source as ``main.py``; raises SyntaxError like CPython would."""
    # Registered first so a SyntaxError or traceback can quote the learner's lines.
    linecache.cache[FILENAME] = (len(source), None, source.splitlines(True), FILENAME)
    tree = _TopLevelRunRewriter().visit(ast.parse(source, FILENAME))
    ast.fix_missing_locations(tree)
    code: types.CodeType = compile(
        tree, FILENAME, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )
    return code


def syntax_error_location(error: SyntaxError) -> SourceError:
    name = type(error).__name__
    return SourceError(error.lineno or 1, error.offset or 1, f"{name}: {error.msg}", name)


def fresh_main_module() -> types.ModuleType:
    """A new ``__main__`` for each run, so nothing leaks from one run into the next."""
    module = types.ModuleType("__main__")
    module.__file__ = FILENAME
    module.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = module
    return module


class Task(asyncio.Task):  # type: ignore[type-arg]
    """asyncio's task, with a slot for the tracer's number (no dict per task; see
    playground.tracer) and a Python class of its own, whose ``cancel`` the tracer can watch.
    Named as CPython's is, so ``print(task)`` reads the same."""

    __slots__ = TASK_SLOTS


class ProgramLoop(PlaygroundLoop):
    """The loops of one program: tasks named ``Task-1``, ``Task-2``... as in a new CPython
    process (one count for all of its loops, as CPython keeps one per process), and errors
    reported in CPython's words with the traceback trimmed to the learner's frames."""

    def __init__(self, driver: Driver, task_numbers: Iterator[int]) -> None:
        super().__init__(driver)
        self._task_numbers = task_numbers

    def create_task(  # type: ignore[override]
        self, coro: Any, *, name: str | None = None, context: Any = None, **kwargs: Any
    ) -> asyncio.Task[Any]:
        if name is None:
            name = f"Task-{next(self._task_numbers)}"
        if self._task_factory is not None:
            return super().create_task(coro, name=name, context=context, **kwargs)
        self._check_closed()
        return Task(coro, loop=self, name=name, context=context, **kwargs)

    def default_exception_handler(self, context: dict[str, Any]) -> None:
        # CPython logs it; the same words and layout, with the traceback trimmed.
        sys.stderr.write(format_loop_error(context))


# asyncio's policies lost their public names in 3.14, and setting one warns there; the tests
# may run on 3.11, where only the public ones exist.
if sys.version_info >= (3, 14):
    from asyncio.events import _BaseDefaultEventLoopPolicy as _BasePolicy
    from asyncio.events import _get_event_loop_policy as _get_policy
    from asyncio.events import _set_event_loop_policy as _set_policy
else:
    from asyncio.events import BaseDefaultEventLoopPolicy as _BasePolicy
    from asyncio.events import get_event_loop_policy as _get_policy
    from asyncio.events import set_event_loop_policy as _set_policy


class _Policy(_BasePolicy):
    """``asyncio.new_event_loop()`` makes the program's loops. ``asyncio.get_event_loop()``
    outside a coroutine returns the loop ``set_event_loop()`` set or, where none is, a default
    loop of the program's: what Python did up to 3.13 (3.14 raises RuntimeError instead). It
    keeps older tutorials working, and an ``await`` at the top level, whose futures (Pyodide's
    JavaScript promises among them) are made on that loop."""

    if TYPE_CHECKING:
        _local: Any  # the base class's thread-local state, which typeshed leaves out

    def __init__(self, make_loop: Callable[[], ProgramLoop]) -> None:
        super().__init__()
        self._make_loop = make_loop
        self._default: ProgramLoop | None = None

    def new_event_loop(self) -> ProgramLoop:
        return self._make_loop()

    def get_event_loop(self) -> asyncio.AbstractEventLoop:
        loop: asyncio.AbstractEventLoop | None = self._local._loop
        if loop is not None:
            return loop
        if self._default is None:
            self._default = self._make_loop()
        return self._default


Outcome = Callable[[BaseException | None], None]


class Program:
    """One run of one program: its namespace, its loops and its top level, which runs as code
    outside any loop on ``driver``. ``done`` receives the exception it ended with, or None."""

    def __init__(self, code: types.CodeType, driver: Driver, done: Outcome) -> None:
        self.code = code
        self.driver = driver
        self.module = fresh_main_module()
        self.module.__dict__[CALL_HELPER] = self._call
        self._done = done
        self._task_numbers = itertools.count(1)
        # Abstract to mypy for 3.11's child watchers, which nothing here ever asks for.
        self._policy = _Policy(self.new_loop)  # type: ignore[abstract]
        self._previous_policy: Any = None
        self._previous_run = asyncio.run
        # One bound method, so that ``func is self._asyncio_run`` can recognise it.
        self._asyncio_run = self._blocking_run
        self._top: Outside | None = None
        self._deep_catches = DeepCatches()
        self.finished = False

    def new_loop(self) -> ProgramLoop:
        return ProgramLoop(self.driver, self._task_numbers)

    def start(self) -> None:
        """Runs the program from the driver's next turn on."""
        self._previous_policy = _get_policy()
        _set_policy(self._policy)
        asyncio.run = self._asyncio_run
        self.driver.reset()
        self._deep_catches.start()
        self._top = self.driver.call(self._top_level(), self._finished)

    async def _top_level(self) -> None:
        result = eval(self.code, self.module.__dict__)
        if inspect.iscoroutine(result):
            await result

    def _finished(self, result: object, error: BaseException | None) -> None:
        # What start() changed in the process is put back.
        self.finished = True
        self._deep_catches.stop()
        asyncio.run = self._previous_run
        _set_policy(self._previous_policy)
        self._done(error)

    def abandon(self) -> None:
        """Ends a program that will never be turned to its end (the worker's warm-up, past its
        bound) where it stands: ``done`` hears a TimeoutError, and what :meth:`start` changed
        is put back."""
        if not self.finished:
            self._finished(None, TimeoutError("the program was abandoned"))

    def running_tasks(self) -> set[asyncio.Task[Any]]:
        """The tasks of the loop running now, none if none is."""
        loop = self.driver.loop
        return asyncio.all_tasks(loop) if loop is not None else set()

    def interrupt(self) -> None:
        """What Stop does after cancelling the running tasks: the top level gets a
        CancelledError where it waits, and a loop left with nothing to do at all ends."""
        if self._top is not None:
            self._top.cancel()
        self.driver.interrupt()

    async def _call(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        if func is self._asyncio_run:
            return await run_main(*args, **kwargs)
        loop = getattr(func, "__self__", None)
        if isinstance(loop, PlaygroundLoop):
            if func == loop.run_until_complete:
                return await loop.until_complete(*args, **kwargs)
            if func == loop.run_forever:
                return await loop.forever(*args, **kwargs)
        return func(*args, **kwargs)

    def _blocking_run(
        self, main: Awaitable[Any], *, debug: bool | None = None, loop_factory: Any = None
    ) -> Any:
        """``asyncio.run`` reached where it could not be rewritten into an ``await``."""
        if events._get_running_loop() is not None:
            # CPython's own check and words: asyncio.run() inside a coroutine is an error.
            raise RuntimeError("asyncio.run() cannot be called from a running event loop")
        run = run_main(main, debug=debug, loop_factory=loop_factory)
        return self.driver.block(run, "asyncio.run()")


async def run_main(
    main: Awaitable[Any], *, debug: bool | None = None, loop_factory: Any = None
) -> Any:
    """What ``asyncio.run(main)`` does in CPython 3.14 (``asyncio.runners``: ``run``,
    ``Runner.run``, ``Runner.close``), as an await: where CPython calls
    ``loop.run_until_complete(x)``, this awaits ``loop.until_complete(x)``."""
    if events._get_running_loop() is not None:
        raise RuntimeError("asyncio.run() cannot be called from a running event loop")
    loop = asyncio.new_event_loop() if loop_factory is None else loop_factory()
    if not isinstance(loop, PlaygroundLoop):
        raise RuntimeError(
            "asyncio.run(loop_factory=...) can only make the playground's own event loop "
            "here: leave loop_factory out"
        )
    if loop_factory is None:
        asyncio.set_event_loop(loop)
    if debug is not None:
        loop.set_debug(debug)
    context = contextvars.copy_context()
    try:
        if not asyncio.iscoroutine(main):
            if not inspect.isawaitable(main):
                raise TypeError("An asyncio.Future, a coroutine or an awaitable is required")
            main = _wrap_awaitable(main)
        task = loop.create_task(main, context=context)
        return await loop.until_complete(task)
    finally:
        try:
            await cancel_all_tasks(loop)
            await loop.until_complete(loop.shutdown_asyncgens())
            await loop.until_complete(loop.shutdown_default_executor())
        finally:
            if loop_factory is None:
                asyncio.set_event_loop(None)
            loop.close()


async def _wrap_awaitable(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


async def cancel_all_tasks(loop: PlaygroundLoop) -> None:
    """CPython's ``asyncio.runners._cancel_all_tasks``, as an await."""
    to_cancel = asyncio.all_tasks(loop)
    if not to_cancel:
        return
    for task in to_cancel:
        task.cancel()
    await loop.until_complete(asyncio.gather(*to_cancel, return_exceptions=True))
    for task in to_cancel:
        if task.cancelled():
            continue
        if task.exception() is not None:
            loop.call_exception_handler(
                {
                    "message": "unhandled exception during asyncio.run() shutdown",
                    "exception": task.exception(),
                    "task": task,
                }
            )


# A line repeated in a traceback is shown this many times, then counted ("[Previous line
# repeated 999996 more times]"): traceback._RECURSIVE_CUTOFF, which is private.
_RECURSIVE_CUTOFF = 3

# Read through BaseException's own descriptors: an exception class of the program's could
# answer these with its own code, which would then run once more than under CPython.
_traceback_of = BaseException.__dict__["__traceback__"].__get__
_set_traceback = BaseException.__dict__["__traceback__"].__set__
_cause_of = BaseException.__dict__["__cause__"].__get__
_context_of = BaseException.__dict__["__context__"].__get__
_set_cause = BaseException.__dict__["__cause__"].__set__
_set_context = BaseException.__dict__["__context__"].__set__
_suppress_of = BaseException.__dict__["__suppress_context__"].__get__
_set_suppress = BaseException.__dict__["__suppress_context__"].__set__
_members_of = BaseExceptionGroup.__dict__["exceptions"].__get__


class _CutStack(traceback.StackSummary):
    """A stack extracted from a traceback whose runs of one line were cut to their first few
    frames (see :func:`_cut`), with, for each frame kept, how many frames of the same line
    followed it. It formats as ``StackSummary.format`` formats the whole stack, but costs
    what the frames shown cost: a recursion a million calls deep is three frames and a count,
    where extracting and formatting every frame took minutes in the browser."""

    more: list[int]

    def format(self, **kwargs: Any) -> list[str]:
        # StackSummary.format's loop, each kept frame standing for itself and its `more`.
        result: list[str] = []
        last: tuple[str, int | None, str] | None = None
        count = 0
        for summary, more in zip(self, self.more, strict=True):
            key = (summary.filename, summary.lineno, summary.name)
            if key != last:
                _say_repeated(result, count)
                last, count = key, 0
            count += 1
            if count <= _RECURSIVE_CUTOFF:
                formatted = self.format_frame_summary(summary, **kwargs)
                if formatted is not None:
                    result.append(formatted)
            count += more
        _say_repeated(result, count)
        return result


def _say_repeated(result: list[str], count: int) -> None:
    if count > _RECURSIVE_CUTOFF:
        count -= _RECURSIVE_CUTOFF
        result.append(f"  [Previous line repeated {count} more time{'s' if count > 1 else ''}]\n")


# A traceback's entries are walked in C (itertools, operator), a step for each stretch of
# one instruction rather than for each entry: a recursion a million deep leaves a million
# entries, and every pass of a Python loop over them took 0.3-0.6 s in WebAssembly.
_next_entry = functools.partial(itertools.accumulate, itertools.repeat("tb_next"), getattr)
_is_entry = functools.partial(operator.is_not, None)
_frame_of = operator.attrgetter("tb_frame")
_code_of = operator.attrgetter("f_code")
_lasti_of = operator.attrgetter("tb_lasti")


@dataclass
class _Walk:
    """A traceback's entries, outermost first, their frames and those frames' code."""

    entries: list[types.TracebackType]
    frames: list[types.FrameType]
    codes: list[types.CodeType]

    def stretches(self) -> Iterator[tuple[types.CodeType, int, int]]:
        """(code, first entry, entries) for each stretch of entries in one code object."""
        at = 0
        for code, stretch in itertools.groupby(self.codes):
            length = operator.countOf(stretch, code)
            yield code, at, length
            at += length


# Walks kept while a failure is reported (see walks_shared): printing it, finding its line
# and letting go of its frames look at the same entries once. By id of the traceback, which
# its walk's first entry keeps alive.
_shared_walks: dict[int, _Walk] | None = None


@contextlib.contextmanager
def walks_shared() -> Iterator[None]:
    """While open, each traceback is walked once (see :func:`_walk`)."""
    global _shared_walks
    _shared_walks = {}
    try:
        yield
    finally:
        _shared_walks = None


def _walk(tb: types.TracebackType | None) -> _Walk:
    if _shared_walks is not None and (walk := _shared_walks.get(id(tb))) is not None:
        return walk
    # (accumulate takes an initial None for none at all.)
    entries = [] if tb is None else list(itertools.takewhile(_is_entry, _next_entry(initial=tb)))
    frames = list(map(_frame_of, entries))
    walk = _Walk(entries, frames, list(map(_code_of, frames)))
    if _shared_walks is not None and tb is not None:
        _shared_walks[id(tb)] = walk
    return walk


def _cut(tb: types.TracebackType | None) -> tuple[types.TracebackType | None, list[int]]:
    """``tb`` with every run of frames on one line (a recursion) cut to its first
    ``_RECURSIVE_CUTOFF``, and for each entry kept how many of that line followed it."""
    walk = _walk(tb)
    entries = walk.entries
    kept: list[types.TracebackType] = []
    more: list[int] = []
    last_line: tuple[str, str, int | None] | None = None
    run = 0
    for code, first, length in walk.stretches():
        # The same instruction of the same code is the same line: no line number to compute.
        lastis = map(_lasti_of, entries[first : first + length]) if length > 1 else [0]
        at = first
        for lasti, same in itertools.groupby(lastis):
            count = operator.countOf(same, lasti)
            line = (code.co_filename, code.co_name, entries[at].tb_lineno)
            if line != last_line:
                last_line, run = line, 0
            shown = max(0, min(count, _RECURSIVE_CUTOFF - run))
            kept += entries[at : at + shown]
            more += [0] * shown
            more[-1] += count - shown
            run += count
            at += count
    if not any(more):
        return tb, more
    rebuilt = None
    for entry in reversed(kept):
        rebuilt = types.TracebackType(rebuilt, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return rebuilt, more


# A traceback shows a group's first 15 members and counts the rest (traceback's
# max_group_width, which TracebackException.from_exception and CPython's own printing use).
_GROUP_SHOWN = 15


def _nested(error: BaseException, members: int | None = None) -> list[BaseException]:
    """The exceptions a traceback of ``error`` holds besides its own (of a group's members,
    the first ``members``, if given)."""
    found = [e for e in (_cause_of(error), _context_of(error)) if e is not None]
    if isinstance(error, BaseExceptionGroup):
        found += _members_of(error)[:members]
    return found


@contextlib.contextmanager
def _cut_tracebacks(error: BaseException) -> Iterator[dict[int, list[int]]]:
    """While open, every exception of ``error``'s chain has its traceback cut (see
    :func:`_cut`); yields each one's counts by id. The program's tracebacks are given back
    as they were afterwards."""
    counts: dict[int, list[int]] = {}
    cut: list[tuple[BaseException, types.TracebackType | None]] = []
    waiting = [error]
    try:
        while waiting:
            exc = waiting.pop()
            if id(exc) in counts:
                continue
            whole = _traceback_of(exc)
            shorter, counts[id(exc)] = _cut(whole)
            if shorter is not whole:
                cut.append((exc, whole))
                _set_traceback(exc, shorter)
            # Only what the traceback shows: a TaskGroup of 10,000 failed tasks printed
            # 15 of them after cutting and trimming all, 0.3 s natively (0.17 s now).
            waiting += _nested(exc, _GROUP_SHOWN)
        yield counts
    finally:
        for exc, whole in cut:
            _set_traceback(exc, whole)


def unlink_frames(error: BaseException) -> list[object]:
    """Takes ``error`` and its chain apart (tracebacks, causes, contexts) and returns its
    pieces for the caller to let go of with ``clear()``, which frees a list's items from its
    last to its first (CPython's list_clear), in an order where no piece frees a chain of
    others: the exceptions, whose links are cut; then the traceback entries, outermost
    first, each while the next is still held; last the frames, innermost first, each while
    its caller (``f_back``) is still held.

    Dropped at once, a recursion a million frames deep is freed by C code calling itself once
    a frame, and a program that catches RecursionError and recurses again leaves a chain of
    contexts thousands long, freed the same way. Either overflows the browser's stack
    (Pyodide reports "Maximum call stack size exceeded" as a fatal error): CPython's guard
    against that (the "trashcan") measures WebAssembly's data stack, which such calls hardly
    use, not the engine's stack, which they exhaust."""
    exceptions: list[BaseException] = []
    walks: list[_Walk] = []
    waiting, seen = [error], set()
    while waiting:
        exc = waiting.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        exceptions.append(exc)
        walks.append(_walk(_traceback_of(exc)))
        _set_traceback(exc, None)
        waiting += _nested(exc)
        _set_cause(exc, None)
        _set_context(exc, None)
    pieces: list[object] = []
    # The error's own frames, the program's stack when it ended, are the callers of the
    # others': freed last.
    for walk in walks:
        pieces += walk.frames
    for walk in reversed(walks):
        pieces += reversed(walk.entries)
    pieces += exceptions
    return pieces


# Deeper than Python's default recursion limit, a traceback can overflow the browser's stack
# when freed at once (see unlink_frames): in Chromium, an exception caught 6,000 calls down
# was freed fine, 10,000 down crashed the worker.
_DEEP = 1_000
# sys.monitoring's tool ids 0-2 and 5 are CPython's for debuggers, coverage (cProfile too uses
# one) and optimisers; a program that uses those keeps them.
_MONITORING_TOOL = 4


class DeepCatches:
    """While a program runs, holds the traceback entries and frames of each exception it
    catches from deeper than ``_DEEP`` calls, so that its handler's end (``except ... as e``
    deletes ``e``) frees no chain of them: ``e`` lets go of an entry still held here. Once
    the program has let go of every exception so held, they are let go of in one order
    where each frees only itself (as unlink_frames orders them). A program that keeps such
    an exception keeps its frames too, as under CPython.

    Under CPython 3.11, which has no ``sys.monitoring``, it does nothing: there the
    interpreter's own guard frees deep chains a piece at a time."""

    def __init__(self) -> None:
        # For each exception held: its frames, outermost first, its entries innermost first
        # (so the last is the outermost, the one the exception itself holds), and how many
        # references that entry had while the program held the exception.
        self._held: list[tuple[list[types.FrameType], list[types.TracebackType], int]] = []

    def start(self) -> None:
        monitoring = getattr(sys, "monitoring", None)
        if monitoring is None:
            return
        handled = monitoring.events.EXCEPTION_HANDLED
        monitoring.use_tool_id(_MONITORING_TOOL, "playground")
        monitoring.register_callback(_MONITORING_TOOL, handled, self._caught)
        monitoring.set_events(_MONITORING_TOOL, handled)

    def stop(self) -> None:
        monitoring = getattr(sys, "monitoring", None)
        if monitoring is not None and monitoring.get_tool(_MONITORING_TOOL) == "playground":
            monitoring.set_events(_MONITORING_TOOL, 0)
            monitoring.free_tool_id(_MONITORING_TOOL)

    @staticmethod
    def _references(entries: list[types.TracebackType]) -> int:
        # Always asked in this one form, so that the counts compare (CPython 3.14 counts
        # references its own stack borrows differently from 3.11).
        return sys.getrefcount(entries[-1])

    def _caught(self, code: types.CodeType, offset: int, exception: BaseException) -> None:
        if self._held and all(self._references(e) < alive for _, e, alive in self._held):
            self._let_go()
        # The runner's own handlers take apart what they catch (see unlink_frames).
        if sys.getrecursionlimit() <= _DEEP or "/playground/" in code.co_filename:
            return
        tb = _traceback_of(exception)
        entries_from = itertools.takewhile(_is_entry, _next_entry(initial=tb))
        if next(itertools.islice(entries_from, _DEEP, None), None) is None:
            return
        walk = _walk(tb)
        entries = walk.entries[::-1]
        self._held.append((walk.frames, entries, self._references(entries)))

    def _let_go(self) -> None:
        # Every entry before any frame (entries hold frames), each in the order above.
        pieces: list[object] = []
        for frames, _, _ in self._held:
            pieces += frames
        for _, entries, _ in self._held:
            pieces += entries
        self._held.clear()
        pieces.clear()  # frees from the last item to the first (CPython's list_clear)


def _visible(frame: traceback.FrameSummary) -> bool:
    filename = frame.filename.replace("\\", "/")
    return not any(part in filename for part in _HIDDEN_PATH_PARTS)


def _trim(
    te: traceback.TracebackException,
    error: BaseException,
    counts: dict[int, list[int]],
    seen: set[int],
    outermost: bool = False,
) -> None:
    """Drops the runner's frames from ``te`` (made from ``error``) and the exceptions in it,
    walking both side by side for the counts of the frames cut from each."""
    if id(te) in seen:
        return
    seen.add(id(te))
    frames = list(zip(te.stack, counts.get(id(error), ()), strict=False))
    # Whatever called into the program (the runner, a test) comes before its first line.
    while outermost and frames and frames[0][0].filename != FILENAME:
        frames.pop(0)
    shown = [pair for pair in frames if _visible(pair[0])]
    stack = _CutStack(summary for summary, _ in shown)
    stack.more = [more for _, more in shown]
    te.stack = stack
    pairs = [(te.__cause__, _cause_of(error)), (te.__context__, _context_of(error))]
    if te.exceptions and isinstance(error, BaseExceptionGroup):
        pairs += zip(te.exceptions[:_GROUP_SHOWN], _members_of(error), strict=False)
    for nested, exc in pairs:
        if nested is not None and exc is not None:
            _trim(nested, exc, counts, seen)


def format_exception(error: BaseException) -> str:
    """The traceback CPython would print, minus the runner's own frames."""
    with _cut_tracebacks(error) as counts:
        te = traceback.TracebackException.from_exception(error)
    _trim(te, error, counts, set(), outermost=True)
    text = "".join(te.format())
    _unchain(te)
    return text


def _unchain(te: traceback.TracebackException) -> None:
    """Cuts the links from each exception ``te`` holds to the next (causes, contexts, a
    group's members). Dropped whole, a chain of thousands (an error raised while handling
    one, thousands of times) was freed each from inside the last one's freeing, past the
    browser's stack, as frames are (see unlink_frames): 3,500 crashed Python in Chromium."""
    waiting, seen = [te], set()
    while waiting:
        each = waiting.pop()
        if id(each) in seen:
            continue
        seen.add(id(each))
        waiting += [e for e in (each.__cause__, each.__context__) if e is not None]
        waiting += each.exceptions or ()
        each.__cause__ = each.__context__ = None
        each.exceptions = None


def format_loop_error(context: dict[str, Any]) -> str:
    """What CPython's ``loop.default_exception_handler`` logs for ``context`` (for instance
    "Task exception was never retrieved", the task, its traceback), minus the runner's frames.

    CPython logs ``"\\n".join(lines)`` with the traceback appended by :mod:`logging`.
    """
    lines = [context.get("message") or "Unhandled exception in event loop"]
    lines += [f"{key}: {context[key]!r}" for key in sorted(context) if key not in _LOGGED_APART]
    text = "\n".join(lines) + "\n"
    exception = context.get("exception")
    if isinstance(exception, BaseException):
        text += format_exception(exception)
    return text


_LOGGED_APART = frozenset({"message", "exception"})


def error_location(error: BaseException) -> SourceError | None:
    """The learner's innermost line that the exception passed through, if any."""
    if isinstance(error, SyntaxError) and error.filename == FILENAME:
        return syntax_error_location(error)
    # A look at each stretch of one code, not at each frame: a recursion can leave a million.
    walk = _walk(_traceback_of(error))
    innermost = None
    for code, first, length in walk.stretches():
        if code.co_filename == FILENAME:
            innermost = walk.entries[first + length - 1]
    if innermost is None:
        return None
    alone = types.TracebackType(None, innermost.tb_frame, innermost.tb_lasti, innermost.tb_lineno)
    last = traceback.extract_tb(alone)[0]
    # Its own line only: format_exception_only would take in its causes and contexts too,
    # thousands of them after an error raised while handling one, thousands of times.
    cause, context, suppress = _cause_of(error), _context_of(error), _suppress_of(error)
    _set_cause(error, None)
    _set_context(error, None)
    try:
        message = "".join(traceback.format_exception_only(type(error), error)).strip()
    finally:
        _set_cause(error, cause)
        _set_context(error, context)
        _set_suppress(error, suppress)  # setting a cause sets it
    return SourceError(last.lineno or 1, (last.colno or 0) + 1, message, type(error).__name__)
