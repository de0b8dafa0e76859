"""close() after the await, not in finally: skipped for the cancelled and the failed booking.

Feedback: put close(item) in a finally: block
"""

import asyncio

BOOKINGS = [("flight", 0.3), ("hotel", 0.2), ("car", 0.1)]


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
