import threading, requests

class Request:
    def __init__(self, url):
        self.result = None
        self.thread = threading.Thread(target=self.run, args=(url,))
        self.thread.start()            # the download starts at creation

    def run(self, url):
        self.result = requests.get(url)

    def __await__(self):
        yield                          # give control back once...
        self.thread.join()             # ...then block until the download ends
        return self.result

async def main(urls):
    reqs = [Request(u) for u in urls]  # all threads start before the first await
    total = 0
    for r in reqs:
        total += len((await r).content)
    return total
