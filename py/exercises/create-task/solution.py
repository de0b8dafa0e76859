import asyncio


async def job(name: str, seconds: float) -> str:
    """Pretend to work for `seconds`, then say it is done."""
    print(f"{name}: started")
    await asyncio.sleep(seconds)
    print(f"{name}: finished")
    return f"{name} done"


async def main() -> None:
    # All three are scheduled before any is awaited, so they overlap: about 3 seconds.
    download = asyncio.create_task(job("download", 1))
    resize = asyncio.create_task(job("resize", 2))
    upload = asyncio.create_task(job("upload", 3))
    print(await download, await resize, await upload)


asyncio.run(main())
