"""The same interleaving with asyncio.gather

asyncio's Task does what the hand-written runner does: it resumes each coroutine
whenever it yields. Watch the three counters interleave at every asyncio.sleep(0).
"""

import asyncio


async def count(name, times):
    for i in range(times):
        print(f"  {name}: {i + 1} of {times}")
        # sleep(0) is the cheapest way to hand control back to the loop.
        await asyncio.sleep(0)
    return f"{name}={times}"


async def main():
    return await asyncio.gather(count("a", 3), count("b", 2), count("c", 1))


if __name__ == "__main__":
    print(asyncio.run(main()))
