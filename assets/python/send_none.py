import asyncio

async def double(value):
    return value * 2

coro = double(21)          # input by argument: stored in the coroutine at call time
try:
    coro.send(42)          # TypeError: can't send non-None value to a just-started coroutine
except TypeError as error:
    print(error)
coro.close()

# Input through shared state: the receiver waits until another task fills the mailbox.
async def receiver(mailbox, factor):
    print("receiver: waiting for the mailbox")
    value = await mailbox          # suspends until someone sets the result
    print(f"receiver: got {value} from the mailbox")
    return value * factor

async def sender(mailbox):
    print("sender: putting 21 in the mailbox")
    mailbox.set_result(21)         # also schedules the waiting receiver

async def main():
    mailbox = asyncio.get_running_loop().create_future()
    result, _ = await asyncio.gather(receiver(mailbox, 2), sender(mailbox))
    print(result)                  # 42

asyncio.run(main())
