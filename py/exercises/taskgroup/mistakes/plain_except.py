"""A plain except ValueError around the TaskGroup: it never matches the ExceptionGroup.

Mistake: plain-except
"""

import asyncio

BOOKINGS = [("flight", 1.0), ("hotel", 0.6), ("car", 0.2)]


def close(item: str) -> None:
    print(f"{item}: connection closed")


async def book(item: str, seconds: float) -> str:
    print(f"{item}: booking")
    try:
        await asyncio.sleep(seconds)
        if item == "car":
            raise ValueError("no cars left")
        return f"{item} booked"
    finally:
        close(item)


async def main() -> None:
    try:
        async with asyncio.TaskGroup() as tg:
            for item, seconds in BOOKINGS:
                tg.create_task(book(item, seconds))
        print("trip booked")
    except ValueError as error:
        print(f"trip not booked: {error}")


asyncio.run(main())
