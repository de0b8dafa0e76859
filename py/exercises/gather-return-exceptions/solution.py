import asyncio

# Five services, and how many seconds each takes to answer. Two of them are down.
SERVICES = [("auth", 0.8), ("billing", 0.2), ("search", 1.0), ("email", 0.6), ("profile", 0.8)]
DOWN = {"billing", "email"}


async def fetch_service(name: str, seconds: float) -> str:
    """Ask a service how it is; raises ConnectionError if it is down."""
    await asyncio.sleep(seconds)
    if name in DOWN:
        raise ConnectionError(f"{name} is not answering")
    return f"{name}: up"


async def main() -> None:
    calls = [fetch_service(name, seconds) for name, seconds in SERVICES]
    # Every call runs to its end; each failure comes back in place of its result.
    results = await asyncio.gather(*calls, return_exceptions=True)
    for (name, _), result in zip(SERVICES, results, strict=True):
        if isinstance(result, Exception):
            print(f"{name}: failed ({result})")
        else:
            print(result)


asyncio.run(main())
