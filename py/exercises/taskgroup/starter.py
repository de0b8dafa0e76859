import asyncio

# What to book, and how many seconds each service takes to answer.
BOOKINGS = [("flight", 1.0), ("hotel", 0.6), ("car", 0.2)]


def close(item: str) -> None:
    """Close the connection to an item's booking service: must happen however booking ends."""
    print(f"{item}: connection closed")


async def book(item: str, seconds: float) -> str:
    """Book one item with its service, then close the connection."""
    print(f"{item}: booking")
    await asyncio.sleep(seconds)
    if item == "car":
        raise ValueError("no cars left")
    close(item)
    return f"{item} booked"


async def main() -> None:
    # One booking after another; the car's failure stops the program with a traceback.
    # Book all three at once in a TaskGroup, close every connection whatever happens, and
    # report the failure with except* ValueError.
    for item, seconds in BOOKINGS:
        print(await book(item, seconds))


asyncio.run(main())
