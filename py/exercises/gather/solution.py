import asyncio

# Five APIs, and how many seconds each takes to answer.
API_CALLS = [("weather", 2.0), ("news", 1.2), ("stocks", 1.6), ("sports", 0.8), ("traffic", 1.4)]


async def call_api(name: str, seconds: float) -> str:
    """Pretend to call an API that answers after `seconds`."""
    await asyncio.sleep(seconds)
    return f"{name}: 200 OK"


async def main() -> None:
    # All five at once; gather() returns their results in the order of its arguments.
    results = await asyncio.gather(*(call_api(name, seconds) for name, seconds in API_CALLS))
    for result in results:
        print(result)


asyncio.run(main())
