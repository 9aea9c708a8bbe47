import asyncio

class NotYet:
    def __init__(self):
        self.polls_left = 3

    def __await__(self):
        while self.polls_left:
            self.polls_left -= 1
            print("NotYet: not ready")
            yield                  # nobody is told when to come back
        print("NotYet: ready")
        return 7

async def forgetful():
    value = await NotYet()
    print(f"forgetful: got {value}")
    return value

# A busy driver hides the bug: it resumes the coroutine whether or not it should.
coro = forgetful()
while True:
    try:
        coro.send(None)
    except StopIteration as stop:
        print(stop.value)          # 7
        break

# asyncio is waker-driven. (It treats a bare `yield` as sleep(0), so the honest
# equivalent of "Pending with no wake" is a future that nobody will ever resolve.)
async def lost():
    never = asyncio.get_running_loop().create_future()
    await never                    # no set_result anywhere: waits forever

async def main():
    try:
        await asyncio.wait_for(lost(), timeout=0.1)
    except asyncio.TimeoutError:
        print("stuck: nothing will ever wake it")

asyncio.run(main())
