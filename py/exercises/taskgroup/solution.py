import asyncio

# What to book, and how many seconds each service takes to answer.
BOOKINGS = [("flight", 1.0), ("hotel", 0.6), ("car", 0.2)]


def close(item: str) -> None:
    """Close the connection to an item's booking service: must happen however booking ends."""
    print(f"{item}: connection closed")


async def book(item: str, seconds: float) -> str:
    """Book one item with its service, then close the connection."""
    print(f"{item}: booking")
    try:
        await asyncio.sleep(seconds)
        if item == "car":
            raise ValueError("no cars left")
        return f"{item} booked"
    finally:
        close(item)  # done, failed or cancelled


async def main() -> None:
    try:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(book(item, seconds)) for item, seconds in BOOKINGS]
        print("trip booked:", ", ".join(task.result() for task in tasks))
    except* ValueError as failure:
        for error in failure.exceptions:
            print(f"trip not booked: {error}")


asyncio.run(main())
