#!/usr/bin/env python3
"""A server pollscope did not write, to check its timing against: CPython's own
http.server, threading, HTTP/1.1 keep-alive. GET /sleep/<ms>?bytes=<n> sleeps <ms>
milliseconds, then sends the head and the body in two separate writes, as http.server
handlers do.

    python3 assets/servers/slow_http_server.py [PORT]

prints "listening on http://127.0.0.1:PORT" (PORT 0, the default, picks a free one) and
serves until interrupted.
"""
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        url = urlparse(self.path)
        parts = url.path.strip("/").split("/")
        try:
            if len(parts) != 2 or parts[0] != "sleep":
                raise ValueError
            ms = int(parts[1])
            size = int(parse_qs(url.query).get("bytes", ["1000"])[0])
        except ValueError:
            self.send_error(404, "use /sleep/<ms>?bytes=<n>")
            return
        time.sleep(ms / 1000)
        body = b"x" * size
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()  # first write: the head
        self.wfile.write(body)  # second write: the body

    def log_message(self, format, *args):
        pass


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    # Room for 64 connections arriving at once (the default backlog is 5: the rest
    # would wait for SYN retransmits, seconds).
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
