"""Errors: gather() vs TaskGroup()

On the timeline: First gather(): API2's lane fails at once while API1 and API3 run on to 1
s. Then the TaskGroup, from 1 s: API2 fails at once again, and this time its siblings are
cancelled the same instant.

The lesson prints no Output block for these fragments, so there is nothing to differ;
the main() that runs them is added here. Note that API2 raises TimeoutError at once,
before any sleep, so the TaskGroup half cancels API1 and API3 immediately and the
program takes about 1s in all (the gather() half).
"""
import asyncio

async def fetch_with_timeout(name: str, delay: float) -> str:
    """Fetch, but might timeout."""
    if delay > 5:
        raise TimeoutError(f"{name} took too long")
    await asyncio.sleep(delay)
    return f"Data from {name}"

async def with_gather() -> None:
    """Gather continues even if one fails."""
    results = await asyncio.gather(
        fetch_with_timeout("API1", 1),
        fetch_with_timeout("API2", 10),  # Will timeout
        fetch_with_timeout("API3", 1),
        return_exceptions=True,  # Key: don't raise on failure
    )
    # Results: ['Data from API1', TimeoutError(...), 'Data from API3']
    # API1 and API3 completed even though API2 failed
    for result in results:
        if isinstance(result, Exception):
            print(f"Failed: {result}")
        else:
            print(f"Success: {result}")

async def with_taskgroup() -> None:
    """TaskGroup cancels all on first failure."""
    try:
        async with asyncio.TaskGroup() as tg:
            task1 = tg.create_task(fetch_with_timeout("API1", 1))
            task2 = tg.create_task(fetch_with_timeout("API2", 10))  # Will timeout
            task3 = tg.create_task(fetch_with_timeout("API3", 1))
    except ExceptionGroup as eg:
        # task1 and task3 were cancelled automatically
        print(f"All tasks failed: {eg}")
        # API1 and API3 never had a chance to complete

async def main() -> None:
    print("With gather():")
    await with_gather()
    print("\nWith TaskGroup():")
    await with_taskgroup()

asyncio.run(main())
