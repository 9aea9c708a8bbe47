import asyncio, sys, urllib.request

def get(url):
    with urllib.request.urlopen(url) as response:
        return len(response.read())

async def fetch(url):
    size = await asyncio.to_thread(get, url)   # the thread starts only when awaited
    print(f"{size} bytes from {url}")
    return size

async def main(urls):
    pages = [fetch(u) for u in urls]           # four coroutines, nothing started
    total = 0
    for page in pages:
        total += await page                    # one at a time: no overlap
    return total

urls = sys.argv[1:] or sys.exit("give page URLs, such as those `pollscope serve` prints")
print(asyncio.run(main(urls)))
