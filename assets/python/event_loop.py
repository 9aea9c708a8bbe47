import asyncio

async def chatter(name):
    for line in range(1, 4):
        print(f"{name}: line {line}")
        await asyncio.sleep(0)     # step aside: the loop runs the others first
    return 3

async def main():
    results = await asyncio.gather(chatter("task 0"), chatter("task 1"), chatter("task 2"))
    print(results)                 # [3, 3, 3]

asyncio.run(main())
