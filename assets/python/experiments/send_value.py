"""Sending a value into a coroutine

A just-started coroutine has no paused yield to receive a value, so send(5) is refused
with TypeError. After send(None) has run it to its first yield, send(5) becomes the
value of that `x = yield` expression.
"""


class Ask:
    def __await__(self):
        # Whatever the driver sends next becomes x; the awaiting coroutine gets it back.
        x = yield "waiting for a value"
        return x


async def doubler():
    x = await Ask()
    return x * 2


def echo():
    x = yield "ready"
    print(f"echo() received {x!r}")
    yield x


if __name__ == "__main__":
    coro = doubler()
    try:
        coro.send(5)
    except TypeError as e:
        print(f"send(5) first: TypeError: {e}")
    coro.close()

    coro = doubler()
    print(f"send(None) yielded {coro.send(None)!r}")
    try:
        coro.send(5)
    except StopIteration as e:
        print(f"send(5) finished it: StopIteration({e.value!r})")

    # A plain generator follows the same rule.
    gen = echo()
    print(f"next(gen) yielded {next(gen)!r}")
    print(f"gen.send(5) yielded {gen.send(5)!r}")
    gen.close()
