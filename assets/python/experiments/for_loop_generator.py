"""A for loop is a generator driver too

Each pass of the for loop resumes countdown() once, just as send(None) resumes a
coroutine. With yield from, the outer generator hands each resume straight through
to the inner one.
"""


def countdown(n):
    while n > 0:
        yield n
        n -= 1


def launch(n):
    # yield from passes the loop's resumes down to countdown without copying items by hand.
    yield from countdown(n)
    yield "liftoff"


if __name__ == "__main__":
    for item in countdown(3):
        print(item)
    print("--- yield from ---")
    for item in launch(2):
        print(item)
