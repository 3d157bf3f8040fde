#!/usr/bin/env bash
# The installed runtime serves a server built outside Bazel. Installs with //:install into a
# temporary PREFIX (and moves the tree, which must keep working: its package files are
# relocatable), builds counter_server.c with cc and pkg-config and with CMake, each against the
# shared library and the static archive, makes each binary's constraints with `prism analyze`
# (stamped with that binary's build-id), runs it on loopback and checks every reply of several
# concurrent connections and that the runtime ran parallel (exact scheduler, 2 workers, checker
# on, no handler unknown to the constraints). Also: bad PREFIXes are refused, the shared library
# has a SONAME and exports only prism_*, and foreign constraints make the server run serial.
#
# usage: packaging_test.sh   (in Bazel's runfiles: ./install, cli/prism, tests/packaging/*)
set -euo pipefail

source tests/lib/wait_for_port.sh

TEST_DIR=tests/packaging
WORK=$(mktemp -d "${TEST_TMPDIR:-/tmp}/packaging.XXXXXX")
# cmake and pkg-config must find nothing of the user's and write nothing outside WORK.
export HOME=$WORK/home XDG_CACHE_HOME=$WORK/home/.cache
mkdir -p "$HOME"
unset PKG_CONFIG_PATH PKG_CONFIG_LIBDIR CMAKE_PREFIX_PATH CC CFLAGS LDFLAGS
SERVER_PID=

