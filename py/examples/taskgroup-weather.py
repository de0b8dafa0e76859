"""Example 3: TaskGroup() weather services

On the timeline: The same four lanes as with gather(), now inside a TaskGroup: main() leaves
the async with block only when the last task ends, at 1.5 s.

The lesson's printed output matches what this code prints.
Only the measured times vary, by a few milliseconds.
"""
import asyncio
import time
from typing import Any

async def fetch_weather_service(service_name: str, delay: float) -> dict[str, Any]:
    """Simulate fetching weather from a service."""
    print(f"[{service_name}] Fetching weather...")
    await asyncio.sleep(delay)
    return {
        "service": service_name,
        "temperature": 72,
        "conditions": "Partly cloudy",
    }

async def main() -> None:
    """Fetch using TaskGroup (structured concurrency)."""
    start = time.time()

    try:
        async with asyncio.TaskGroup() as tg:
            # Create tasks within the group
            task1 = tg.create_task(fetch_weather_service("OpenWeatherMap", 1))
            task2 = tg.create_task(fetch_weather_service("WeatherAPI", 1.2))
            task3 = tg.create_task(fetch_weather_service("NOAA", 1.5))
            task4 = tg.create_task(fetch_weather_service("LocalRadar", 0.8))

        # If we get here, all tasks succeeded
        results: list[dict[str, Any]] = [
            task1.result(),
            task2.result(),
            task3.result(),
            task4.result(),
        ]

        elapsed = time.time() - start
        print(f"\nFetched {len(results)} services in {elapsed:.2f}s")
        for result in results:
            print(f"  {result['service']}: {result['conditions']}")

    except ExceptionGroup as eg:
        # If any task failed, all others are cancelled automatically
        print(f"Fetch failed: {eg}")

asyncio.run(main())
