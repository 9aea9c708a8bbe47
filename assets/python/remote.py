class Remote:
    def __await__(self):
        yield "sent up to the driver"   # goes to whoever calls send(), not to outer()
        return 5

async def outer():
    value = await Remote()
    print(f"Remote gave {value}")
    return value * 5

coro = outer()
print(coro.send(None))    # 'sent up to the driver'
try:
    coro.send(None)
except StopIteration as stop:
    print(stop.value)     # 25
