"""Three bookings in one TaskGroup: the car fails, the TaskGroup cancels the flight and the
hotel, every booking closes its connection, and except* reports the failure.

Read from the trace: the book() tasks and the TaskGroup holding them, which failed and with
what, which were cancelled and why. From the output: each item's "connection closed" line
(printed by the exercise's close()) and the failure's message.
"""

from playground.checks import Verdict, crashed, failed, loop_blocked, passed, say
from playground.run_view import Run, fate, labels, listing

ITEMS = {"flight", "hotel", "car"}
GROUP_ERRORS = {"ExceptionGroup", "BaseExceptionGroup"}


def check(run: Run) -> Verdict:
    bookings = run.calls("book")
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
                [run.main] if run.main else [],
            )
        )
    found = loop_blocked(run) or crashed(run)
    if found is not None:
        return found
    if {str(t.arg(0)) for t in grouped} != ITEMS or len({id(t.group) for t in grouped}) != 1:
        return failed(
            say(
                f"Your TaskGroups ran {labels(grouped)}: book each item of BOOKINGS once, all "
                "in one TaskGroup.",
                grouped,
            )
        )
    if not failures:
        return failed(
            say("No booking failed in your run: keep book() raising for the car.", grouped)
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
            )
        )
    unclosed = [t for t in grouped if not run.printed(f"{t.arg(0)}: connection closed")]
    if unclosed:
        return failed(
            say(
                f"The connections of {listing(str(t.arg(0)) for t in unclosed)} were never "
                f"closed ({'; '.join(f'{t.coro} {fate(t)}' for t in unclosed)}). The lines after "
                "an await are skipped when a task is cancelled or fails: put close(item) in a "
                "finally: block, which runs however the task ends.",
                unclosed,
            )
        )
    reason = first.error.message if first.error else ""
    if not run.printed(reason):
        return failed(
            say(
                f"Your program never reported why the trip failed ({reason}): print the error "
                "in your except* ValueError block.",
                [first],
            )
        )
    cancelled = [t for t in grouped if t.state == "cancelled"]
    return passed(
        say(
            f"All or nothing: {first.coro} {fate(first)}, your TaskGroup cancelled "
            f"{labels(cancelled)}, every booking closed its connection, and except* reported: "
            f"{reason}.",
            grouped,
        )
    )
