"""Example 4: gather(return_exceptions=True)

On the timeline: Three lanes of 0.5 s; ServiceB's ends failed, yet its siblings run on to
the end, and gather() hands its error back as a value beside their results.

The lesson's printed output matches what this code prints.
"""
import asyncio
from typing import Any

async def fetch_service(name: str, should_fail: bool = False) -> dict[str, Any]:
    """Fetch from a service (might fail)."""
    await asyncio.sleep(0.5)
    if should_fail:
        raise ConnectionError(f"Could not reach {name}")
    return {"service": name, "data": "Success"}

async def main() -> None:
    """Fetch from multiple services, tolerating some failures."""
    results = await asyncio.gather(
        fetch_service("ServiceA"),
        fetch_service("ServiceB", should_fail=True),  # This will fail
        fetch_service("ServiceC"),
        return_exceptions=True,  # Collect exceptions instead of raising
    )

    print(f"Collected {len(results)} results:")
    for i, result in enumerate(results, 1):
        if isinstance(result, Exception):
            print(f"  [{i}] Failed: {result}")
        else:
            print(f"  [{i}] Success: {result['service']}")

asyncio.run(main())
