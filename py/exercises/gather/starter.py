import asyncio

# Five APIs, and how many seconds each takes to answer.
API_CALLS = [("weather", 2.0), ("news", 1.2), ("stocks", 1.6), ("sports", 0.8), ("traffic", 1.4)]


async def call_api(name: str, seconds: float) -> str:
    """Pretend to call an API that answers after `seconds`."""
    await asyncio.sleep(seconds)
    return f"{name}: 200 OK"


async def main() -> None:
    # One call after another: 7 seconds. Call all five at once with asyncio.gather().
    results = []
    for name, seconds in API_CALLS:
        results.append(await call_api(name, seconds))
    for result in results:
        print(result)


asyncio.run(main())
