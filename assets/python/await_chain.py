class Leaf:
    def __await__(self):
        print("Leaf: not ready; the whole chain suspends")
        yield "from Leaf"          # goes straight up to whoever calls send()
        print("Leaf: ready with 1")
        return 1

async def inner():
    print("inner: awaiting Leaf")
    value = await Leaf()
    print(f"inner: Leaf gave {value}")
    return value + 1

async def middle():
    print("middle: awaiting inner")
    value = await inner()
    print(f"middle: inner gave {value}")
    return value + 1

async def outer():
    print("outer: awaiting middle")
    value = await middle()
    print(f"outer: middle gave {value}")
    return value + 1

coro = outer()
print(coro.send(None))             # 'from Leaf': it passed through inner, middle and outer
try:
    coro.send(None)                # resumes inside Leaf, not at the top of outer
except StopIteration as stop:
    print(stop.value)              # 4
