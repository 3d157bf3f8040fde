"""Client for counter_server.c: several connections at once, every reply checked.

Opens --connections connections, sends each --rounds rounds of "incr" and "echo", interleaved
across connections (so invocations of different connections are queued together), then "quit"
and reads every reply until the server closes. Exits 1, naming the first difference, when a
connection's replies are not exactly what the protocol promises.
"""
import argparse
import socket
import sys


def expected_replies(index, rounds):
    replies = []
    for r in range(1, rounds + 1):
        replies.append("count %d" % r)
        replies.append("connection %d round %d" % (index, r))
    replies.append("error unknown command")
    replies.append("bye %d" % (2 * rounds + 2))
    return replies


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()

    conns = [socket.create_connection(("127.0.0.1", args.port), timeout=30)
             for _ in range(args.connections)]
    for r in range(1, args.rounds + 1):
        for index, conn in enumerate(conns):
            conn.sendall(b"incr\necho connection %d round %d\n" % (index, r))
    for conn in conns:
        conn.sendall(b"no such command\nquit\n")

    for index, conn in enumerate(conns):
        received = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            received += chunk
        conn.close()
        got = received.decode().splitlines()
        want = expected_replies(index, args.rounds)
        if got != want:
            for line, (g, w) in enumerate(zip(got + ["<none>"] * len(want), want + ["<none>"] * len(got))):
                if g != w:
                    print("connection %d, reply %d: got %r, want %r" % (index, line + 1, g, w),
                          file=sys.stderr)
                    break
            return 1
    print("ok: %d connections x %d rounds answered exactly" % (args.connections, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
