import asyncio

async def work(name, steps):
    for step in range(1, steps + 1):
        print(f"{name}: step {step}")
        await asyncio.sleep(0)
    return steps

async def one_by_one():
    a = await work("a", 2)         # b has not started yet
    b = await work("b", 2)
    return a, b                    # prints a, a, b, b

async def together():
    c, d = await asyncio.gather(work("c", 2), work("d", 2))
    return c, d                    # prints c, d, c, d

print(asyncio.run(one_by_one()))   # (2, 2)
print(asyncio.run(together()))     # (2, 2)
