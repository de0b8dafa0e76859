"""Example 5: TaskGroup cancels siblings on failure

On the timeline: Three lanes start together; at 1 s one ends failed and its two 5-second
siblings end cancelled at that same moment: the TaskGroup cancelled them. Their rows in the
table say why.

Where the lesson's printed Output differs from what this code prints (the code wins):

- The lesson shows "TaskGroup failed: ..."; the code prints
  "TaskGroup failed: unhandled errors in a TaskGroup (1 sub-exception)"
  (the same message on Python 3.11 and 3.14).
"""
import asyncio

async def work_on_task(task_id: int, duration: float) -> str:
    """Do work for a task."""
    print(f"Task {task_id} starting (will take {duration}s)")
    await asyncio.sleep(duration)

    if task_id == 2:
        raise ValueError(f"Task {task_id} failed during processing")

    return f"Task {task_id} completed"

async def main() -> None:
    """Demonstrate TaskGroup cancellation on failure."""
    try:
        async with asyncio.TaskGroup() as tg:
            task1 = tg.create_task(work_on_task(1, 5))
            task2 = tg.create_task(work_on_task(2, 1))  # Will fail after 1s
            task3 = tg.create_task(work_on_task(3, 5))

        # If we reach here, all succeeded
        print(f"Results: {task1.result()}, {task2.result()}, {task3.result()}")

    except ExceptionGroup as eg:
        print(f"\nTaskGroup failed: {eg}")
        print("Key point: Task 1 and Task 3 were cancelled automatically!")
        print("(They never reached completion despite having 5s allocated)")

asyncio.run(main())
