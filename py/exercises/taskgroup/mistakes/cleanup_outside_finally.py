"""close() after the await, not in finally: skipped for the cancelled and the failed booking.

Mistake: unclosed
"""

import asyncio

BOOKINGS = [("flight", 1.0), ("hotel", 0.6), ("car", 0.2)]


def close(item: str) -> None:
    print(f"{item}: connection closed")


async def book(item: str, seconds: float) -> str:
    print(f"{item}: booking")
    await asyncio.sleep(seconds)
    if item == "car":
        raise ValueError("no cars left")
    close(item)
    return f"{item} booked"


async def main() -> None:
    try:
        async with asyncio.TaskGroup() as tg:
            for item, seconds in BOOKINGS:
                tg.create_task(book(item, seconds))
        print("trip booked")
    except* ValueError as failure:
        print(f"trip not booked: {failure.exceptions[0]}")


asyncio.run(main())
