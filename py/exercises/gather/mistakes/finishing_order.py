"""Results printed as they come in (as_completed): in the order the calls finished.

Mistake: wrong-order
"""

import asyncio

API_CALLS = [("weather", 2.0), ("news", 1.2), ("stocks", 1.6), ("sports", 0.8), ("traffic", 1.4)]


async def call_api(name: str, seconds: float) -> str:
    await asyncio.sleep(seconds)
    return f"{name}: 200 OK"


async def main() -> None:
    calls = [call_api(name, seconds) for name, seconds in API_CALLS]
    for finished in asyncio.as_completed(calls):
        print(await finished)


asyncio.run(main())
