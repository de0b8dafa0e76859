"""gather() given the list of calls itself, not unpacked: it raises TypeError at once.

Mistake: list-to-gather
"""

import asyncio

API_CALLS = [("weather", 2.0), ("news", 1.2), ("stocks", 1.6), ("sports", 0.8), ("traffic", 1.4)]


async def call_api(name: str, seconds: float) -> str:
    await asyncio.sleep(seconds)
    return f"{name}: 200 OK"


async def main() -> None:
    results = await asyncio.gather([call_api(name, seconds) for name, seconds in API_CALLS])
    for result in results:
        print(result)


asyncio.run(main())
