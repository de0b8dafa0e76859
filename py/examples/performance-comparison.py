"""Sequential vs concurrent performance

On the timeline: For the first 5 s there is only main(), waiting on one sleep after another;
then five lanes start together at 5 s and end together at 6 s: the same five calls in 1 s.

The lesson's printed output matches what this code prints.
Only the measured times vary, by a few milliseconds (e.g. 5.01s for 5.00s).
"""
import asyncio
import time
from typing import Any

async def simulated_api_call(duration: float) -> dict[str, Any]:
    """Simulate an API call with given duration."""
    await asyncio.sleep(duration)
    return {"status": "ok", "duration": duration}

async def sequential_approach() -> list[dict[str, Any]]:
    """Fetch 5 APIs sequentially."""
    results = []
    for i in range(5):
        result = await simulated_api_call(1)
        results.append(result)
    return results

async def concurrent_approach() -> list[dict[str, Any]]:
    """Fetch 5 APIs concurrently."""
    return await asyncio.gather(
        simulated_api_call(1),
        simulated_api_call(1),
        simulated_api_call(1),
        simulated_api_call(1),
        simulated_api_call(1),
    )

async def main() -> None:
    """Compare performance."""
    print("Sequential approach:")
    start = time.time()
    results_seq = await sequential_approach()
    time_seq = time.time() - start
    print(f"  Time: {time_seq:.2f}s")

    print("\nConcurrent approach:")
    start = time.time()
    results_conc = await concurrent_approach()
    time_conc = time.time() - start
    print(f"  Time: {time_conc:.2f}s")

    print(f"\nSpeedup: {time_seq / time_conc:.1f}x faster!")
    print(f"Results match: {len(results_seq) == len(results_conc)}")

asyncio.run(main())
