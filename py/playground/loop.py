"""The playground's event loop: CPython's own, turned by the browser.

CPython's ``asyncio.BaseEventLoop`` does all the work here. Its ``run_forever()`` calls
``_run_once()`` again and again, and each turn asks the selector to wait until the nearest timer
(``select(timeout)``), moves the timers that are due to the ready queue (from a heap, in
deadline order), and runs every callback that was ready when the turn began, first in, first
out. A browser worker cannot wait inside Python: nothing else
would happen meanwhile (the page's messages, Stop, JavaScript's promises). So
:class:`PlaygroundLoop` keeps CPython's turn whole and takes out the wait alone: its selector
never waits, and where CPython's would (a timeout other than 0) it raises :class:`_Idle`
instead, before the turn has done anything. :class:`Driver` then hands control back to the
browser, with one request for a callback when the timeout is over: one browser timer for the
nearest deadline, whatever the number of callbacks and timers. The order of ``call_soon``
callbacks, of timers with equal deadlines and of tasks, and ``loop.time()``, are CPython's by
construction: it is CPython's code that orders them.

The browser's part is injected as plain callables (:data:`Wake`, :data:`Suspend`), so this
module imports nothing from Pyodide and the tests drive it under CPython with a plain
scheduler.

Decision, by measurement (README, Benchmarks, ``build.py bench loop``): Pyodide's WebLoop, which
hands each callback to the browser on its own (a ``setTimeout`` or a MessageChannel hop per
callback, some 70 us each here), took 1.0 s for 10,000 tasks that each ``await
asyncio.sleep(0.05)`` (CPython: 0.14 s) and 3.0 s for 10,000 tasks of ten ``sleep(0)``
(CPython: 0.26 s). Subclassing ``BaseEventLoop`` and turning its ``_run_once`` from one browser
callback per wait brought them to 0.23 s and 0.36 s, with nothing of the turn's own logic
written again here. A turn of our own would have had CPython's ordering to copy, for little:
in WebAssembly ``_run_once`` costs 1.5 us a turn more than a bare pass over the ready queue
(3.9 against 2.4 us for a turn of one step, measured without the browser's hop), which only a
program of very few tasks would feel.

Several turns run in one browser callback, up to :data:`TURNS_BUDGET_S`, then a hop lets the
worker's messages in (Stop, the page's requests for trace events) even while the ready queue
never empties.

Where the browser cannot do what CPython does: without JavaScript Promise Integration (JSPI) a
plain function cannot wait, so ``run_forever()`` and ``run_until_complete()`` called inside a
function raise a RuntimeError that says so (the runner rewrites calls at the top level of a
program into awaits of :meth:`PlaygroundLoop.forever` and :meth:`PlaygroundLoop.until_complete`,
which need no JSPI). There are no threads: ``run_in_executor()`` (and so
``asyncio.to_thread()``) runs the function at once, as Pyodide's WebLoop does.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
import threading
import time
from asyncio import events
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import TYPE_CHECKING, Any, TypeVar, TypeVarTuple, cast

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

# CPython's own callback that stops the loop once run_until_complete's future is done.
_stop_loop: Callable[[asyncio.Future[Any]], None] = asyncio.base_events._run_until_complete_cb  # type: ignore[attr-defined]

# Asks the host to call Driver.turn() once, `delay` seconds from now (0: as soon as the host has
# handled what it has pending, e.g. the worker's messages); each request replaces the last, and
# None withdraws it.
Wake = Callable[[float | None], object]
# Holds up the caller's whole stack until the latch is set, while the host goes on calling
# Driver.turn() (Pyodide's run_sync with JSPI); None where the host cannot.
Suspend = Callable[["Latch"], object]

# How long one browser callback may run turns before it hops, to let the worker's messages in.
# Measured with one task awaiting asyncio.sleep(0) 2,000 times: a hop per turn made each turn
# cost 76-92 us (the hop, not the turn), 5 ms of turns per hop 8 us. A third of a frame at
# most, so Stop and the page's per-frame requests for trace events still get in every frame.
TURNS_BUDGET_S = 0.005

NO_SUSPEND = (
    "{what} was called inside a function, which needs WebAssembly stack switching (JSPI) "
    "that this browser lacks: call {what} at the top level of your program instead"
)


class _Idle(Exception):
    """Raised by the selector where CPython's would wait: the loop has nothing to do for
    ``timeout`` seconds (None: until a callback is scheduled from outside)."""

    def __init__(self, timeout: float | None) -> None:
        super().__init__(timeout)
        self.timeout = timeout


class _NeverWaits:
    """The selector ``_run_once`` asks to wait: there is no I/O to wait for in a browser."""

    def select(self, timeout: float | None) -> list[Any]:
        if timeout == 0:
            return []
        raise _Idle(timeout)


class _Alarm(deque[Any]):
    """The ready queue while the loop sleeps, empty as it is then: the first callback put in it
    from outside a turn (a JavaScript promise resolved, Stop's cancel) wakes the driver, as
    writing to CPython's self-pipe ends its wait in ``select()``. Swapped in only for the
    sleep, so ``call_soon`` costs nothing more during turns (an override of it cost a quarter
    of a program's time, measured with 10,000 tasks of ten ``sleep(0)``)."""

    def __init__(self, loop: PlaygroundLoop) -> None:
        super().__init__()
        self._loop = loop

    def append(self, handle: Any) -> None:
        super().append(handle)
        self._loop._write_to_self()


class Latch:
    """Set once, and then done: what :data:`Suspend` waits for.

    A duck-typed future (``asyncio.isfuture`` says yes), because Pyodide's ``run_sync`` passes
    its argument through ``asyncio.ensure_future`` and JavaScript then waits on its
    ``add_done_callback``. Unlike an asyncio Future it calls back at once when set, not
    through a loop: no loop is running while the caller's stack is held up.
    """

    _asyncio_future_blocking = False

    def __init__(self) -> None:
        self._done = False
        self._callbacks: list[Callable[[Latch], object]] = []

    def done(self) -> bool:
        return self._done

    def set(self) -> None:
        self._done = True
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)

    def add_done_callback(
        self, callback: Callable[[Latch], object], *, context: Any = None
    ) -> None:
        if self._done:
            callback(self)
        else:
            self._callbacks.append(callback)

    def result(self) -> None:
        return None

    def __await__(self) -> Generator[Latch, None, None]:
        # Never awaited here; it makes the latch awaitable, which run_sync checks for.
        yield self


class _Running:
    """What :meth:`PlaygroundLoop.forever` awaits: its loop, run until it stops."""

    def __init__(self, loop: PlaygroundLoop) -> None:
        self.loop = loop

    def __await__(self) -> Generator[_Running, None, None]:
        yield self


Done = Callable[[Any, BaseException | None], None]


class Outside:
    """Code outside any loop (a program's top level, or a call that blocks), run one step at a
    time as a thread's code runs in CPython. It waits for a loop's run to end (it awaits
    :meth:`PlaygroundLoop.forever`), for a future of a loop that is not running (an ``await``
    at the top level, which runs that future's loop until it is done), or for nothing (a bare
    ``yield``, as ``asyncio.sleep(0)`` makes)."""

    def __init__(self, driver: Driver, coro: Coroutine[Any, Any, Any], done: Done) -> None:
        self._driver = driver
        self._coro = coro
        self._done = done
        self._error: BaseException | None = None
        self._must_cancel = False

    def resume(self, error: BaseException | None = None) -> None:
        """Steps it again on the driver's next turn (in this callback, if there is one)."""
        self._error = error
        self._driver.schedule(self)

    def cancel(self) -> None:
        """A CancelledError in place of whatever it gets next, as Task.cancel() does."""
        self._must_cancel = True

    def step(self) -> None:
        error, self._error = self._error, None
        if self._must_cancel and error is None:
            self._must_cancel = False
            error = asyncio.CancelledError()
        events._set_running_loop(None)
        try:
            yielded = self._coro.send(None) if error is None else self._coro.throw(error)
        except StopIteration as stop:
            self._done(stop.value, None)
        except BaseException as raised:  # the outside code's own outcome, whatever it is
            self._done(None, raised)
        else:
            self._serve(yielded)

    def _serve(self, yielded: object) -> None:
        if isinstance(yielded, _Running):
            self._driver.drive(yielded.loop, self)
        elif yielded is None:
            self.resume()
        elif asyncio.isfuture(yielded) and isinstance(loop := yielded.get_loop(), PlaygroundLoop):
            # Future.__await__ yielded itself: it is ours to wait for, as a task would.
            yielded._asyncio_future_blocking = False
            run = loop.until_complete(yielded)
            Outside(self._driver, run, lambda _, error: self.resume(error)).step()
        else:
            self.resume(RuntimeError(f"'await' outside a function cannot wait for {yielded!r}"))


class Driver:
    """Turns the loop that is running, from the host's callbacks (:meth:`turn`); at most one
    loop runs at a time, as in a CPython thread."""

    def __init__(self, wake: Wake, suspend: Suspend | None = None) -> None:
        self._wake = wake
        self._suspend = suspend
        self.loop: PlaygroundLoop | None = None  # the loop running now
        self._waiter: Outside | None = None  # the code waiting for it to stop
        self._steps: deque[Outside] = deque()  # outside code to step next
        self._interrupted = False

    def reset(self) -> None:
        """Forgets whatever an earlier program left (one that Stop had to interrupt)."""
        self.loop = None
        self._waiter = None
        self._steps.clear()
        self._interrupted = False
        self._wake(None)

    def call(self, coro: Coroutine[Any, Any, Any], done: Done) -> Outside:
        """Runs `coro` as code outside any loop, from the next turn on; `done` receives its
        result and exception."""
        outside = Outside(self, coro, done)
        outside.resume()
        return outside

    def block(self, coro: Coroutine[Any, Any, T], what: str) -> T:
        """Runs `coro` (outside code) to its end inside a plain function call, as CPython's
        ``run_forever()`` blocks: the host's :data:`Suspend` holds this stack up while it goes on
        calling :meth:`turn`. ``what`` names the call for the sentence saying it cannot."""
        if self._suspend is None:
            coro.close()
            raise RuntimeError(NO_SUSPEND.format(what=what))
        latch = Latch()
        outcome: list[Any] = [None, None]

        def done(result: Any, error: BaseException | None) -> None:
            outcome[:] = [result, error]
            latch.set()

        # This stack's running loop and hooks, as it left them: the run sets and clears its own,
        # and with JSPI on another thread state than this one (Pyodide gives each its own).
        running, hooks = events._get_running_loop(), sys.get_asyncgen_hooks()
        Outside(self, coro, done).step()
        if not latch.done():
            self._suspend(latch)
        events._set_running_loop(running)
        sys.set_asyncgen_hooks(*hooks)
        result, error = outcome
        if error is not None:
            raise error
        return result  # type: ignore[no-any-return]

    def interrupt(self) -> None:
        """Stop was pressed: a run whose loop has nothing left to do at all ends with
        KeyboardInterrupt, as Ctrl+C interrupts CPython's wait in ``select()``."""
        self._interrupted = True
        self._wake(0)

    def schedule(self, outside: Outside) -> None:
        self._steps.append(outside)
        self._wake(0)

    def drive(self, loop: PlaygroundLoop, waiter: Outside) -> None:
        """Runs `loop` from the next turn on, until it stops; then steps `waiter` again."""
        self.loop = loop
        self._waiter = waiter
        self._wake(0)

    def turn_until(self, ended: Callable[[], object], within_s: float) -> bool:
        """Turns here, one turn after another, without waiting for the host's callback,
        until ``ended()``: for a program that only ever asks for the next turn at once (such
        as the worker's warm-up, whose sleeps are all ``sleep(0)``). Past ``within_s`` it gives
        up and forgets the run (:meth:`reset`); False then."""
        give_up = time.monotonic() + within_s
        while not ended():
            if time.monotonic() >= give_up:
                self.reset()
                return False
            self.turn()
        return True

    def turn(self) -> None:
        """The host's callback: runs turns of the running loop and steps outside code, until
        the loop has to wait or the budget is spent; then asks for the next callback."""
        try:
            self._turns()
        except BaseException as error:
            # Stop's KeyboardInterrupt can land anywhere, the driver's own lines included: it
            # ends the run there, as it would have inside a callback.
            if self._waiter is None:
                raise
            self._end(error)
            self._wake(0)

    def _turns(self) -> None:
        loop = self.loop
        if loop is not None:
            loop._awake()
            # With JSPI, Pyodide runs each callback on a thread state of its own, which the
            # running loop and the async generator hooks are kept on (WebLoop does the same).
            loop._enter()
        until = time.monotonic() + TURNS_BUDGET_S
        first = True
        while True:
            if not first and time.monotonic() > until:
                self._wake(0)
                return
            first = False
            if self._steps:
                self._steps.popleft().step()
                continue
            loop = self.loop
            if loop is None:
                self._wake(None)  # nothing runs until outside code asks
                return
            try:
                loop._run_once()
            except _Idle as idle:
                if idle.timeout is None and self._interrupted:
                    self._end(KeyboardInterrupt())
                    continue
                loop._asleep()
                self._wake(idle.timeout)
                return
            except BaseException as error:  # out of a callback (SystemExit...), or Stop's
                self._end(error)
                continue
            if loop._stopping:
                self._end(None)

    def _end(self, error: BaseException | None) -> None:
        """The running loop's run is over (it stopped, or a turn raised): its waiter goes on,
        in this callback."""
        waiter = self._waiter
        self.loop = None
        self._waiter = None
        if waiter is not None:
            self._steps.append(waiter)
            waiter._error = error


class PlaygroundLoop(asyncio.BaseEventLoop):
    """CPython's event loop, turned by a :class:`Driver`."""

    if TYPE_CHECKING:
        # BaseEventLoop's private parts that this class builds on, which typeshed leaves out.
        _debug: bool
        _ready: deque[Any]
        _stopping: bool
        _thread_id: int | None
        _old_agen_hooks: Any
        _task_factory: Any

        def _run_once(self) -> None: ...
        def _check_closed(self) -> None: ...
        def _check_running(self) -> None: ...
        def _set_coroutine_origin_tracking(self, enabled: bool) -> None: ...
        def _asyncgen_firstiter_hook(self, agen: Any) -> None: ...
        def _asyncgen_finalizer_hook(self, agen: Any) -> None: ...

    def __init__(self, driver: Driver) -> None:
        super().__init__()
        self._driver = driver
        self._selector = _NeverWaits()
        # True while the driver waits for this loop: work scheduled from outside a turn then
        # wakes it (see _Alarm).
        self._sleeping = False

    def _asleep(self) -> None:
        self._sleeping = True
        self._ready = _Alarm(self)

    def _awake(self) -> None:
        self._sleeping = False
        if isinstance(self._ready, _Alarm):
            self._ready = deque(self._ready)

    def _process_events(self, event_list: list[Any]) -> None:
        pass  # no I/O, so no events

    def call_at(
        self,
        when: float,
        callback: Callable[[*Ts], object],
        *args: *Ts,
        context: contextvars.Context | None = None,
    ) -> asyncio.TimerHandle:
        # From outside a turn (a JavaScript callback) a timer may come due before the one the
        # driver waits for: the next turn works out the wait afresh.
        handle = super().call_at(when, callback, *args, context=context)
        self._write_to_self()
        return handle

    def _write_to_self(self) -> None:
        # Where CPython writes to its self-pipe to end a wait in select() (call_soon_threadsafe).
        if self._sleeping:
            self._sleeping = False
            self._driver._wake(0)

    def _enter(self) -> None:
        """Makes this the running loop of the current thread state, with its hooks."""
        events._set_running_loop(self)
        sys.set_asyncgen_hooks(
            firstiter=self._asyncgen_firstiter_hook, finalizer=self._asyncgen_finalizer_hook
        )

    # --- running: the awaits that code outside any loop uses, and the blocking calls -------

    async def forever(self) -> None:
        """``run_forever()`` as an await, for code outside any loop: needs no JSPI."""
        self._run_forever_setup()
        try:
            await _Running(self)
        finally:
            self._run_forever_cleanup()

    async def until_complete(self, future: Generator[Any, None, T] | Awaitable[T]) -> T:
        """``run_until_complete()`` as an await: CPython's steps, with ``await self.forever()``
        where CPython calls ``self.run_forever()``."""
        self._check_closed()
        self._check_running()
        new_task = not asyncio.isfuture(future)
        task = asyncio.ensure_future(cast("Awaitable[T]", future), loop=self)
        if new_task:
            # An exception of the task is raised below, so it is not "never retrieved".
            task._log_destroy_pending = False  # type: ignore[attr-defined]
        task.add_done_callback(_stop_loop)
        try:
            await self.forever()
        except BaseException:
            if new_task and task.done() and not task.cancelled():
                # The task is done and its exception is about to be lost: mark it retrieved.
                task.exception()
            raise
        finally:
            task.remove_done_callback(_stop_loop)
        if not task.done():
            raise RuntimeError("Event loop stopped before Future completed.")
        return task.result()

    def run_forever(self) -> None:
        # CPython's own errors first, where CPython raises them.
        self._check_closed()
        self._check_running()
        self._driver.block(self.forever(), "loop.run_forever()")

    def run_until_complete(self, future: Generator[Any, None, T] | Awaitable[T]) -> T:
        self._check_closed()
        self._check_running()
        return self._driver.block(self.until_complete(future), "loop.run_until_complete()")

    if sys.version_info < (3, 12):
        # CPython 3.12 split these out of run_forever() for loops like this one; the tests may
        # run on 3.11, where they are written out here as 3.12 has them.

        def _run_forever_setup(self) -> None:
            self._check_closed()
            self._check_running()
            self._set_coroutine_origin_tracking(self._debug)
            self._old_agen_hooks = sys.get_asyncgen_hooks()
            self._thread_id = threading.get_ident()
            self._enter()

        def _run_forever_cleanup(self) -> None:
            self._stopping = False
            self._thread_id = None
            events._set_running_loop(None)
            self._set_coroutine_origin_tracking(False)
            if self._old_agen_hooks is not None:
                sys.set_asyncgen_hooks(*self._old_agen_hooks)
                self._old_agen_hooks = None

    # --- no threads ------------------------------------------------------------------------

    def run_in_executor(  # type: ignore[override]
        self, executor: Any, func: Callable[..., T], *args: Any
    ) -> asyncio.Future[T]:
        """Runs ``func`` at once: a browser worker has no threads (as Pyodide's WebLoop)."""
        self._check_closed()
        future: asyncio.Future[T] = self.create_future()
        try:
            future.set_result(func(*args))
        except Exception as error:
            future.set_exception(error)
        return future
