"""Setup at call time, body at first send

make_fetch() is a plain function, so its setup runs the moment it is called. The
coroutine it returns runs none of its body until the first send(None).
"""


class Remote:
    def __await__(self):
        yield "spam"
        return 1000


async def fetch(url):
    print(f"fetch body starts for {url}")
    size = await Remote()
    return size


def make_fetch(url):
    # Eager work happens here, before anyone awaits anything.
    print(f"setting up {url}")
    return fetch(url)


if __name__ == "__main__":
    coro = make_fetch("http://example.invalid/page")
    print("make_fetch returned; about to send(None)")
    print(f"send(None) yielded {coro.send(None)!r}")
    try:
        coro.send(None)
    except StopIteration as e:
        print(f"StopIteration({e.value!r})")
