"""gather() awaited inside the loop, one call at a time: the calls still run in turn (7 s).

Mistake: one-after-another
"""

import asyncio

API_CALLS = [("weather", 2.0), ("news", 1.2), ("stocks", 1.6), ("sports", 0.8), ("traffic", 1.4)]


async def call_api(name: str, seconds: float) -> str:
    await asyncio.sleep(seconds)
    return f"{name}: 200 OK"


async def main() -> None:
    for name, seconds in API_CALLS:
        (result,) = await asyncio.gather(call_api(name, seconds))
        print(result)


asyncio.run(main())
