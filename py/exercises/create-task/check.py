"""Three jobs of 1, 2 and 3 s, scheduled with create_task() so that they overlap: about 3 s.

The scenario: three jobs that take seconds, so overlapping them saves seconds. Read from the
trace: the job() tasks (or the tasks of a coroutine wrapping each call), who made them, when
each was created, started and ended, whether anything blocked the loop, and whether a task
waited for each to end (an await, gather(), a TaskGroup, wait()). From the lines printed, by
task and time: each job's result, printed once the job ended by the code that waited on it.
Mistakes are looked for first, the most telling first, as futurecoder's message steps are;
the first that fits is the feedback.
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

JOBS = {"download": 1, "resize": 2, "upload": 3}
# Shorter than this, the longest job no longer shows whether they overlapped.
SHORTEST_LONGEST_S = 0.5


def check(run: Run) -> Verdict:
    jobs = run.calls("job", JOBS)
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
        return failed(say(f"No task ran job() in your run. {fix}", mistake="no-tasks"))
    if len(jobs) != len(JOBS):
        made = f"{len(jobs)} job() task{'' if len(jobs) == 1 else 's'}"
        return failed(
            say(
                f"Your run made {made}: {labels(jobs)}; start all three.",
                jobs,
                mistake="wrong-count",
            )
        )
    total = run.span(jobs)
    longest = run.longest(jobs)
    if longest is None or (longest.duration or 0.0) < SHORTEST_LONGEST_S:
        return failed(
            say(
                f"Your jobs took {seconds(longest.duration if longest else None)} at most, so "
                "running them together saves nothing to see: keep job() sleeping its seconds "
                "(1, 2 and 3).",
                jobs,
                mistake="jobs-too-short",
            )
        )
    if run.one_after_another(jobs):
        first, second = sorted(jobs, key=lambda t: t.created)[:2]
        return failed(
            say(
                f"Each task was awaited right after it was created: {second.coro} was only "
                f"created at {seconds(second.created)}, once {first.coro} had finished, so the "
                f"three jobs took {seconds(total)} in all instead of about "
                f"{seconds(longest.duration)}. Create all three tasks first, then await them.",
                jobs,
                mistake="awaited-at-once",
            )
        )
    if any(t.group is not None and t.group.type == "gather" for t in jobs):
        return failed(
            say(
                "Your jobs ran together, but gather() made their tasks. This exercise is about "
                "scheduling them yourself: create each task with asyncio.create_task().",
                jobs,
                mistake="gather-made-tasks",
            )
        )
    if not run.close_to_longest(jobs) or not run.created_before_awaited(jobs):
        return failed(
            say(
                f"Your jobs overlapped only in part: they took {seconds(total)} in all, where "
                f"the longest alone takes {seconds(longest.duration)}. "
                "Create all three tasks before you await any of them.",
                jobs,
                mistake="partly-overlapped",
            ),
            timed=True,
        )
    unfinished = [t for t in jobs if t.state != "done"]
    if unfinished:
        return failed(
            say(
                f"{labels(unfinished)} did not finish: await every task you create.",
                unfinished,
                mistake="unfinished",
            )
        )
    unwaited = [t for t in jobs if not run.waited_on(t)]
    if unwaited:
        one = len(unwaited) == 1
        return failed(
            say(
                f"Nothing waited for {labels(unwaited)} to end: {'it' if one else 'they'} "
                f"ran while {unwaited[0].parent.coro if unwaited[0].parent else 'the program'} "
                "did something else (a sleep is not a wait on a task), so any result printed "
                "did not come from the task. Await each task (or gather them) and print what "
                "it returns.",
                unwaited,
                mistake="not-awaited",
            )
        )
    unprinted = [t for t in jobs if run.shows_result(t) is None]
    if unprinted:
        one = len(unprinted) == 1
        return failed(
            say(
                f"Your jobs overlapped ({seconds(total)} in all), but the result"
                f"{'' if one else 's'} of {labels(unprinted)} {'was' if one else 'were'} never "
                "printed once it came back: await each task and print what it returns.",
                unprinted,
                mistake="results-missing",
            )
        )
    return passed(
        say(
            f"Your three jobs overlapped: {seconds(total)} in all, as long as the longest "
            f"({longest.coro}), not the {seconds(run.total(jobs))} they take one after "
            "another.",
            jobs,
            mistake="passed",
        )
    )
