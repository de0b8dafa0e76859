"""A best-effort dashboard (gather) and an all-or-nothing transfer (TaskGroup), told apart by
what each did when one of its calls failed.

Read from the trace, for each job: which call failed, and whether the others then ran to
their end (partial results kept) or were cancelled by the failure (all or nothing). A wrong
choice is explained in those terms. Each job is half the score: one right is half done.
"""

from playground.checks import Message, Verdict, crashed, failed, loop_blocked, passed, say
from playground.run_view import Run, Task, fate, labels, listing, seconds


def check(run: Run) -> Verdict:
    found = loop_blocked(run)
    if found is not None:
        return found
    widgets = run.calls("load_widget")
    steps = run.calls("transfer_step")
    verdicts = [dashboard(run, widgets), transfer(run, steps)]
    wrong = [message for ok, message in verdicts if not ok]
    if wrong:
        return failed(*wrong, score=(len(verdicts) - len(wrong)) / len(verdicts))
    found = crashed(run)
    if found is not None:
        return found
    return passed(*(message for _, message in verdicts))


def dashboard(run: Run, widgets: list[Task]) -> tuple[bool, Message]:
    """Best effort: the widgets that did not fail ran to their end, and were shown."""
    broken = [t for t in widgets if t.state == "failed"]
    others = [t for t in widgets if t.state != "failed"]
    if len(widgets) != 3 or not broken or not concurrent(run, widgets):
        return False, say(
            f"Your dashboard loaded {labels(widgets) or 'no widget'}: load all three WIDGETS at "
            "once, with gather() or a TaskGroup.",
            widgets,
        )
    first = broken[0]
    lost = [t for t in others if t.state != "done"]
    if lost and all(t.cause is not None and t.cause.kind == "sibling_failed" for t in lost):
        return False, say(
            f"Your dashboard lost {names(lost)}: they were cancelled at "
            f"{seconds(first.ended)}, when {first.coro} failed, because a TaskGroup is all or "
            "nothing. A dashboard should show what it can: gather(..., "
            "return_exceptions=True) keeps every widget that loads.",
            [first, *lost],
        )
    if lost:
        return False, say(
            f"Your dashboard lost {names(lost)} ({'; '.join(fate(t) for t in lost)}): when "
            f"{first.coro} failed, the others' results never reached it. Use gather(..., "
            "return_exceptions=True), which waits for every widget and keeps what loads.",
            [first, *lost],
        )
    unshown = [t for t in others if not run.printed(t.result_as_printed() or "")]
    if unshown or not run.printed(str(first.arg(0))):
        missing = [*unshown, *([] if run.printed(str(first.arg(0))) else [first])]
        return False, say(
            f"Your dashboard kept every widget, but never showed {names(missing)}: print each "
            "widget that loads, and a line naming the one that failed.",
            missing,
        )
    return True, say(
        f"Best effort: when {first.coro} failed at {seconds(first.ended)}, your dashboard "
        f"still showed {names(others)}, which ran to their end: gather() fits.",
        widgets,
    )


def transfer(run: Run, steps: list[Task]) -> tuple[bool, Message]:
    """All or nothing: when one step failed, the failure cancelled the others."""
    broken = [t for t in steps if t.state == "failed"]
    others = [t for t in steps if t.state != "failed"]
    if len(steps) != 3 or not broken or not concurrent(run, steps):
        return False, say(
            f"Your transfer ran {labels(steps) or 'no step'}: run all three STEPS at once, "
            "with gather() or a TaskGroup.",
            steps,
        )
    first = broken[0]
    finished = [t for t in others if t.state == "done"]
    if finished:
        return False, say(
            f"Your transfer was not all or nothing: {names(finished)} finished at "
            f"{seconds(max(t.ended or 0 for t in finished))} although {first.coro} failed at "
            f"{seconds(first.ended)}, so the money moved half-way. gather() lets the others "
            "run on; a TaskGroup cancels them as soon as one fails.",
            [first, *finished],
        )
    by_failure = [t for t in others if t.cause is not None and t.cause.kind == "sibling_failed"]
    if len(by_failure) != len(others):
        late = [t for t in others if t not in by_failure]
        return False, say(
            f"Your transfer's {names(late)} {'; '.join(fate(t) for t in late)}: not because "
            f"{first.coro} failed. A TaskGroup cancels the other steps as soon as one fails.",
            [first, *late],
        )
    if not run.printed(first.error.message if first.error else "?"):
        return False, say(
            f"Your transfer stopped every step when {first.coro} failed, but never said why: "
            "print a line saying it was cancelled, with the error.",
            [first],
        )
    return True, say(
        f"All or nothing: when {first.coro} failed at {seconds(first.ended)}, your transfer "
        f"cancelled {names(others)} before they finished: a TaskGroup fits.",
        steps,
    )


def concurrent(run: Run, tasks: list[Task]) -> bool:
    return run.overlapped(tasks) and not run.one_after_another(tasks)


def names(tasks: list[Task]) -> str:
    return listing(str(t.arg(0)) for t in tasks)
