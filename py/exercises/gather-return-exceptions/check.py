"""Five services asked at once with gather(return_exceptions=True): three results and two
failures reported, nothing stopped.

The scenario: two services (billing and email) fail, the first long before the others end,
so a gather() that gives up at the first failure can be told apart. Read from the trace: the
fetch_service() tasks, the gather() that waited on them, which failed and with what, and when
main() stopped waiting on the gather(). From the lines printed, by task and time: each result,
printed once its task ended by the code that waited on it; and for each failure a line printed
once it failed, naming the service with its failure (Run.reported), not a header printed
before anything ran nor a line saying the service is up.
"""

from playground.checks import Verdict, crashed, failed, loop_blocked, passed, say
from playground.run_view import Run, labels, listing, seconds

SERVICES = 5
DOWN = ("billing", "email")
SERVICE_NAMES = ("auth", "billing", "search", "email", "profile")
FIX = "gather(..., return_exceptions=True)"


def check(run: Run) -> Verdict:
    services = run.calls("fetch_service", SERVICE_NAMES)
    together = run.waited_together(services)
    gathered = together is not None and together.wait.kind == "gather"
    error = run.error
    if error is not None and not gathered:
        return failed(
            say(
                f"Your program stopped at line {error.line} with {error.message}: the first "
                "service that was down ended the run, and the services after it were never "
                f"asked. Ask all five at once with {FIX}, so that one failure stops nothing.",
                [run.main],
                mistake="stopped-at-first-failure",
            )
        )
    found = loop_blocked(run) or gave_up(run)
    if found is not None:
        return found
    found = crashed(run)
    if found is not None:
        return found
    waited = bool(services) and all(run.waited_on(t) for t in services)
    if len(services) != SERVICES or not (gathered or waited):
        asked = f"asked {labels(services)}" if services else "made no fetch_service() task"
        return failed(
            say(
                f"Your run {asked}, not all five of SERVICES in one gather(): ask them all at "
                f"once with {FIX}.",
                services,
                mistake="not-one-gather",
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
                mistake="partly-overlapped",
            ),
            timed=True,
        )
    up = [t for t in services if t.state == "done"]
    down = [t for t in services if t.state == "failed"]
    if not down:
        return failed(
            say(
                "No service failed in your run, so there was nothing to handle: keep "
                f"{listing(DOWN)} in DOWN, failing, and report them.",
                services,
                mistake="nothing-failed",
            )
        )
    unprinted = [t for t in up if run.shows_result(t) is None]
    if unprinted:
        one = len(unprinted) == 1
        return failed(
            say(
                f"The result{'' if one else 's'} of {labels(unprinted)} "
                f"{'was' if one else 'were'} never printed once {'it' if one else 'they'} "
                "came back: print each result gather() hands you.",
                unprinted,
                mistake="results-missing",
            )
        )
    unnamed = [t for t in down if run.reported(t) is None]
    if unnamed:
        one = len(unnamed) == 1
        errors = "; ".join(t.error.text for t in unnamed if t.error)
        which = "that failure names its service" if one else "those failures names their services"
        return failed(
            say(
                f"{labels(unnamed)} failed ({errors}), but no line printed after {which} with "
                "what went wrong: a status page must say what is down. Print a line for each "
                "failure with its service's name and its error.",
                unnamed,
                mistake="failure-unnamed",
            )
        )
    shown, named = (listing(str(t.subject) for t in tasks) for tasks in (up, down))
    return passed(
        say(
            f"All five services were asked at once, {seconds(run.span(services))} in all; "
            f"your program waited for every one, and your output shows {shown} up and names "
            f"{named} as down.",
            services,
            mistake="passed",
        ),
        timed=True,
    )


def gave_up(run: Run) -> Verdict | None:
    """gather() without return_exceptions: its first failure came out of the await while
    other calls of it were still running (main() stopped waiting before they ended)."""
    services = run.calls("fetch_service", SERVICE_NAMES)
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
    if len(ran_on) == 1:
        fate = fate.replace("them", "it").replace("they ran", "it ran")
    return failed(
        say(
            f"gather() gave up at {seconds(stopped)}: {first.coro} failed with "
            f"{first.error.text if first.error else 'an error'}, and its exception came "
            f"straight out of the await while {labels(ran_on)} "
            f"{'was' if len(ran_on) == 1 else 'were'} still running; "
            f"{'its result' if len(ran_on) == 1 else 'their results'} never reached you "
            f"({fate}). Pass return_exceptions=True: gather() then waits for all five and "
            "hands back each failure in place of its result.",
            [first, *ran_on],
            mistake="gave-up",
        ),
        timed=True,
    )
