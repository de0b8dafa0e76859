"""gather() without return_exceptions: the first failure ends it while the others run on.

Mistake: gave-up
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
    try:
        results = await asyncio.gather(*(fetch_service(n, s) for n, s in SERVICES))
        for result in results:
            print(result)
    except ConnectionError as error:
        print(f"failed: {error}")


asyncio.run(main())
