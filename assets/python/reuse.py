async def five():
    print("five() runs")
    return 5

async def reuse():
    coro = five()
    value = await coro
    print(f"got {value}; awaiting the same coroutine again")
    return await coro     # RuntimeError: cannot reuse already awaited coroutine

try:
    reuse().send(None)
except RuntimeError as error:
    print(error)
