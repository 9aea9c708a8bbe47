import asyncio

async def work(name, steps):
    done = 0
    try:
        for done in range(1, steps + 1):
            print(f"{name}: step {done} of {steps}")
            if done < steps:
                await asyncio.sleep(0)
        return name
    except asyncio.CancelledError:
        # Python throws into the loser at its await; Rust just drops the future.
        print(f"{name}: cancelled after {done} of {steps} steps")
        raise

async def referee():
    fast = asyncio.create_task(work("fast", 2))
    slow = asyncio.create_task(work("slow", 4))
    # Each is a task of its own: slow keeps stepping until the referee runs again.
    finished, pending = await asyncio.wait({fast, slow}, return_when=asyncio.FIRST_COMPLETED)
    for loser in pending:
        loser.cancel()
    await asyncio.wait(pending)    # let the loser see its CancelledError
    winner = finished.pop().result()
    print(f"referee: {winner} won")
    return winner

print(asyncio.run(referee()))      # fast
