"""Driving an async generator by hand

agen.asend(x) does nothing by itself: it returns an awaitable that has to be driven
with send(None) like any coroutine. Watch the Remote yields reach the driver first,
then StopIteration carrying the item, and StopAsyncIteration when the generator ends.
"""


class Remote:
    def __await__(self):
        yield "spam"
        return None


async def ticker(n):
    for i in range(n):
        # Something to suspend on between items, as real I/O would be.
        await Remote()
        x = yield i
        if x is not None:
            print(f"  ticker received {x!r}")


def drive(awaitable):
    # Same loop as for a coroutine: the item comes back in StopIteration.value.
    while True:
        try:
            yielded = awaitable.send(None)
        except StopIteration as e:
            return e.value
        print(f"  send(None) yielded {yielded!r}")


if __name__ == "__main__":
    agen = ticker(3)
    step = agen.asend(None)
    print(f"asend(None) gave {type(step).__name__}; nothing has run yet")
    print(f"item {drive(step)!r}")
    print("asend(4):")
    print(f"item {drive(agen.asend(4))!r}")
    print("asend(None):")
    print(f"item {drive(agen.asend(None))!r}")
    print("asend(None):")
    try:
        drive(agen.asend(None))
    except StopAsyncIteration:
        print("StopAsyncIteration: ticker is finished")
