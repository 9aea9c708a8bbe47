class Signal:
    done = False

class WaitFor:
    def __init__(self, signal):
        self.signal = signal

    def __await__(self):
        while not self.signal.done:
            print("waiter: not done yet")
            yield                  # "not ready", with no word on when to come back

class YieldNow:
    def __await__(self):
        yield

async def waiter(signal):
    await WaitFor(signal)
    print("waiter: the worker is done")
    return "done"

async def worker(signal):
    for step in range(1, 4):
        print(f"worker: step {step}")
        await YieldNow()
    signal.done = True
    return 3

signal = Signal()
tasks = [waiter(signal), worker(signal)]
while tasks:                       # the busy driver: resume every coroutine, every round
    for coro in list(tasks):
        try:
            coro.send(None)
        except StopIteration as stop:
            print(f"finished: {stop.value!r}")
            tasks.remove(coro)
