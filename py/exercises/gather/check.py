"""Five API calls at once with gather(), results printed in call order: about 2 s.

The scenario: calls of 0.8 to 2.0 s, so the order they finish in differs from the order they
were made, and a program printing results as they come in can be told apart. Read from the
trace: the call_api() tasks (or those of a coroutine wrapping each call), the gather() that
waited on them, when each started and ended; and from the lines printed, by task and time,
the line where each call's result (as the trace recorded it) was printed once the call had
ended, by the code that waited on it.
"""

from playground.checks import (
    Verdict,
    crashed,
    failed,
    loop_blocked,
    never_awaited,
    passed,
    ran_in_turn,
    say,
)
from playground.run_view import Run, Task, labels, listing, seconds

# The APIs in API_CALLS's order: the order the results must be printed in.
CALL_ORDER = ("weather", "news", "stocks", "sports", "traffic")
# Shorter than this, the slowest call no longer shows whether they overlapped.
SHORTEST_SLOWEST_S = 0.5
FIX = "Make all five calls, then pass them to one asyncio.gather() and await it."


def check(run: Run) -> Verdict:
    calls = run.calls("call_api", CALL_ORDER)
    error = run.error
    if error is not None and error.type == "TypeError" and "list" in error.message and not calls:
        return failed(
            say(
                f"gather() was given one list, not five calls: your program stopped at line "
                f"{error.line} with {error.message} before any call ran. Unpack the list into "
                "separate arguments: asyncio.gather(*calls).",
                mistake="list-to-gather",
            )
        )
    found = (
        loop_blocked(run)
        or never_awaited(run, "call_api", FIX)
        or crashed(run)
        or ran_in_turn(run, "call_api()", FIX)
    )
    if found is not None:
        return found
    if not calls:
        return failed(say(f"No task ran call_api() in your run. {FIX}", mistake="no-tasks"))
    if sorted(str(t.subject) for t in calls) != sorted(CALL_ORDER):
        return failed(
            say(
                f"Your run called {labels(calls)}: call each of API_CALLS once.",
                calls,
                mistake="wrong-calls",
            )
        )
    total = run.span(calls)
    slowest = run.longest(calls)
    if slowest is None or (slowest.duration or 0.0) < SHORTEST_SLOWEST_S:
        return failed(
            say(
                f"Your calls took {seconds(slowest.duration if slowest else None)} at most, so "
                "running them together saves nothing to see, and they all finish at once: keep "
                "call_api() sleeping the seconds API_CALLS gives.",
                calls,
                mistake="calls-too-short",
            )
        )
    slowest_words = f"{seconds(slowest.duration)}, as long as the slowest"
    if run.one_after_another(calls):
        return failed(
            say(
                f"Your five calls ran one after another, {seconds(total)} in all: each was "
                f"awaited before the next one was made. {FIX} It then takes about "
                f"{slowest_words}.",
                calls,
                mistake="one-after-another",
            )
        )
    if not run.close_to_longest(calls):
        return failed(
            say(
                f"Your calls overlapped only in part: {seconds(total)} in all, where the "
                f"slowest alone takes {slowest_words.partition(',')[0]}. {FIX}",
                calls,
                mistake="partly-overlapped",
            ),
            timed=True,
        )
    order = printed_order(run, calls)
    if isinstance(order, Verdict):
        return order
    wanted = sorted(calls, key=lambda t: CALL_ORDER.index(str(t.subject)))
    if order != wanted:
        finished = run.finish_order(calls)
        first, last = finished[0], finished[-1]
        how = (
            f"in the order the calls finished ({first.subject} first, at {seconds(first.ended)}; "
            f"{last.subject} last, at {seconds(last.ended)})"
            if order == finished
            else f"in the order {names(order)}"
        )
        return failed(
            say(
                f"Your results came out {how}, not in the order of API_CALLS "
                f"({names(wanted)}). gather() returns its results in the order of its "
                "arguments, whenever each finishes: print them from its list.",
                calls,
                mistake="wrong-order",
            ),
            timed=True,
        )
    together = run.waited_together(calls)
    if together is None or together.wait.kind != "gather":
        return failed(
            say(
                "Your calls ran together and their results came out in order, but not "
                f"through one gather(). This exercise is about gather(): {FIX[0].lower()}"
                f"{FIX[1:]}",
                calls,
                mistake="not-one-gather",
            )
        )
    return passed(
        say(
            f"All five calls ran at once in one gather(): {seconds(total)} in all, as long as "
            f"the slowest ({slowest.coro if slowest else '?'}), not the "
            f"{seconds(run.total(calls))} of one after another; and the results came out in "
            "the order of API_CALLS.",
            calls,
            mistake="passed",
        )
    )


def printed_order(run: Run, calls: list[Task]) -> list[Task] | Verdict:
    """The calls in the order their results were printed (each once it ended, by the code
    that waited on it), or the verdict that some never were."""
    lines = {t.name: run.shows_result(t) if run.waited_on(t) else None for t in calls}
    missing = [t for t in calls if lines[t.name] is None]
    if missing:
        one = len(missing) == 1
        return failed(
            say(
                f"The result{'' if one else 's'} of {labels(missing)} {'was' if one else 'were'}"
                " never printed from what gather() returned: print each of the five results, "
                "one a line, once gather() has returned them.",
                missing,
                mistake="results-missing",
            )
        )
    order = {id(line): i for i, line in enumerate(run.printed_lines)}
    return sorted(calls, key=lambda t: order.get(id(lines[t.name]), 0))


def names(calls: list[Task]) -> str:
    return listing(str(t.subject) for t in calls)
