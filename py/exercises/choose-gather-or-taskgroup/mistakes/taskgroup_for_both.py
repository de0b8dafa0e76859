"""A TaskGroup for both: one failing widget cancels the others, and the dashboard shows none.

Mistake: dashboard-lost-by-taskgroup
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
    try:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(load_widget(name, seconds)) for name, seconds in WIDGETS]
        for task in tasks:
            print(task.result())
    except* ConnectionError as failure:
        print(f"dashboard unavailable: {failure.exceptions[0]}")


async def transfer() -> None:
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
