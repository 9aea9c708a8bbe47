"""Reusing a finished coroutine

A coroutine object is one run of its body, not the function itself. Once it has
raised StopIteration, another send(None) raises RuntimeError instead of starting over.
"""


class Remote:
    def __await__(self):
        yield "spam"
        return 5


async def compute():
    return await Remote() * 5


def consume(coro):
    while True:
        try:
            coro.send(None)
        except StopIteration as e:
            return e.value


if __name__ == "__main__":
    coro = compute()
    print(f"first run: {consume(coro)}")
    try:
        # Same object, so there is no fresh frame to run.
        coro.send(None)
    except RuntimeError as e:
        print(f"second send(None): RuntimeError: {e}")
    print(f"a new call works: {consume(compute())}")
