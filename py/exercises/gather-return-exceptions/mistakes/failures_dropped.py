"""return_exceptions=True, but only the results are printed: the failures vanish silently.

Mistake: failure-unnamed
"""

import asyncio

SERVICES = [("auth", 0.8), ("billing", 0.2), ("search", 1.0), ("email", 0.6), ("profile", 0.8)]
DOWN = {"billing", "email"}


async def fetch_service(name: str, seconds: float) -> str:
    await asyncio.sleep(seconds)
    if name in DOWN:
        raise ConnectionError(f"{name} is not answering")
    return f"{name}: up"


async def main() -> None:
    results = await asyncio.gather(
        *(fetch_service(n, s) for n, s in SERVICES), return_exceptions=True
    )
    for result in results:
        if not isinstance(result, Exception):
            print(result)


asyncio.run(main())
