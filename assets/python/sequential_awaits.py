import asyncio, urllib.request

def get(url):
    with urllib.request.urlopen(url) as response:
        return len(response.read())

async def fetch(url):
    return await asyncio.to_thread(get, url)   # starts only when awaited

async def main(urls):
    pages = [fetch(u) for u in urls]           # four coroutines, nothing started
    total = 0
    for page in pages:
        total += await page                    # one at a time: no overlap
    return total
