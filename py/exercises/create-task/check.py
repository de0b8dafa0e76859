"""Three jobs of 1, 2 and 3 s, scheduled with create_task() so that they overlap: about 3 s.

Read from the trace: the job() tasks, who made them, when each was created, started and
ended, and whether anything blocked the loop. The printed output only has to hold the
results. Mistakes are looked for first, the most telling first, as futurecoder's message
steps are; the first that fits is the feedback.
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
from playground.run_view import Run, labels, seconds

JOBS = 3


def check(run: Run) -> Verdict:
    jobs = run.calls("job")
    fix = "Schedule each call with asyncio.create_task(job(...)) first, then await the tasks."
    found = (
        loop_blocked(run)
        or never_awaited(run, "job", fix)
        or crashed(run)
        or ran_in_turn(run, "job()", fix)
    )
    if found is not None:
        return found
    if not jobs:
        return failed(f"No task ran job() in your run. {fix}")
    if len(jobs) != JOBS:
        return failed(
            say(f"Your run made {len(jobs)} job() tasks: {labels(jobs)}; start all three.", jobs)
        )
    total = run.span(jobs)
    longest = run.longest(jobs)
    if run.one_after_another(jobs):
        first, second = sorted(jobs, key=lambda t: t.created)[:2]
        return failed(
            say(
                f"Each task was awaited right after it was created: {second.coro} was only "
                f"created at {seconds(second.created)}, once {first.coro} had finished, so the "
                f"three jobs took {seconds(total)} in all instead of about "
                f"{seconds(longest.duration if longest else None)}. Create all three tasks "
                "first, then await them.",
                jobs,
            )
        )
    if any(t.group is not None and t.group.type == "gather" for t in jobs):
        return failed(
            say(
                "Your jobs ran together, but gather() made their tasks. This exercise is about "
                "scheduling them yourself: create each task with asyncio.create_task().",
                jobs,
            )
        )
    if not run.close_to_longest(jobs) or not run.created_before_awaited(jobs):
        return failed(
            say(
                f"Your jobs overlapped only in part: they took {seconds(total)} in all, where "
                f"the longest alone takes {seconds(longest.duration if longest else None)}. "
                "Create all three tasks before you await any of them.",
                jobs,
            )
        )
    unfinished = [t for t in jobs if t.state != "done"]
    if unfinished:
        return failed(
            say(f"{labels(unfinished)} did not finish: await every task you create.", unfinished)
        )
    unprinted = [t for t in jobs if not run.printed(t.result_as_printed() or "")]
    if unprinted:
        return failed(
            say(
                f"Your jobs overlapped ({seconds(total)} in all), but the results of "
                f"{labels(unprinted)} were never printed: await each task and print what it "
                "returns.",
                unprinted,
            )
        )
    return passed(
        say(
            f"Your three jobs overlapped: {seconds(total)} in all, as long as the longest "
            f"({longest.coro if longest else '?'}), not the {seconds(run.total(jobs))} they "
            "take one after another.",
            jobs,
        )
    )
