"""Predict, then run: the answers are marked against the run's own trace, never a fixed key,
so they stay right if the program is edited (say, toast made slower than coffee).

Each question of exercise.md has a function here that works its answer out of the run: the
task that ended first, the tasks cancelled and the cause recorded for them, and the coffee
task's state at the moment asked about. Each answer is one of the question's choices.
"""

from playground.checks import Key, Verdict, mark
from playground.run_view import Run, Task, fate, seconds

MOMENT = 0.15  # the moment the coffee-state question asks about, in seconds
STATES = {
    "pending": "pending: created, not yet started",
    "running": "running: executing its code",
    "waiting": "waiting: suspended at an await",
    "done": "done",
    "cancelled": "cancelled",
}
CAUSES = {"run_ended": "asyncio.run() ending", "timeout": "a timeout"}
NO_CANCEL = "nothing: no task is cancelled"


def check(run: Run) -> Verdict:
    return mark(
        run,
        {
            "first-done": first_done,
            "cancelled": cancelled,
            "cancelled-by": cancelled_by,
            "coffee-state": coffee_state,
        },
    )


def first_done(run: Run) -> Key:
    ended = [t for t in run.finish_order(run.calls("make")) if t.ended is not None]
    if not ended:
        return Key("?", "no make() task ended")
    first = ended[0]
    return Key(dish(first), f"{dish(first)} ended first: it {fate(first)}", (first,))


def cancelled(run: Run) -> Key:
    dishes = run.calls("make")
    gone = [t for t in dishes if t.state == "cancelled"]
    answer = frozenset(dish(t) for t in gone) or frozenset({"none of them"})
    first_cancel = min((t.ended or 0.0 for t in gone), default=None)
    told = []
    for task in dishes:
        before = task.ended is not None and first_cancel is not None and task.ended < first_cancel
        if task.state == "done" and before:
            told.append(f"{dish(task)} had already finished, at {seconds(task.ended)}")
        else:
            told.append(f"{dish(task)} {fate(task)}")
    return Key(answer, "; ".join(told), tuple(dishes))


def cancelled_by(run: Run) -> Key:
    gone = [t for t in run.calls("make") if t.state == "cancelled"]
    if not gone:
        return Key(NO_CANCEL, "no task was cancelled")
    task = gone[0]
    cause = task.cause
    if cause is not None and cause.kind == "sibling_failed" and cause.task is not None:
        error = cause.task.error.text if cause.task.error else "an error"
        return Key(
            f"{dish(cause.task)} failing",
            f"{dish(task)} was cancelled when {dish(cause.task)} failed ({error}), and its "
            "TaskGroup cancelled the tasks still going",
            (task, cause.task),
        )
    words = cause.words if cause else "a cause the trace does not know"
    answer = CAUSES.get(cause.kind, words) if cause else words
    return Key(answer, f"{dish(task)} was cancelled by {words}", (task,))


def coffee_state(run: Run) -> Key:
    coffee = next((t for t in run.calls("make") if dish(t) == "coffee"), None)
    state = coffee.state_at(MOMENT) if coffee else None
    if coffee is None or state is None:
        return Key("?", f"no coffee task existed at {seconds(MOMENT)}")
    evidence = f"at {seconds(MOMENT)} coffee was {state}"
    waits = [w for w in coffee.waits if w.start <= MOMENT < w.end]
    if state == "waiting" and waits:
        wait = waits[0]
        evidence = (
            f"at {seconds(MOMENT)} coffee was waiting on {wait.wait.words}, from "
            f"{seconds(wait.start)} to {seconds(wait.end)}: a task runs only between its awaits"
        )
    return Key(STATES.get(state, state), evidence, (coffee,))


def dish(task: Task) -> str:
    return str(task.arg(0))
