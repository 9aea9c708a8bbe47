import asyncio

def fetch_later(site):
    print(f"setup for {site}: runs at call time")
    async def body():
        print(f"body for {site}: runs when awaited")
        return len(site)
    return body()

async def main_task():
    coro = fetch_later("python.org")
    print("fetch_later returned; its body has not run")
    return await coro

print(asyncio.run(main_task()))   # 10
