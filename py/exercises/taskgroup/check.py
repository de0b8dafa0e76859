"""Three bookings in one TaskGroup: the car fails, the TaskGroup cancels the flight and the
hotel, every booking closes its connection, and except* reports the failure.

The scenario: the car's booking fails long before the others would end (0.2 s against 0.6
and 1 s), so a TaskGroup cancels them. Read from the trace: the book() tasks and the
TaskGroup holding them, which failed and with what, which were cancelled and why. From the
lines printed, by task: each booking's own "connection closed" line (printed by the
exercise's close()), and the failure's message printed once the car failed.
"""

from playground.checks import Verdict, crashed, failed, loop_blocked, passed, say
from playground.run_view import Run, Task, fate, labels, listing

ITEMS = {"flight", "hotel", "car"}
GROUP_ERRORS = {"ExceptionGroup", "BaseExceptionGroup"}


def check(run: Run) -> Verdict:
    bookings = run.calls("book", ("flight", "hotel", "car"))
    grouped = [t for t in bookings if t.group is not None and t.group.type == "TaskGroup"]
    failures = [t for t in grouped if t.state == "failed"]
    error = run.error
    if error is not None and error.type in GROUP_ERRORS and failures:
        first = failures[0]
        return failed(
            say(
                f"Your program stopped at line {error.line} with {error.message}: the TaskGroup "
                f"raises an ExceptionGroup holding {first.coro}'s "
                f"{first.error.text if first.error else 'error'}, and a plain except "
                "ValueError does not catch an ExceptionGroup. Catch it with except* ValueError.",
                failures,
                mistake="plain-except",
            )
        )
    if not grouped:
        stopped = (
            f", and your program stopped at line {error.line} with {error.message}" if error else ""
        )
        return failed(
            say(
                f"Your bookings did not run in a TaskGroup{stopped}. Book all three at once in "
                "an asyncio.TaskGroup(): when one booking fails, it cancels the others.",
                [run.main],
                mistake="no-taskgroup",
            )
        )
    found = loop_blocked(run) or crashed(run)
    if found is not None:
        return found
    if {str(t.subject) for t in grouped} != ITEMS or len({id(t.group) for t in grouped}) != 1:
        return failed(
            say(
                f"Your TaskGroups ran {labels(grouped)}: book each item of BOOKINGS once, all "
                "in one TaskGroup.",
                grouped,
                mistake="wrong-bookings",
            )
        )
    if not failures:
        return failed(
            say(
                "No booking failed in your run, so there was nothing to cancel: keep book() "
                "raising ValueError for the car.",
                grouped,
                mistake="nothing-failed",
            )
        )
    first = failures[0]
    finished = [t for t in grouped if t.state == "done"]
    if finished:
        return failed(
            say(
                f"{labels(finished)} finished although {first.coro} failed: all or nothing "
                "means the other bookings stop when one fails. Keep them in one TaskGroup, "
                "which cancels them.",
                [first, *finished],
                mistake="not-all-or-nothing",
            ),
            timed=True,
        )
    unclosed = [t for t in grouped if not closed(run, t)]
    if unclosed:
        return failed(
            say(
                f"The connections of {listing(str(t.subject) for t in unclosed)} were never "
                f"closed ({'; '.join(f'{t.coro} {fate(t)}' for t in unclosed)}). The lines after "
                "an await are skipped when a task is cancelled or fails: put close(item) in a "
                "finally: block, which runs however the task ends.",
                unclosed,
                mistake="unclosed",
            )
        )
    reason = first.error.message if first.error else ""
    told = run.prints(by=[run.main, None], after=first.ended or 0.0)
    if not any(reason and reason in line.text for line in told):
        return failed(
            say(
                f"Your program never reported why the trip failed ({reason}): once the "
                "TaskGroup has raised, print the error in your except* ValueError block.",
                [first],
                mistake="failure-unreported",
            )
        )
    cancelled = [t for t in grouped if t.state == "cancelled"]
    others = f"your TaskGroup cancelled {labels(cancelled)}" if cancelled else "so did the rest"
    return passed(
        say(
            f"All or nothing: {first.coro} {fate(first)}, {others}, every booking closed its "
            f"connection, and except* reported: {reason}.",
            grouped,
            mistake="passed",
        ),
        timed=True,
    )


def closed(run: Run, booking: Task) -> bool:
    """Whether the booking closed its own connection: its item's close() line, printed by
    the booking's task."""
    line = f"{booking.subject}: connection closed"
    return any(p.text == line for p in run.prints(by=[booking]))
