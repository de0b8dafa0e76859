"""Each task awaited as soon as it is created: the jobs still run one after another (6 s).

Mistake: awaited-at-once
"""

import asyncio


async def job(name: str, seconds: float) -> str:
    print(f"{name}: started")
    await asyncio.sleep(seconds)
    print(f"{name}: finished")
    return f"{name} done"


async def main() -> None:
    download = await asyncio.create_task(job("download", 1))
    resize = await asyncio.create_task(job("resize", 2))
    upload = await asyncio.create_task(job("upload", 3))
    print(download, resize, upload)


asyncio.run(main())
