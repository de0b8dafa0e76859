"""A best-effort dashboard (gather) and an all-or-nothing transfer (TaskGroup), told apart by
what each did when one of its calls failed.

The scenario: in each job one call fails long before the others end (0.2 s against 0.6 s and
more), so whether they then ran on or were cancelled shows. Read from the trace, for each
job: which call failed, and whether the others then ran to their end (partial results kept)
or were cancelled by the failure (all or nothing); from the lines printed, by task and time:
each widget's result printed once it loaded, the failed widget named with its failure, and
the transfer's error reported once it failed. A wrong choice is explained in those terms.
Each job is half the score: one right is half done.
"""

from playground.checks import Message, Verdict, crashed, failed, loop_blocked, passed, say
from playground.run_view import Run, Task, fate, labels, listing, seconds


def check(run: Run) -> Verdict:
    found = loop_blocked(run)
    if found is not None:
        return found
    widgets = run.calls("load_widget", ("weather", "news", "stocks"))
    steps = run.calls("transfer_step", ("debit", "credit", "fraud_check"))
    verdicts = [dashboard(run, widgets), transfer(run, steps)]
    wrong = [message for ok, message in verdicts if not ok]
    if wrong:
        return failed(*wrong, score=(len(verdicts) - len(wrong)) / len(verdicts), timed=True)
    found = crashed(run)
    if found is not None:
        return found
    return passed(*(message for _, message in verdicts), timed=True)


def dashboard(run: Run, widgets: list[Task]) -> tuple[bool, Message]:
    """Best effort: the widgets that did not fail ran to their end, and were shown."""
    broken = [t for t in widgets if t.state == "failed"]
    others = [t for t in widgets if t.state != "failed"]
    if len(widgets) != 3 or not concurrent(run, widgets):
        loaded = f"loaded {labels(widgets)}" if widgets else "made no load_widget() task"
        return False, say(
            f"Your dashboard {loaded}: load all three WIDGETS at once, with gather() or a "
            "TaskGroup.",
            widgets,
            mistake="dashboard-not-concurrent",
        )
    if not broken:
        return False, say(
            "No widget failed in your run, so the dashboard had nothing to survive: keep "
            "load_widget() raising ConnectionError for stocks.",
            widgets,
            mistake="dashboard-nothing-failed",
        )
    first = broken[0]
    lost = [t for t in others if t.state != "done"]
    one = len(lost) == 1
    if lost and all(t.cause is not None and t.cause.kind == "sibling_failed" for t in lost):
        return False, say(
            f"Your dashboard lost {names(lost)}: {'it was' if one else 'they were'} cancelled "
            f"at {seconds(first.ended)}, when {first.coro} failed, because a TaskGroup is all "
            "or nothing. A dashboard should show what it can: gather(..., "
            "return_exceptions=True) keeps every widget that loads.",
            [first, *lost],
            mistake="dashboard-lost-by-taskgroup",
        )
    if lost:
        return False, say(
            f"Your dashboard lost {listing(f'{t.subject}, which {fate(t)}' for t in lost)}: "
            f"when {first.coro} failed, {'its result' if one else 'their results'} never "
            "reached it. Use gather(..., return_exceptions=True), which waits for every widget "
            "and keeps what loads.",
            [first, *lost],
            mistake="dashboard-lost",
        )
    unshown = [t for t in others if run.shows_result(t) is None or not run.waited_on(t)]
    unnamed = [t for t in broken if run.reported(t) is None]
    if unshown or unnamed:
        missing = [*unshown, *unnamed]
        parts = []
        if unshown:
            parts.append(f"the result of {names(unshown)} once it loaded")
        if unnamed:
            parts.append(f"a line naming {names(unnamed)} as failed")
        return False, say(
            f"Your dashboard kept every widget, but never printed {listing(parts)}: print "
            "each widget that loads, from the results you waited for, and a line naming the "
            "one that failed.",
            missing,
            mistake="dashboard-unshown",
        )
    together = run.waited_together(widgets)
    how = "gather() fits" if together and together.wait.kind == "gather" else "best effort fits"
    return True, say(
        f"Best effort: when {first.coro} failed at {seconds(first.ended)}, your dashboard "
        f"still showed {names(others)}, which ran to their end: {how}.",
        widgets,
        mistake="dashboard-passed",
    )


def transfer(run: Run, steps: list[Task]) -> tuple[bool, Message]:
    """All or nothing: when one step failed, the failure cancelled the others."""
    broken = [t for t in steps if t.state == "failed"]
    others = [t for t in steps if t.state != "failed"]
    if len(steps) != 3 or not concurrent(run, steps):
        ran = f"ran {labels(steps)}" if steps else "made no transfer_step() task"
        return False, say(
            f"Your transfer {ran}: run all three STEPS at once, with gather() or a TaskGroup.",
            steps,
            mistake="transfer-not-concurrent",
        )
    if not broken:
        return False, say(
            "No transfer step failed in your run, so there was nothing to undo: keep "
            "transfer_step() raising PermissionError for fraud_check.",
            steps,
            mistake="transfer-nothing-failed",
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
            mistake="transfer-not-all-or-nothing",
        )
    by_failure = [t for t in others if t.cause is not None and t.cause.kind == "sibling_failed"]
    if len(by_failure) != len(others):
        late = [t for t in others if t not in by_failure]
        return False, say(
            f"In your transfer, {listing(f'{t.subject} {fate(t)}' for t in late)}: not "
            f"because {first.coro} failed. A TaskGroup cancels the other steps as soon as one "
            "fails.",
            [first, *late],
            mistake="transfer-cancelled-otherwise",
        )
    reason = first.error.message if first.error else ""
    told = run.prints(after=first.ended or 0.0)
    if not any(reason and reason in line.text for line in told):
        return False, say(
            f"Your transfer stopped every step when {first.coro} failed, but never said why: "
            "print a line saying it was cancelled, with the error.",
            [first],
            mistake="transfer-unexplained",
        )
    cancelled = f"cancelled {names(others)} before they finished" if others else "stopped"
    return True, say(
        f"All or nothing: when {first.coro} failed at {seconds(first.ended)}, your transfer "
        f"{cancelled}: a TaskGroup fits.",
        steps,
        mistake="transfer-passed",
    )


def concurrent(run: Run, tasks: list[Task]) -> bool:
    return run.overlapped(tasks) and not run.one_after_another(tasks)


def names(tasks: list[Task]) -> str:
    return listing(str(t.subject) for t in tasks)
