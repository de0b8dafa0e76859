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
    # One after another, and the first failure stops everything with a traceback.
    # Ask all five at once with asyncio.gather(), and report every failure.
    for name, seconds in SERVICES:
        print(await fetch_service(name, seconds))


asyncio.run(main())
