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
    # Load the three WIDGETS at once: gather() or a TaskGroup?


async def transfer() -> None:
    """All or nothing: when one step fails, the others must not finish."""
    # Run the three STEPS at once: gather() or a TaskGroup?


async def main() -> None:
    await dashboard()
    await transfer()


asyncio.run(main())
