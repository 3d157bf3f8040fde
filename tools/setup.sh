#!/usr/bin/env bash
# Installs everything Prism needs on Debian 12, from Debian's archive only. Idempotent: when every
# package is already installed it does nothing (and needs no network).
set -euo pipefail

PACKAGES=(
  # Build
  bazel-bootstrap build-essential pkg-config python3
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev libabsl-dev
  # Analyzer: Clang/LLVM 14 LibTooling, and clang itself (its builtin headers, -fsyntax-only floor)
  clang-14 libclang-14-dev libclang-cpp14-dev llvm-14-dev
  # Analyzer binaries' allocator (third_party/BUILD.bazel: analyzer_malloc)
  libjemalloc-dev
  # Runtime
  libevent-dev
  # Analyzer service: Redis client library (the Redis cache backend)
  libhiredis-dev
  # Tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev curl wrk redis-server openssl
  # The installed runtime built into a server outside Bazel (tests/packaging)
  cmake
  # prism report's tests: a real browser (headless, DevTools protocol) and Graphviz for DOT
  chromium fonts-dejavu-core graphviz
  # Corpus of real libevent servers (apt-get source, compile databases)
  dpkg-dev bear autoconf automake libtool bison libncurses-dev
  # deploy/'s test (tests/deploy): YAML for Debian's python3; systemd-analyze, systemd-sysusers
  python3-yaml systemd
)

missing=()
for package in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    SUDO=sudo
  else
    SUDO=
  fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "setup: done" >&2
fi

# Real programs the tests run unmodified (tests/preload): downloaded, never committed.
"$(dirname "$0")/fetch_test_sources.sh" ||
  { echo "setup: could not download the test sources (apt-get source libevent)" >&2; exit 1; }
