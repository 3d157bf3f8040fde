#!/usr/bin/env python3
"""A small HTTP/1.1 client for the httpd end-to-end test: records exact response bytes.

Opens --connections keep-alive connections in parallel; each sends a fixed, deterministic
sequence of requests (static files, /render pages, errors, HEAD, a pipelined pair) one after the
other and writes every response byte it received to OUT/conn-N.bin. When all are done, one more
connection fetches /stats and writes it to OUT/stats.bin: by then every earlier request has been
answered, so the counters are the same for every correct server. Before that, malformed requests
(a fixed list, then seeded random ones) go one per connection; their answers land in OUT/bad.bin
and OUT/fuzz.bin. Exits non-zero with a message on any protocol error or timeout.
"""

import argparse
import os
import socket
import sys
import threading

TIMEOUT_SECONDS = 60


def request(method, target, extra=""):
    return (f"{method} {target} HTTP/1.1\r\nHost: test\r\nUser-Agent: prism-e2e\r\n"
            f"{extra}\r\n").encode()


def requests_for(conn_index, count):
    """The deterministic request sequence of one connection."""
    static = ["/", "/style.css", "/docs/", "/docs/lorem.txt", "/docs/index.html"]
    out = []
    for i in range(count):
        k = (i + conn_index) % 9
        if k in (0, 1, 2):
            out.append(("GET", request("GET", static[(i * 7 + conn_index) % len(static)])))
        elif k in (3, 4):
            out.append(("GET", request("GET", f"/render/page-{conn_index}-{i % 5}?rows={8 + i % 24}")))
        elif k == 5:
            out.append(("HEAD", request("HEAD", f"/render/head-{i % 3}")))
        elif k == 6:
            out.append(("GET", request("GET", f"/missing-{i}.html")))
        elif k == 7:
            out.append(("HEAD", request("HEAD", "/docs/lorem.txt")))
        else:
            out.append(("GET", request("GET", "/%64ocs/lorem%2etxt")))  # percent-encoded path
    # Two requests in one write (pipelining), twice, then a forbidden path.
    out.append(("PIPELINE", request("GET", "/style.css") + request("GET", "/render/pipe?rows=4")))
    # A page, then a request that waits in the input while the page renders.
    out.append(("PIPELINE", request("GET", "/render/first?rows=40") + request("GET", "/docs/")))
    out.append(("GET", request("GET", "/docs/../../etc/passwd")))
    return out


class Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise RuntimeError("connection closed by the server mid-response")
        self.buf += chunk

    def response(self, head_only):
        """Returns the raw bytes of one response."""
        while b"\r\n\r\n" not in self.buf:
            self.fill()
        head_end = self.buf.index(b"\r\n\r\n") + 4
        head = self.buf[:head_end].decode("latin-1")
        length = None
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length is None:
            raise RuntimeError(f"response without Content-Length: {head!r}")
        total = head_end + (0 if head_only else length)
        while len(self.buf) < total:
            self.fill()
        out, self.buf = self.buf[:total], self.buf[total:]
        return out


def run_connection(port, conn_index, count, path, errors):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_SECONDS) as sock:
            reader = Reader(sock)
            with open(path, "wb") as out:
                for kind, data in requests_for(conn_index, count):
                    sock.sendall(data)
                    if kind == "PIPELINE":
                        out.write(reader.response(False))
                        out.write(reader.response(False))
                    else:
                        out.write(reader.response(kind == "HEAD"))
    except Exception as e:  # reported by the main thread
        errors.append(f"connection {conn_index}: {e}")


# Malformed requests, each on a fresh connection; each must get an error answer (not a crash).
BAD_REQUESTS = [
    b"garbage\r\n\r\n",
    b"GET / HTTP/2.0\r\n\r\n",
    b"BREW /pot HTTP/1.1\r\n\r\n",
    b"GET /%zz HTTP/1.1\r\n\r\n",
    b"GET /a%00b HTTP/1.1\r\n\r\n",
    b"GET /\r\n\r\n",
    b"GET / HTTP/1.1\r\nno colon here\r\n\r\n",
    b"GET / HTTP/1.1 extra\r\n\r\n",
    b"GET /" + b"x" * 2000 + b" HTTP/1.1\r\n\r\n",
    b"GET /render/x?rows=0 HTTP/1.1\r\n\r\n",
    b"GET /render/x?rows=abc&work=5 HTTP/1.1\r\n\r\n",
    b"GET /docs/index.html HTTP/1.0\r\n\r\n",
    b"GET /..%2f..%2fetc/passwd HTTP/1.1\r\nConnection: close\r\n\r\n",
]


def fuzz_requests(count, seed=5):
    """Deterministic random request heads, each ending the head exactly once."""
    import random
    rng = random.Random(seed)
    methods = [b"GET", b"POST", b"BREW", b"", b"G\x00T", b"get"]
    versions = [b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/1.x", b"", b"FOO/1.1"]
    out = []
    while len(out) < count:
        target = bytes(rng.choice(b"/ab%.?&=\x00\xff \t5") for _ in range(rng.randint(0, 40)))
        head = rng.choice(methods) + b" " + target + b" " + rng.choice(versions) + b"\r\n"
        for _ in range(rng.randint(0, 3)):
            head += bytes(rng.randint(1, 255) for _ in range(rng.randint(0, 30))) + b"\r\n"
        head += b"\r\n"
        if head.find(b"\r\n\r\n") == len(head) - 4:
            out.append(head)
    return out


def run_bad(port, path, requests):
    """One connection per request; records the one answer each gets."""
    with open(path, "wb") as out:
        for data in requests:
            with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_SECONDS) as sock:
                sock.sendall(data)
                out.write(Reader(sock).response(False))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=6)
    parser.add_argument("--requests", type=int, default=60, help="per connection")
    parser.add_argument("--fuzz", type=int, default=100, help="random malformed requests")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    errors = []
    threads = [
        threading.Thread(target=run_connection,
                         args=(args.port, i, args.requests,
                               os.path.join(args.out, f"conn-{i}.bin"), errors))
        for i in range(args.connections)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1
    try:
        run_bad(args.port, os.path.join(args.out, "bad.bin"), BAD_REQUESTS)
        run_bad(args.port, os.path.join(args.out, "fuzz.bin"), fuzz_requests(args.fuzz))
    except Exception as e:
        print(f"malformed requests: {e}", file=sys.stderr)
        return 1
    with socket.create_connection(("127.0.0.1", args.port), timeout=TIMEOUT_SECONDS) as sock:
        sock.sendall(request("GET", "/stats", "Connection: close\r\n"))
        with open(os.path.join(args.out, "stats.bin"), "wb") as out:
            out.write(Reader(sock).response(False))
    total = args.connections * (args.requests + 5) + 1
    print(f"{total} requests over {args.connections + 1} connections, then "
          f"{len(BAD_REQUESTS) + args.fuzz} malformed ones, one connection each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
