"""A round-robin event loop in a dozen lines

runner() resumes each unfinished coroutine once per round until every one has raised
StopIteration. Watch the three coroutines interleave, and the one that yields least
finish first.
"""


class Remote:
    def __await__(self):
        yield "spam"
        return None


async def worker(name, rounds):
    for i in range(rounds):
        print(f"  {name}: step {i + 1} of {rounds}")
        await Remote()
    return f"{name} done after {rounds}"


def runner(coros):
    values = [None] * len(coros)
    pending = list(enumerate(coros))
    while pending:
        still = []
        for index, coro in pending:
            try:
                coro.send(None)
            except StopIteration as e:
                values[index] = e.value
            else:
                # Not finished: give it another turn next round.
                still.append((index, coro))
        pending = still
    return values


if __name__ == "__main__":
    for value in runner([worker("a", 3), worker("b", 1), worker("c", 2)]):
        print(value)
