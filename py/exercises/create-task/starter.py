import asyncio


async def job(name: str, seconds: float) -> str:
    """Pretend to work for `seconds`, then say it is done."""
    print(f"{name}: started")
    await asyncio.sleep(seconds)
    print(f"{name}: finished")
    return f"{name} done"


async def main() -> None:
    # Each job is awaited before the next one starts: 1 + 2 + 3 = 6 seconds.
    # Schedule all three with asyncio.create_task() first, then await the tasks.
    download = await job("download", 1)
    resize = await job("resize", 2)
    upload = await job("upload", 3)
    print(download, resize, upload)


asyncio.run(main())
