"""gather() without return_exceptions: the first failure ends it while the others run on.

Feedback: gather() gave up at
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
    try:
        results = await asyncio.gather(*(fetch_service(n, s) for n, s in SERVICES))
        for result in results:
            print(result)
    except ConnectionError as error:
        print(f"failed: {error}")


asyncio.run(main())
