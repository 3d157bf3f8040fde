"""Concurrent clients of the sample servers preload_test.sh runs: each connects, sends its
request (if any), reads until the server closes, and compares the answer.

usage: clients.py hello PORT COUNT   expects "Hello, World!\\n" (libevent's hello-world)
       clients.py echo PORT COUNT    sends "line I\\n", expects "echo: line I\\n" (legacy_server.c)
Exits non-zero, saying what came back, unless every client got its answer."""
import socket
import sys
import threading
import time


def wait_until_listening(port):
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on port {port}")


def exchange(port, request):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        if request:
            s.sendall(request)
        data = b""
        while True:
            chunk = s.recv(100)
            if not chunk:
                return data
            data += chunk


def main():
    mode, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if mode == "hello":
        # hello-world answers (and closes) every connection, the probe's too.
        wait_until_listening(port)
        requests = [(b"", b"Hello, World!\n")] * count
    else:
        requests = [(b"line %d\n" % i, b"echo: line %d\n" % i) for i in range(count)]
    wrong = []

    def client(request, expected):
        answer = exchange(port, request)
        if answer != expected:
            wrong.append(answer)

    threads = [threading.Thread(target=client, args=pair) for pair in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if wrong:
        sys.exit(f"{len(wrong)} of {count} clients got a wrong answer: {wrong[:3]}")


if __name__ == "__main__":
    main()
