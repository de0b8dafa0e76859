"""gather(return_exceptions=True) for both: the transfer's other steps finish after one fails.

Mistake: transfer-not-all-or-nothing
"""

import asyncio

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
    calls = [load_widget(name, seconds) for name, seconds in WIDGETS]
    results = await asyncio.gather(*calls, return_exceptions=True)
    for (name, _), result in zip(WIDGETS, results, strict=True):
        print(f"{name}: unavailable" if isinstance(result, Exception) else result)


async def transfer() -> None:
    calls = [transfer_step(name, seconds) for name, seconds in STEPS]
    results = await asyncio.gather(*calls, return_exceptions=True)
    for (name, _), result in zip(STEPS, results, strict=True):
        print(f"{name}: cancelled ({result})" if isinstance(result, Exception) else result)


async def main() -> None:
    await dashboard()
    await transfer()


asyncio.run(main())
