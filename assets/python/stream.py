import asyncio

async def numbers():
    for n in (1, 2, 3):
        print(f"numbers: {n} is not ready yet")
        await asyncio.sleep(0)     # suspend, come back for it on the next round
        yield n
    print("numbers: no more items")

async def sum_numbers():
    total = 0
    async for n in numbers():      # each round awaits numbers().__anext__()
        print(f"got {n}")
        total += n
    return total

async def by_hand():
    gen = numbers()
    # asend(None) is __anext__(): one item per await. Rust's poll_next has no
    # value parameter, so there is no asend(value) to get confused by.
    print(await gen.asend(None))   # 1
    print(await gen.__anext__())   # 2

print(asyncio.run(sum_numbers()))  # 6
asyncio.run(by_hand())
