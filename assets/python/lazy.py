async def hello():
    print("hello from inside the async function")
    return 5

coro = hello()            # nothing printed: the body has not run
try:
    coro.send(None)       # now it prints
except StopIteration as stop:
    print(stop.value)     # 5
