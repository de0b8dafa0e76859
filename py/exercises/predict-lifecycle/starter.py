import asyncio


async def make(dish: str, seconds: float) -> str:
    print(f"{dish}: started")
    await asyncio.sleep(seconds)
    if dish == "eggs":
        raise RuntimeError("the eggs burnt")
    print(f"{dish}: ready")
    return dish


async def main() -> None:
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(make("coffee", 0.3))
            tg.create_task(make("toast", 0.1))
            tg.create_task(make("eggs", 0.2))
    except* RuntimeError as failure:
        print(f"breakfast failed: {failure.exceptions[0]}")


asyncio.run(main())
