import asyncio

# Five services, and how many seconds each takes to answer. Two of them are down.
SERVICES = [("auth", 0.2), ("billing", 0.1), ("search", 0.3), ("email", 0.15), ("profile", 0.25)]
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
