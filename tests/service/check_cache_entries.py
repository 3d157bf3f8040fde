"""Decodes every cache entry the analyzer wrote and fails on any that is damaged.

usage: check_cache_entries.py local STATE_DIR | redis PORT
A local state directory holds cache/ (entries: a header line 'prism-cache-entry/1 SHA256' then
the payload) and blobs/ (files named by the SHA-256 of their bytes). Temporary files a killed
writer left behind ('*.tmp.*') are never read by the analyzer and are skipped.
"""
import hashlib
import os
import subprocess
import sys

MAGIC = b"prism-cache-entry/1 "


def check_entry(name, data):
    if not data.startswith(MAGIC) or data[len(MAGIC) + 64:len(MAGIC) + 65] != b"\n":
        sys.exit(f"damaged entry {name}: bad header")
    digest = data[len(MAGIC):len(MAGIC) + 64].decode()
    payload = data[len(MAGIC) + 65:]
    if hashlib.sha256(payload).hexdigest() != digest:
        sys.exit(f"damaged entry {name}: checksum mismatch")


def main():
    kind, where = sys.argv[1], sys.argv[2]
    count = 0
    if kind == "local":
        for root, _, files in os.walk(os.path.join(where, "cache")):
            for name in files:
                if ".tmp." in name:
                    continue
                with open(os.path.join(root, name), "rb") as f:
                    check_entry(name, f.read())
                count += 1
        for name in os.listdir(os.path.join(where, "blobs")):
            if ".tmp." in name:
                continue
            with open(os.path.join(where, "blobs", name), "rb") as f:
                if hashlib.sha256(f.read()).hexdigest() != name:
                    sys.exit(f"damaged blob {name}")
            count += 1
    else:
        cli = ["redis-cli", "-p", where, "--no-raw"]
        keys = subprocess.run(["redis-cli", "-p", where, "--scan", "--pattern", "prism:*"],
                              capture_output=True, check=True).stdout.split()
        for key in keys:
            data = subprocess.run(["redis-cli", "-p", where, "--raw", "GET", key],
                                  capture_output=True, check=True).stdout
            # --raw appends one newline.
            check_entry(key.decode(), data[:-1])
            count += 1
        del cli
    if count == 0:
        sys.exit("no entries to check")
    print(f"{count} entries decode")


main()
