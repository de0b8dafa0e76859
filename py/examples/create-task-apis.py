"""Example 1: schedule API calls with create_task()

On the timeline: Three lanes start together; Service-A and Service-C end at 1 s, Service-B
at 1.5 s. The program takes as long as its slowest call, 1.5 s, not the 3.5 s of all three
one after another.

Where the lesson's printed Output differs from what this code prints (the code wins):

- The lesson shows "[Service-A] Done after 1s", "[Service-C] Done after 1s" and
  "[Service-B] Done after 1.5s" lines; the code never prints them.
- The lesson shows 'data': '...'; the code prints the full value, e.g.
  'data': 'Response from Service-A'.
"""
import asyncio

async def fetch_api(api_name: str, delay: float) -> dict[str, str]:
    """Simulate fetching from an API.

    Args:
        api_name: Name of the API service
        delay: Simulated network delay in seconds

    Returns:
        Dictionary with API name and result
    """
    print(f"[{api_name}] Fetching...")
    await asyncio.sleep(delay)
    return {"api": api_name, "data": f"Response from {api_name}"}

async def main() -> None:
    """Schedule multiple API calls concurrently."""
    # Create tasks (they start immediately)
    task1: asyncio.Task[dict[str, str]] = asyncio.create_task(fetch_api("Service-A", 1))
    task2: asyncio.Task[dict[str, str]] = asyncio.create_task(fetch_api("Service-B", 1.5))
    task3: asyncio.Task[dict[str, str]] = asyncio.create_task(fetch_api("Service-C", 1))

    # Collect results
    result1 = await task1
    result2 = await task2
    result3 = await task3

    print(f"All results: {[result1, result2, result3]}")

asyncio.run(main())
