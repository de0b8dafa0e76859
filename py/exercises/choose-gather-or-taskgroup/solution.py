import asyncio

# Three widgets and three transfer steps, with the seconds each takes. One of each fails.
WIDGETS = [("weather", 0.6), ("news", 1.0), ("stocks", 0.2)]
STEPS = [("debit", 0.6), ("credit", 0.6), ("fraud_check", 0.2)]


async def load_widget(name: str, seconds: float) -> str:
    await asyncio.sleep(seconds)
    if name == "stocks":
        raise ConnectionError("the stocks feed is down")
    return f"{name} widget"


async def transfer_step(name: str, seconds: float) -> str:
    await asyncio.sleep(seconds)
    if name == "fraud_check":
        raise PermissionError("the fraud check flagged this transfer")
    return f"{name} done"


async def dashboard() -> None:
    """Best effort: show every widget that loads, and name the one that fails."""
    # gather() lets every widget load, and hands back the failure in place of its result.
    calls = [load_widget(name, seconds) for name, seconds in WIDGETS]
    results = await asyncio.gather(*calls, return_exceptions=True)
    for (name, _), result in zip(WIDGETS, results, strict=True):
        print(f"{name}: unavailable" if isinstance(result, Exception) else result)


async def transfer() -> None:
    """All or nothing: when one step fails, the others must not finish."""
    # A TaskGroup cancels the other steps as soon as one fails.
    try:
        async with asyncio.TaskGroup() as tg:
            for name, seconds in STEPS:
                tg.create_task(transfer_step(name, seconds))
        print("transfer complete")
    except* PermissionError as failure:
        print(f"transfer cancelled: {failure.exceptions[0]}")


async def main() -> None:
    await dashboard()
    await transfer()


asyncio.run(main())
