import asyncio
import time

async def ticker(name):
    for tick in range(1, 3):
        print(f"{name}: tick {tick}")
        await asyncio.sleep(0)
    return 2

async def sleeper():
    print("sleeper: sleeping 300 ms without giving up the thread")
    time.sleep(0.3)                # blocks the loop's thread: every task freezes
    # await asyncio.sleep(0.3)     # the async way: suspend, let the others run
    print("sleeper: awake again")
    return "slept"

async def main():
    print(await asyncio.gather(ticker("ticker a"), sleeper(), ticker("ticker b")))

asyncio.run(main())