cleanup() {
  if [[ -n $SERVER_PID ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

for tool in cc cmake pkg-config readelf nm python3; do
  command -v "$tool" >/dev/null || fail "$tool is not on PATH ($PATH): run tools/setup.sh"
done

# ---- The install command refuses what it cannot do, with a message and a nonzero status.

# expect_refusal STATUS MESSAGE ARGS...: ./install ARGS... must exit STATUS saying MESSAGE.
expect_refusal() {
  local want_status=$1 message=$2 status=0
  shift 2
  ./install "$@" >"$WORK/refusal.out" 2>&1 || status=$?
  ((status == want_status)) ||
    fail "install $* exited $status, want $want_status: $(cat "$WORK/refusal.out")"
  grep -q "$message" "$WORK/refusal.out" ||
    fail "install $* did not say '$message': $(cat "$WORK/refusal.out")"
}
expect_refusal 2 "no PREFIX given"
expect_refusal 2 "one PREFIX expected" "$WORK/a" "$WORK/b"
: >"$WORK/a-file"
expect_refusal 1 "cannot create PREFIX" "$WORK/a-file/prefix"
echo "ok: bad PREFIXes refused"

# ---- Install, then move the tree: everything below must work from where it now is.

./install "$WORK/staging" >"$WORK/install.log" 2>&1 || fail "install failed: $(cat "$WORK/install.log")"
mv "$WORK/staging" "$WORK/prefix"
PREFIX=$WORK/prefix
for file in include/prism/runtime.h include/prism/runtime.hpp include/prism/annotations.h \
  lib/libprism-runtime.a lib/libprism-runtime.so lib/pkgconfig/prism-runtime.pc \
  lib/cmake/PrismRuntime/PrismRuntimeConfig.cmake \
  lib/cmake/PrismRuntime/PrismRuntimeConfigVersion.cmake; do
  [[ -e $PREFIX/$file ]] || fail "install did not write $file"
done
if grep -rq "$WORK/staging" "$PREFIX/lib/pkgconfig" "$PREFIX/lib/cmake"; then
  fail "package files name the directory they were installed in: not relocatable"
fi

soname=$(readelf -d "$PREFIX/lib/libprism-runtime.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[[ $soname == libprism-runtime.so.0 ]] || fail "SONAME is '$soname', want libprism-runtime.so.0"
[[ -e $PREFIX/lib/$soname ]] || fail "no $soname link beside the library"
exported=$(nm -D --defined-only "$PREFIX/lib/libprism-runtime.so" | awk '{print $3}')
grep -qx prism_runtime_new <<<"$exported" || fail "the shared library does not export prism_runtime_new"
if grep -vq '^prism_' <<<"$exported"; then
  fail "the shared library exports more than the C API: $(grep -v '^prism_' <<<"$exported" | head -5)"
fi
# The archive holds the generated messages too (they are ours, not a system library's).
# (Output to a file, not a pipe: grep -q would stop reading and pipefail fail the writer.)
nm -C --defined-only "$PREFIX/lib/libprism-runtime.a" >"$WORK/archive.nm" 2>/dev/null
grep -q 'prism::v1::ConstraintSet::' "$WORK/archive.nm" ||
  fail "libprism-runtime.a lacks the generated ConstraintSet message"
echo "ok: installed, moved; SONAME $soname; $(wc -l <<<"$exported") symbols exported, all prism_*"

# The preloaded runtime is installed too: a plain libevent program, not linked with Prism, runs
# its timer under it (no constraints here: serial, and the runtime says so).
[[ -e $PREFIX/lib/libprism-preload.so ]] || fail "install did not write lib/libprism-preload.so"
cat >"$WORK/plain.c" <<'C'
#include <event2/event.h>
#include <stdio.h>
static void on_timer(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  puts("timer ran");
}
int main(void) {
  struct event_base *base = event_base_new();
  struct timeval now = {0, 0};
  event_base_once(base, -1, EV_TIMEOUT, on_timer, NULL, &now);
  event_base_dispatch(base);
  event_base_free(base);
  return 0;
}
C
cc -o "$WORK/plain" "$WORK/plain.c" -levent || fail "cc plain.c"
LD_PRELOAD=$PREFIX/lib/libprism-preload.so "$WORK/plain" >"$WORK/plain.out" 2>"$WORK/plain.err" ||
  fail "a plain program under the installed preload failed: $(cat "$WORK/plain.err")"
grep -qx "timer ran" "$WORK/plain.out" || fail "the plain program's timer did not run"
grep -q "^prism: event base 1 runs under the runtime: serial" "$WORK/plain.err" ||
  fail "the installed preload did not take the program's base: $(cat "$WORK/plain.err")"
echo "ok: the installed libprism-preload.so runs an unmodified libevent program"

# The CLI is installed too, and its `prism run` finds the installed preload beside it.
[[ -x $PREFIX/bin/prism ]] || fail "install did not write an executable bin/prism"
"$PREFIX/bin/prism" run -- "$WORK/plain" >"$WORK/run.out" 2>"$WORK/run.err" ||
  fail "the installed prism run failed: $(cat "$WORK/run.err")"
grep -qx "timer ran" "$WORK/run.out" || fail "under the installed prism run, the timer did not run"
grep -q "^prism: event base 1 runs under the runtime: serial" "$WORK/run.err" ||
  fail "the installed prism run did not preload the runtime: $(cat "$WORK/run.err")"
echo "ok: the installed prism run preloads the installed runtime"

# ---- Build the server outside Bazel.

SRC=$WORK/src
mkdir -p "$SRC"
cp "$TEST_DIR/counter_server.c" "$TEST_DIR/CMakeLists.txt" "$SRC/"
export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
WARNINGS=(-std=c11 -Wall -Wextra -Werror)

# build_with_pkg_config OUTPUT PKG_CONFIG_ARGS...: cc with the flags pkg-config gives.
build_with_pkg_config() {
  local output=$1
  shift
  local flags
  flags=$(pkg-config --cflags --libs "$@") || fail "pkg-config $* failed"
  # shellcheck disable=SC2086  # pkg-config's output is a list of flags
  cc "${WARNINGS[@]}" -o "$output" "$SRC/counter_server.c" $flags \
    -Wl,-rpath,"$PREFIX/lib" >"$output.build.log" 2>&1 ||
    fail "cc with pkg-config $* failed: $(cat "$output.build.log")"
}

build_with_pkg_config "$WORK/pc_shared" prism-runtime
build_with_pkg_config "$WORK/pc_static" --static prism-runtime-static
# prism-runtime.pc's own --static flags, where the archive is the only library to be found.
cp -r "$PREFIX" "$WORK/prefix_archive_only"
rm "$WORK/prefix_archive_only"/lib/libprism-runtime.so*
PKG_CONFIG_PATH=$WORK/prefix_archive_only/lib/pkgconfig \
  build_with_pkg_config "$WORK/pc_static_private" --static prism-runtime

cmake -S "$SRC" -B "$WORK/cmake" -DCMAKE_PREFIX_PATH="$PREFIX" \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >"$WORK/cmake.log" 2>&1 ||
  fail "cmake configure failed: $(cat "$WORK/cmake.log")"
cmake --build "$WORK/cmake" >>"$WORK/cmake.log" 2>&1 ||
  fail "cmake --build failed: $(cat "$WORK/cmake.log")"

# expect_linkage BINARY shared|static: the runtime comes from the .so, or is inside BINARY.
expect_linkage() {
  local binary=$1 kind=$2 needs=0
  readelf -d "$binary" >"$binary.dynamic"
  nm "$binary" >"$binary.nm"
  grep -q 'NEEDED.*\[libprism-runtime\.so\.0\]' "$binary.dynamic" && needs=1
  case $kind in
    shared) ((needs == 1)) || fail "$binary does not load libprism-runtime.so.0" ;;
    static)
      ((needs == 0)) || fail "$binary loads libprism-runtime.so.0 instead of holding the archive"
      grep -q ' T prism_runtime_new$' "$binary.nm" || fail "$binary does not hold prism_runtime_new"
      ;;
  esac
}
expect_linkage "$WORK/pc_shared" shared
expect_linkage "$WORK/pc_static" static
expect_linkage "$WORK/pc_static_private" static
expect_linkage "$WORK/cmake/counter_server_shared" shared
expect_linkage "$WORK/cmake/counter_server_static" static
echo "ok: built with pkg-config (shared, static x2) and CMake (shared, static)"

# ---- Constraints for each exact binary, from the same analysis of the source.

# analyze BINARY ANALYZE_ARGS...: writes BINARY.constraints stamped with BINARY's build-id, with
# the installed prism (its analyze verb runs the installed prism-analyze beside it).
analyze() {
  local binary=$1
  shift
  "$PREFIX/bin/prism" analyze --emit-constraints "$binary.constraints" --binary "$binary" "$@" \
    >"$binary.analyze.log" 2>&1 || fail "prism analyze for $binary failed: $(cat "$binary.analyze.log")"
}
PC_CFLAGS=$(pkg-config --cflags prism-runtime)
for binary in pc_shared pc_static pc_static_private; do
  # shellcheck disable=SC2086
  analyze "$WORK/$binary" "$SRC/counter_server.c" -- "${WARNINGS[@]}" $PC_CFLAGS
done
# CMake's compile database says how it compiled the file.
for binary in counter_server_shared counter_server_static; do
  analyze "$WORK/cmake/$binary" -p "$WORK/cmake" "$SRC/counter_server.c"
done

# ---- Serve.

# start NAME BINARY [ENV...]: starts the server, waits for its "port=N" line, sets PORT.
start() {
  local name=$1 binary=$2
  shift 2
  env "$@" "$binary" 0 >"$WORK/$name.out" 2>"$WORK/$name.err" &
  SERVER_PID=$!
  PORT=$(wait_for_port "$WORK/$name.out" "$SERVER_PID") || fail "$name did not report its port: $(cat "$WORK/$name.err")"
}

# stop NAME: SIGTERM; the server must exit 0 with every connection closed.
stop() {
  local name=$1 status=0
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" || status=$?
  SERVER_PID=
  ((status == 0)) || fail "$name exited $status after SIGTERM: $(cat "$WORK/$name.err")"
  grep -q "stopped, 0 connections open" "$WORK/$name.err" ||
    fail "$name did not close every connection: $(cat "$WORK/$name.err")"
}

# serve_parallel NAME BINARY: under its own constraints the runtime must run exact with two
# workers and say nothing: no handler unknown to the constraints (identity through the symbol
# table works), no fallback to serial, no checker report.
serve_parallel() {
  local name=$1 binary=$2
  start "$name" "$binary" PRISM_CONSTRAINTS="$binary.constraints" PRISM_SCHEDULER=exact \
    PRISM_WORKERS=2 PRISM_CHECK=1
  grep -q "prism runtime mode: exact, workers: 2$" "$WORK/$name.err" ||
    fail "$name did not run exact with 2 workers: $(cat "$WORK/$name.err")"
  python3 "$TEST_DIR/counter_client.py" --port "$PORT" >"$WORK/$name.client" 2>&1 ||
    fail "$name: $(cat "$WORK/$name.client") (server stderr: $(cat "$WORK/$name.err"))"
  stop "$name"
  if grep -q "^prism" "$WORK/$name.err"; then
    fail "$name: the runtime reported a problem: $(grep "^prism" "$WORK/$name.err")"
  fi
  echo "ok: $name served in parallel mode ($(cat "$WORK/$name.client"))"
}

serve_parallel pc_shared "$WORK/pc_shared"
serve_parallel pc_static "$WORK/pc_static"
serve_parallel pc_static_private "$WORK/pc_static_private"
serve_parallel cmake_shared "$WORK/cmake/counter_server_shared"
serve_parallel cmake_static "$WORK/cmake/counter_server_static"

# The checks above can tell: constraints made for another binary (the static one: another
# build-id) must leave the server serial, and it still answers correctly.
build_id() { readelf -n "$1" | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p'; }
[[ $(build_id "$WORK/pc_shared") != "$(build_id "$WORK/pc_static")" ]] ||
  fail "pc_shared and pc_static have one build-id: the foreign-constraints check would prove nothing"
start foreign "$WORK/pc_shared" PRISM_CONSTRAINTS="$WORK/pc_static.constraints" PRISM_WORKERS=2
grep -q "prism runtime mode: serial, workers: 0$" "$WORK/foreign.err" ||
  fail "constraints of another binary did not make the runtime serial: $(cat "$WORK/foreign.err")"
python3 "$TEST_DIR/counter_client.py" --port "$PORT" >"$WORK/foreign.client" 2>&1 ||
  fail "serial server: $(cat "$WORK/foreign.client")"
stop foreign
echo "ok: constraints of another binary: serial"
echo "PASS"
