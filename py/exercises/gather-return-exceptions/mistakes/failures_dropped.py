"""return_exceptions=True, but only the results are printed: the failures vanish silently.

Feedback: but your output never mentions them
"""

import asyncio

SERVICES = [("auth", 0.2), ("billing", 0.1), ("search", 0.3), ("email", 0.15), ("profile", 0.25)]
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
