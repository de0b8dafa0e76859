"""Example 2: gather() weather services

On the timeline: Four lanes start together and end at 0.8, 1.0, 1.2 and 1.5 s; main() waits
on gather() until the last one: 1.5 s in all. The results still come back in the order of
the calls.

The lesson's printed output matches what this code prints.
Only the measured times vary, by a few milliseconds.
"""
import asyncio
import time
from typing import Any

async def fetch_weather_service(service_name: str, delay: float) -> dict[str, Any]:
    """Simulate fetching weather from a service.

    Args:
        service_name: Name of the weather service
        delay: Simulated network latency

    Returns:
        Weather data as a dictionary
    """
    print(f"[{service_name}] Fetching weather...")
    await asyncio.sleep(delay)
    return {
        "service": service_name,
        "temperature": 72,
        "conditions": "Partly cloudy",
        "fetched_at": time.time(),
    }

async def main() -> None:
    """Fetch from multiple weather services concurrently."""
    start = time.time()

    # Gather all results concurrently
    results: list[dict[str, Any]] = await asyncio.gather(
        fetch_weather_service("OpenWeatherMap", 1),
        fetch_weather_service("WeatherAPI", 1.2),
        fetch_weather_service("NOAA", 1.5),
        fetch_weather_service("LocalRadar", 0.8),
    )

    elapsed = time.time() - start

    print(f"\nFetched from {len(results)} services in {elapsed:.2f}s")
    for result in results:
        print(f"  {result['service']}: {result['conditions']} at {result['temperature']}°F")

asyncio.run(main())
