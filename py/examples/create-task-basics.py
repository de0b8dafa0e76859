"""create_task(): fetch three users

On the timeline: Three task lanes start together and all end at 1 s: the three waits
overlapped, so the work took 1 s, not 3.

The lesson's printed output matches what this code prints.
"""
import asyncio

async def fetch_user(user_id: int) -> str:
    """Simulate fetching user data."""
    await asyncio.sleep(1)
    return f"User-{user_id}"

async def main() -> None:
    # ❌ Sequential (awaiting immediately): takes 3 seconds
    # result1 = await fetch_user(1)
    # result2 = await fetch_user(2)
    # result3 = await fetch_user(3)
    # Total: 1 + 1 + 1 = 3 seconds

    # ✅ Concurrent (scheduling, then collecting): takes 1 second
    task1 = asyncio.create_task(fetch_user(1))
    task2 = asyncio.create_task(fetch_user(2))
    task3 = asyncio.create_task(fetch_user(3))

    # All three are running now. Collect results:
    result1 = await task1
    result2 = await task2
    result3 = await task3

    print(f"Results: {result1}, {result2}, {result3}")

asyncio.run(main())
