"""Coroutine functions called as if calling them ran them: nothing runs, coroutines print.

Mistake: never-awaited
"""

import asyncio


async def job(name: str, seconds: float) -> str:
    print(f"{name}: started")
    await asyncio.sleep(seconds)
    print(f"{name}: finished")
    return f"{name} done"


async def main() -> None:
    download = job("download", 1)
    resize = job("resize", 2)
    upload = job("upload", 3)
    print(download, resize, upload)


asyncio.run(main())
