class YieldNow:
    def __await__(self):
        yield

async def download():
    print("download: started")
    try:
        await YieldNow()
    except GeneratorExit:          # what close() throws in; Rust runs Drop instead
        print("download: cancelled while suspended")
        raise
    print("download: finished")    # never runs: nobody resumes it
    return 42

coro = download()
coro.send(None)                    # one try: it starts and suspends (no StopIteration)
print("caller: the download is suspended; cancelling it")
coro.close()                       # the nearest thing to Rust's drop(download)
print("caller: moved on")
# asyncio's task.cancel() throws CancelledError in instead, and the coroutine may catch it.
