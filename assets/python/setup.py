def fetch_later(site):
    print(f"setup for {site}: runs at call time")
    async def body():
        print(f"body for {site}: runs at the first send")
        return len(site)
    return body()

async def main_task():
    coro = fetch_later("python.org")
    print("got the coroutine back; its body has not run")
    return await coro
