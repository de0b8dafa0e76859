"""Five services asked at once with gather(return_exceptions=True): three results and two
failures reported, nothing stopped.

Read from the trace: the fetch_service() tasks, the gather() that waited on them, which failed and
with what, and when main() stopped waiting on the gather(): at the first failure (the others
still running) or after the last. From the output: each result, and each failed service's
name.
"""

from playground.checks import Verdict, crashed, failed, loop_blocked, passed, say
from playground.run_view import Run, labels, listing, seconds

SERVICES = 5
FIX = "gather(..., return_exceptions=True)"


def check(run: Run) -> Verdict:
    services = run.calls("fetch_service")
    together = run.waited_together(services)
    gathered = together is not None and together.wait.kind == "gather"
    error = run.error
    if error is not None and not gathered:
        return failed(
            say(
                f"Your program stopped at line {error.line} with {error.message}: the first "
                "service that was down ended the run, and the services after it were never "
                f"asked. Ask all five at once with {FIX}, so that one failure stops nothing.",
                [run.main] if run.main else [],
            )
        )
    found = loop_blocked(run) or gave_up(run)
    if found is not None:
        return found
    found = crashed(run)
    if found is not None:
        return found
    if len(services) != SERVICES or not gathered:
        return failed(
            say(
                f"Your run asked {labels(services) or 'no service'}, not all five of SERVICES "
                f"in one gather(): ask them all at once with {FIX}.",
                services,
            )
        )
    if not run.close_to_longest(services):
        slowest = run.longest(services)
        return failed(
            say(
                f"Your five requests took {seconds(run.span(services))} in all, where the "
                f"slowest alone takes {seconds(slowest.duration if slowest else None)}: make "
                f"all five calls first, then pass them to one {FIX}.",
                services,
            )
        )
    up = [t for t in services if t.state == "done"]
    down = [t for t in services if t.state == "failed"]
    unprinted = [t for t in up if not run.printed(t.result_as_printed() or "")]
    if unprinted:
        return failed(
            say(f"The results of {labels(unprinted)} were never printed: print each.", unprinted)
        )
    unnamed = [t for t in down if not run.printed(str(t.arg(0)))]
    if unnamed:
        errors = "; ".join(t.error.text for t in unnamed if t.error)
        return failed(
            say(
                f"{labels(unnamed)} failed ({errors}), but your output never mentions them: "
                "a status page must say what is down. Print a line for each failure, with its "
                "service's name.",
                unnamed,
            )
        )
    shown, named = (listing(str(t.arg(0)) for t in tasks) for tasks in (up, down))
    return passed(
        say(
            f"All five services were asked at once, {seconds(run.span(services))} in all; "
            f"gather() waited for every one, and your output shows {shown} up and names "
            f"{named} as down.",
            services,
        )
    )


def gave_up(run: Run) -> Verdict | None:
    """gather() without return_exceptions: its first failure came out of the await while
    other calls of it were still running (main() stopped waiting before they ended)."""
    services = run.calls("fetch_service")
    together = run.waited_together(services)
    if together is None or together.wait.kind != "gather":
        return None
    stopped = together.end
    ran_on = [t for t in services if t.ended is None or t.ended > stopped]
    failures = [t for t in run.finish_order(services) if t.state == "failed"]
    if not ran_on or not failures:
        return None
    first = failures[0]
    ends_by_run = all(t.cause is not None and t.cause.kind == "run_ended" for t in ran_on)
    fate = "asyncio.run() cancelled them when main() returned" if ends_by_run else "they ran on"
    return failed(
        say(
            f"gather() gave up at {seconds(stopped)}: {first.coro} failed with "
            f"{first.error.text if first.error else 'an error'}, and its exception came "
            f"straight out of the await while {labels(ran_on)} were still running; their "
            f"results never reached you ({fate}). Pass return_exceptions=True: gather() then "
            "waits for all five and hands back each failure in place of its result.",
            [first, *ran_on],
        )
    )
