"""Run a learner's program the way ``python3 main.py`` would, inside a running event loop.

In the browser the program can only run inside a task of Pyodide's event loop: nothing may
block the worker's JavaScript event loop, so ``asyncio.run`` cannot start a loop of its own.
This module closes that gap without relying on WebAssembly stack switching (JSPI):

* A top-level call ``asyncio.run(x)`` is rewritten in the syntax tree into
  ``await __playground_call__(asyncio.run, x)``, and the program is compiled with top-level
  ``await`` allowed. The helper checks at run time that the callee really is ``asyncio.run``,
  so a shadowed name keeps its own meaning. (The rewrite was first tried in the team's notes
  on Pyodide 314, which found it faithful with and without JSPI.)
* :func:`run_main` then does what CPython's ``asyncio.Runner`` does: a main task, leftover tasks
  cancelled at exit, their unhandled exceptions reported, async generators shut down.
* Between its own awaits the top-level code runs with *no* running loop, as in CPython, so
  ``asyncio.create_task()`` at module level fails the same way it does on the desktop.

Everything here is plain Python and runs under CPython too, where the tests exercise it.
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import inspect
import linecache
import sys
import traceback
import types
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

FILENAME = "main.py"
CALL_HELPER = "__playground_call__"

# Frames from these files are the runner's own plumbing, never the learner's business.
_HIDDEN_PATH_PARTS = ("/playground/", "/pyodide/", "/_pyodide/")

_set_running_loop: Callable[[asyncio.AbstractEventLoop | None], None] = (
    asyncio.events._set_running_loop
)


@dataclass(frozen=True)
class SourceError:
    """Where a problem is in the learner's source, for the editor to mark."""

    line: int
    column: int
    message: str


class _TopLevelRunRewriter(ast.NodeTransformer):
    """Turn module-level ``f(...)`` where ``f`` is spelled ``run`` or ``*.run`` into
    ``await __playground_call__(f, ...)``; the helper calls anything but ``asyncio.run`` as is.

    Function, class and lambda bodies and comprehensions are left alone: ``await`` is not
    allowed there at module level, and a call in them is handled by :func:`blocking_run`.
    """

    def _leave_alone(self, node: ast.AST) -> ast.AST:
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = _leave_alone
    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _leave_alone

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        name = (
            func.attr
            if isinstance(func, ast.Attribute)
            else func.id
            if isinstance(func, ast.Name)
            else None
        )
        if name != "run":
            return node
        helper = ast.Name(id=CALL_HELPER, ctx=ast.Load())
        call = ast.Call(func=helper, args=[func, *node.args], keywords=node.keywords)
        # Keep the original positions so tracebacks point at (and underline) the learner's text.
        for new in (helper, call):
            ast.copy_location(new, node)
        return ast.copy_location(ast.Await(value=call), node)


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
    return SourceError(error.lineno or 1, error.offset or 1, f"{type(error).__name__}: {error.msg}")


def fresh_main_module() -> types.ModuleType:
    """A new ``__main__`` for each run, so nothing leaks from one run into the next."""
    module = types.ModuleType("__main__")
    module.__file__ = FILENAME
    module.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = module
    return module


