import asyncio, sys, threading, urllib.request

class Request:
    def __init__(self, url):
        self.url = url
        print(f"Request({url}): thread started")
        self.thread = threading.Thread(target=self.run)
        self.thread.start()            # the download starts at creation

    def run(self):
        with urllib.request.urlopen(self.url) as response:
            self.size = len(response.read())

    def __await__(self):
        yield                          # give control back once...
        self.thread.join()             # ...then block the loop until the download ends
        return self.size

async def main(urls):
    reqs = [Request(u) for u in urls]  # all threads start before the first await
    total = 0
    for r in reqs:
        size = await r
        print(f"{size} bytes from {r.url}")
        total += size
    return total

async def ticker():
    for n in range(1, 6):
        print(f"tick {n}")
        await asyncio.sleep(0)         # cannot tick while main is stuck in a join
    return "ticked 5 times"

async def both(urls):
    return await asyncio.gather(main(urls), ticker())

urls = sys.argv[1:] or sys.exit("give page URLs, such as those `pollscope serve` prints")
print(asyncio.run(both(urls)))
