"""Driving a coroutine by hand with send(None)

Watch where 'spam' ends up: Remote yields it, but it travels straight past inner()
and compute() to the code calling send(). The awaiting coroutines never see it; they
only see the 5 that Remote returns once it is resumed.
"""


class Remote:
    def __await__(self):
        # The bare yield is the only real suspension point in the whole chain.
        yield "spam"
        return 5


async def inner():
    return await Remote()


async def compute():
    value = await inner()
    return value * 5


def consume(coro):
    # The driver is all an event loop really is: resume until StopIteration.
    while True:
        try:
            yielded = coro.send(None)
        except StopIteration as e:
            print(f"StopIteration({e.value!r})")
            return e.value
        print(f"send(None) yielded {yielded!r}")


if __name__ == "__main__":
    result = consume(compute())
    print(f"compute() returned {result}")
