"""Threads behind an awaitable: sequential versus concurrent

Request starts its download thread when it is created, yields once, then joins the
thread. Driven one coroutine at a time the downloads add up; driven by a round-robin
runner, every thread starts in the first round and the waits overlap.

Usage: python3 threaded_request.py [URL ...]  (no URLs: a local test server is used)
"""

import http.server
import sys
import threading
import time
import urllib.request

PAGE = b"x" * 1000


class Request:
    def __init__(self, url):
        self.url = url
        self.size = None
        self.error = None
        # The work starts here, at creation, not when someone awaits.
        self.thread = threading.Thread(target=self.fetch)
        self.thread.start()

    def fetch(self):
        try:
            self.size = len(urllib.request.urlopen(self.url, timeout=10).read())
        except Exception as e:  # handed to the awaiting coroutine instead of lost
            self.error = e

    def __await__(self):
        # One yield lets the driver start other requests before we block on join().
        yield
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.size


async def get_size(url):
    return await Request(url)


def run(coro):
    while True:
        try:
            coro.send(None)
        except StopIteration as e:
            return e.value


def runner(coros):
    values = [None] * len(coros)
    pending = list(enumerate(coros))
    while pending:
        still = []
        for index, coro in pending:
            try:
                coro.send(None)
            except StopIteration as e:
                values[index] = e.value
            else:
                still.append((index, coro))
        pending = still
    return values


class SlowHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        # Stands in for network latency so the overlap is visible in the timings.
        time.sleep(0.2)
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format, *args):
        pass


def start_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowHandler)
    server.daemon_threads = True
    # A short poll interval keeps shutdown() from waiting half a second.
    serve = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    serve.start()
    # A proxy from the environment must not intercept the local server.
    urllib.request.install_opener(urllib.request.build_opener(urllib.request.ProxyHandler({})))
    port = server.server_address[1]
    return server, [f"http://127.0.0.1:{port}/page{i}" for i in range(3)]


def main():
    server = None
    urls = sys.argv[1:]
    if not urls:
        server, urls = start_server()
    try:
        start = time.perf_counter()
        total = 0
        for url in urls:
            total += run(get_size(url))
        print(f"sequential: {total} bytes in {time.perf_counter() - start:.2f} s")

        start = time.perf_counter()
        coros = [get_size(url) for url in urls]
        total = sum(runner(coros))
        print(f"concurrent: {total} bytes in {time.perf_counter() - start:.2f} s")
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()


if __name__ == "__main__":
    main()
