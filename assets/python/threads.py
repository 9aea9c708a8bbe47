import asyncio, sys, urllib.request

def get(url):
    with urllib.request.urlopen(url) as response:
        return len(response.read())

async def fetch_page(url):
    # the thread starts now; awaiting it does not block the event loop
    size = await asyncio.to_thread(get, url)
    print(f"{size} bytes from {url}")
    return size

async def main(urls):
    sizes = await asyncio.gather(*(fetch_page(u) for u in urls))
    print(f"{sum(sizes)} bytes in all")

urls = sys.argv[1:] or sys.exit("give page URLs, such as those `pollscope serve` prints")
asyncio.run(main(urls))
