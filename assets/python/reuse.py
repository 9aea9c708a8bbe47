import asyncio

async def five():
    print("five() runs")
    return 5

async def reuse():
    coro = five()
    value = await coro
    print(f"got {value}; awaiting the same five() again")
    return await coro     # RuntimeError: cannot reuse already awaited coroutine

async def bystander():
    print("bystander: still running after the reuse failed")
    return "alive"

async def main():
    # The error ends reuse's task only; gather hands it back as that task's result.
    print(await asyncio.gather(reuse(), bystander(), return_exceptions=True))

asyncio.run(main())
