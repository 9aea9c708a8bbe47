import asyncio

async def work(name, steps):
    for step in range(1, steps + 1):
        print(f"{name}: step {step}")
        await asyncio.sleep(0)
    return steps

async def one_by_one():
    a = await work("a", 2)         # b has not started yet
    b = await work("b", 2)
    return a, b                    # says a, a, b, b

async def together():
    c, d = await asyncio.gather(work("c", 2), work("d", 2))
    return c, d                    # says c, d, c, d

async def main():
    # gather wraps c and d in tasks of their own: they start a loop round later
    print(await asyncio.gather(one_by_one(), together()))   # [(2, 2), (2, 2)]

asyncio.run(main())