class Program:
    """One run of one program: its namespace, its top-level task and its leftovers."""

    def __init__(self, code: types.CodeType, on_blocking_run: BlockingRun | None = None) -> None:
        self.code = code
        self.module = fresh_main_module()
        self.module.__dict__[CALL_HELPER] = self._call
        self.top_task: asyncio.Task[Any] | None = None
        self._outside: set[asyncio.Task[Any]] = set()
        self._on_blocking_run = on_blocking_run
        # One bound method, so that ``func is self._asyncio_run`` can recognise it.
        self._asyncio_run = self._blocking_run

    async def execute(self) -> None:
        """Run the module body. Must itself run as a task of the loop (the top-level task)."""
        loop = asyncio.get_running_loop()
        self.top_task = asyncio.current_task()
        # The runner's own tasks (this one included) are not the program's to cancel.
        self._outside = asyncio.all_tasks(loop)
        previous_run = asyncio.run
        asyncio.run = self._asyncio_run
        _set_running_loop(None)
        try:
            result = eval(self.code, self.module.__dict__)
            if inspect.iscoroutine(result):
                await result
        finally:
            _set_running_loop(loop)
            asyncio.run = previous_run

    async def _call(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        if func is self._asyncio_run:
            loop = self._loop()
            _set_running_loop(loop)
            try:
                return await run_main(loop, *args, keep=self._outside, **kwargs)
            finally:
                _set_running_loop(None)
        return func(*args, **kwargs)

    def _loop(self) -> asyncio.AbstractEventLoop:
        assert self.top_task is not None
        return self.top_task.get_loop()

    def _blocking_run(
        self, main: Awaitable[Any], *, debug: bool | None = None, loop_factory: Any = None
    ) -> Any:
        """``asyncio.run`` reached where it could not be rewritten into an ``await``."""
        if asyncio.events._get_running_loop() is not None:
            # CPython's own check and words: asyncio.run() inside a coroutine is an error.
            raise RuntimeError("asyncio.run() cannot be called from a running event loop")
        if self._on_blocking_run is None:
            raise RuntimeError(
                "asyncio.run() was called inside a function, which this browser cannot do: "
                "call asyncio.run(...) at the top level of your program instead"
            )
        loop = self._loop()
        _set_running_loop(loop)
        try:
            return self._on_blocking_run(run_main(loop, main, keep=self._outside, debug=debug))
        finally:
            _set_running_loop(None)

    def tasks(self) -> set[asyncio.Task[Any]]:
        """The program's own tasks that are not done yet."""
        return asyncio.all_tasks(self._loop()) - self._outside


BlockingRun = Callable[[Coroutine[Any, Any, Any]], Any]


async def run_main(
    loop: asyncio.AbstractEventLoop,
    main: Awaitable[Any],
    *,
    keep: Iterable[asyncio.Task[Any]] = (),
    debug: bool | None = None,
    loop_factory: Any = None,
) -> Any:
    """What ``asyncio.run(main)`` does in CPython 3.14 (``asyncio.runners.Runner``), as an await.

    ``keep`` are tasks outside the program, left alone at exit. ``loop_factory`` is accepted
    and ignored: the browser has one kind of loop.
    """
    if not asyncio.iscoroutine(main):
        if not inspect.isawaitable(main):
            raise TypeError("An asyncio.Future, a coroutine or an awaitable is required")
        main = _wrap_awaitable(main)
    if debug is not None:
        loop.set_debug(debug)
    task = loop.create_task(main)
    try:
        return await task
    finally:
        await cancel_all_tasks(loop, keep={*keep, asyncio.current_task()})
        await loop.shutdown_asyncgens()
        # CPython closes the loop here, so its pending timers never run. The browser's loop
        # outlasts asyncio.run() (one loop per program) and forgets them instead.
        cancel_timers = getattr(loop, "cancel_timers", None)
        if cancel_timers is not None:
            cancel_timers()


async def _wrap_awaitable(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


async def cancel_all_tasks(
    loop: asyncio.AbstractEventLoop, keep: Iterable[asyncio.Task[Any] | None] = ()
) -> None:
    """CPython's ``asyncio.runners._cancel_all_tasks``, as an await, sparing ``keep``."""
    spare = set(keep)
    to_cancel = [t for t in asyncio.all_tasks(loop) if t not in spare]
    if not to_cancel:
        return
    for task in to_cancel:
        task.cancel()
    await asyncio.gather(*to_cancel, return_exceptions=True)
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


def _visible(frame: traceback.FrameSummary) -> bool:
    filename = frame.filename.replace("\\", "/")
    return not any(part in filename for part in _HIDDEN_PATH_PARTS)


def _trim(te: traceback.TracebackException, seen: set[int], outermost: bool = False) -> None:
    if id(te) in seen:
        return
    seen.add(id(te))
    frames = list(te.stack)
    # Whatever called into the program (the runner, a test) comes before its first line.
    while outermost and frames and frames[0].filename != FILENAME:
        frames.pop(0)
    te.stack = traceback.StackSummary.from_list([f for f in frames if _visible(f)])
    for nested in (te.__cause__, te.__context__, *(te.exceptions or [])):
        if nested is not None:
            _trim(nested, seen)


def format_exception(error: BaseException) -> str:
    """The traceback CPython would print, minus the runner's own frames."""
    te = traceback.TracebackException.from_exception(error)
    _trim(te, set(), outermost=True)
    return "".join(te.format())


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
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == FILENAME]
    if not frames:
        return None
    last = frames[-1]
    message = "".join(traceback.format_exception_only(type(error), error)).strip()
    return SourceError(last.lineno or 1, (last.colno or 0) + 1, message)
