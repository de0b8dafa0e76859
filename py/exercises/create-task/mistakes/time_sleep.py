"""time.sleep() in the coroutine: it holds the whole loop, so the tasks cannot overlap.

Mistake: loop-blocked
"""

import asyncio
import time


async def job(name: str, seconds: float) -> str:
    print(f"{name}: started")
    time.sleep(seconds)
    print(f"{name}: finished")
    return f"{name} done"


async def main() -> None:
    download = asyncio.create_task(job("download", 1))
    resize = asyncio.create_task(job("resize", 2))
    upload = asyncio.create_task(job("upload", 3))
    print(await download, await resize, await upload)


asyncio.run(main())
