"""Five API calls at once with gather(), results printed in call order: about 2 s.

Read from the trace: the call_api() tasks, the gather() that waited on them, when each
started and ended; and from the output, the line where each call's result (as the trace
recorded it) was printed. The calls last from 0.8 to 2.0 s, so the order they finish in
differs from the order they were made, and a program printing results as they come in can be
told apart.
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
FIX = "Make all five calls, then pass them to one asyncio.gather() and await it."


def check(run: Run) -> Verdict:
    calls = run.calls("call_api")
    error = run.error
    if error is not None and error.type == "TypeError" and "list" in error.message and not calls:
        return failed(
            f"gather() was given one list, not five calls: your program stopped at line "
            f"{error.line} with {error.message} before any call ran. Unpack the list into "
            "separate arguments: asyncio.gather(*calls)."
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
        return failed(f"No task ran call_api() in your run. {FIX}")
    if sorted(str(t.arg(0)) for t in calls) != sorted(CALL_ORDER):
        return failed(say(f"Your run called {labels(calls)}: call each of API_CALLS once.", calls))
    total = run.span(calls)
    slowest = run.longest(calls)
    slowest_words = f"{seconds(slowest.duration)}, as long as the slowest" if slowest else "?"
    if run.one_after_another(calls):
        return failed(
            say(
                f"Your five calls ran one after another, {seconds(total)} in all: each was "
                f"awaited before the next one was made. {FIX} It then takes about "
                f"{slowest_words}.",
                calls,
            )
        )
    if not run.close_to_longest(calls):
        return failed(
            say(
                f"Your calls overlapped only in part: {seconds(total)} in all, where the "
                f"slowest alone takes {slowest_words.partition(',')[0]}. {FIX}",
                calls,
            )
        )
    order = printed_order(run, calls)
    if isinstance(order, Verdict):
        return order
    wanted = sorted(calls, key=lambda t: CALL_ORDER.index(str(t.arg(0))))
    if order != wanted:
        finished = run.finish_order(calls)
        first, last = finished[0], finished[-1]
        how = (
            f"in the order the calls finished ({first.arg(0)} first, at {seconds(first.ended)}; "
            f"{last.arg(0)} last, at {seconds(last.ended)})"
            if order == finished
            else f"in the order {names(order)}"
        )
        return failed(
            say(
                f"Your results came out {how}, not in the order of API_CALLS "
                f"({names(wanted)}). gather() returns its results in the order of its "
                "arguments, whenever each finishes: print them from its list.",
                calls,
            )
        )
    together = run.waited_together(calls)
    if together is None or together.wait.kind != "gather":
        return failed(
            say(
                "Your calls ran together and their results came out in order, but not "
                f"through one gather(). This exercise is about gather(): {FIX[0].lower()}"
                f"{FIX[1:]}",
                calls,
            )
        )
    return passed(
        say(
            f"All five calls ran at once in one gather(): {seconds(total)} in all, as long as "
            f"the slowest ({slowest.coro if slowest else '?'}), not the "
            f"{seconds(run.total(calls))} of one after another; and the results came out in "
            "the order of API_CALLS.",
            calls,
        )
    )


def printed_order(run: Run, calls: list[Task]) -> list[Task] | Verdict:
    """The calls in the order their results appear in the output, or the verdict that some
    never did."""
    lines = {t.name: run.line_with(t.result_as_printed() or "") for t in calls}
    missing = [t for t in calls if lines[t.name] is None]
    if missing:
        return failed(
            say(
                f"The results of {labels(missing)} were never printed: print each of the five "
                "results, one a line.",
                missing,
            )
        )
    return sorted(calls, key=lambda t: lines[t.name] or 0)


def names(calls: list[Task]) -> str:
    return listing(str(t.arg(0)) for t in calls)
