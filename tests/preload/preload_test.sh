#!/usr/bin/env bash
# `prism run` on servers nobody here wrote, unmodified: libevent's own sample servers from Debian's
# source package (downloaded by tools/setup.sh, never committed), compiled with the system's cc
# against Debian's libevent, analysed with `prism analyze`, then run under the preloaded runtime.
# Also a server on libevent's 1.x API (legacy_server.c), a stripped binary, a server without
# constraints, a static binary, and the command's errors.
set -euo pipefail

PRISM=cli/prism
LEGACY_SOURCE=tests/preload/legacy_server.c
CLIENTS=$PWD/tests/preload/clients.py
source tests/lib/wait_for_port.sh
SOURCES=${PRISM_TEST_SOURCES:-/var/cache/prism/sources}
WORK=$(mktemp -d "${TEST_TMPDIR:-/tmp}/preload.XXXXXX")
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

sample_dir=$(find "$SOURCES" -maxdepth 2 -type d -path "*/libevent-[0-9]*/sample" | head -n1)
[[ -n $sample_dir ]] ||
  fail "libevent's source package is not in $SOURCES (tools/setup.sh downloads it)"
cd "$WORK"
for sample in hello-world signal-test; do
  cp "$sample_dir/$sample.c" .
  cmp -s "$sample.c" "$sample_dir/$sample.c" || fail "$sample.c is not libevent's own"
  cc -O1 -o "$sample" "$sample.c" -levent || fail "cc $sample.c"
done
cc -O1 -o legacy "$OLDPWD/$LEGACY_SOURCE" -levent || fail "cc legacy_server.c"
PRISM=$OLDPWD/$PRISM

# analyze PROGRAM SOURCE: constraints for PROGRAM's binary.
analyze() {
  "$PRISM" analyze --emit-constraints "$1.constraints" --binary "./$1" "$2" -- \
    >"$1.analysis" 2>&1 || fail "prism analyze $2: $(cat "$1.analysis")"
}
analyze hello-world hello-world.c
analyze signal-test signal-test.c
analyze legacy "$OLDPWD/$LEGACY_SOURCE"

# summary NAME: the line the preloaded runtime prints when a base ends.
summary() {
  grep "^prism: event base 1 ends: " "$1.err" || fail "$1: no summary line: $(cat "$1.err")"
}
# ran NAME HANDLER: HANDLER ran under the runtime, identified by its symbol.
ran() {
  summary "$1" | grep -qE "[ ,]$2 [1-9]" || fail "$1: $2 did not run under the runtime: $(summary "$1")"
}
identified() {
  grep -q "^prism: event base 1 runs under the runtime: exact" "$1.err" ||
    fail "$1 did not run in exact mode: $(cat "$1.err")"
  if grep -q "not in the constraints\|no symbol table\|running serial" "$1.err"; then
    fail "$1: a handler was not identified or the runtime fell back: $(cat "$1.err")"
  fi
}

# hello-world: listens on port 9995 (fixed by the sample), writes "Hello, World!" to each client
# and closes; SIGINT makes it exit cleanly after two seconds.
# hello NAME BINARY [PRISM_RUN_ARGS...]: serves 20 concurrent clients, then SIGINT.
hello() {
  local name=$1 binary=$2
  shift 2
  "$PRISM" run "$@" -- "$binary" >"$name.out" 2>"$name.err" &
  local pid=$!
  PIDS+=("$pid")
  python3 "$CLIENTS" hello 9995 20 || fail "$name: hello-world clients"
  kill -INT "$pid"
  wait "$pid" || fail "$name exited with status $? after SIGINT: $(cat "$name.err")"
  grep -q '^done$' "$name.out" || fail "$name did not shut down its own way: $(cat "$name.out")"
}

hello hello-world ./hello-world --constraints hello-world.constraints
identified hello-world
ran hello-world listener_cb
ran hello-world conn_writecb
ran hello-world signal_cb
echo "ok: hello-world (unmodified) ran its handlers on the runtime, each found by its symbol"

hello hello-unconstrained ./hello-world
grep -q "^prism: event base 1 runs under the runtime: serial" hello-unconstrained.err ||
  fail "without constraints hello-world did not run serial: $(cat hello-unconstrained.err)"
echo "ok: without constraints: serial, and it still serves"

strip -o hello-stripped hello-world # keeps the build-id: the same constraints apply
hello hello-stripped ./hello-stripped --constraints hello-world.constraints
grep -q "has no symbol table" hello-stripped.err ||
  fail "a stripped binary's handlers were taken as identified: $(cat hello-stripped.err)"
grep -q "is not in the constraints: it runs alone" hello-stripped.err ||
  fail "a stripped binary's handlers did not run alone: $(cat hello-stripped.err)"
echo "ok: stripped: no handler identified, each runs alone, and it still serves"

# signal-test: evsignal_new with event_self_cbarg(); the third SIGINT deletes the event from its
# own handler, and the loop ends.
"$PRISM" run --constraints signal-test.constraints -- ./signal-test >signal-test.out 2>signal-test.err &
pid=$!
PIDS+=("$pid")
for _ in $(seq 1 100); do
  grep -q "runs under the runtime" signal-test.err 2>/dev/null && break
  sleep 0.05
done
for _ in 1 2 3; do
  sleep 0.3
  kill -INT "$pid"
done
wait "$pid" || fail "signal-test exited with status $?: $(cat signal-test.err)"
(($(grep -c "signal_cb: got signal 2" signal-test.out) == 3)) ||
  fail "signal-test did not see its three signals: $(cat signal-test.out)"
# Its one handler conflicts with itself (stdout): nothing can run in parallel, so the runtime
# costs nothing and says so.
grep -q "^prism: the constraints let no two handlers run together" signal-test.err ||
  fail "signal-test: an all-conflicting program was not run plainly serial: $(cat signal-test.err)"
echo "ok: signal-test (unmodified): a self-argument signal event deleted from its own handler;" \
  "all-conflicting constraints run serial at no cost"

# legacy_server: event_init, event_set, event_base_set, signal_set, event_once.
"$PRISM" run --constraints legacy.constraints -- ./legacy >legacy.out 2>legacy.err &
pid=$!
PIDS+=("$pid")
port=$(wait_for_port legacy.out "$pid") || fail "legacy_server did not start: $(cat legacy.err)"
python3 "$CLIENTS" echo "$port" 16 || fail "legacy_server clients"
kill -TERM "$pid"
wait "$pid" || fail "legacy_server exited with status $?: $(cat legacy.err)"
grep -q "legacy_server: answered 16" legacy.err || fail "legacy_server: $(cat legacy.err)"
identified legacy
for handler in on_accept on_line on_started on_term; do ran legacy "$handler"; done
echo "ok: libevent 1.x API (event_set, event_base_set, signal_set, event_once) under the runtime"

# The command's own errors, and a program's exit status passed through.
printf 'int main(void) { return 3; }\n' >static.c
cc -static -o static static.c 2>/dev/null || fail "cc -static"
status=0
"$PRISM" run -- ./static 2>static.err || status=$?
((status == 3)) || fail "prism run did not pass the program's exit status through ($status)"
grep -q "is linked statically" static.err || fail "no word about a static binary: $(cat static.err)"
expect_error() { # STATUS MESSAGE ARGS...
  local want=$1 message=$2 status=0
  shift 2
  "$PRISM" run "$@" >/dev/null 2>err.txt || status=$?
  ((status == want)) || fail "prism run $*: status $status, want $want"
  grep -q "$message" err.txt || fail "prism run $*: no '$message' in: $(cat err.txt)"
}
expect_error 2 "no program to run"
expect_error 2 "no program to run" --constraints hello-world.constraints --
expect_error 2 "cannot read constraints" --constraints missing.pb -- ./hello-world
expect_error 2 "unknown scheduler" --scheduler fastest -- ./hello-world
expect_error 2 "needs a number" --workers 0 -- ./hello-world
expect_error 2 "unknown option" --frobnicate -- ./hello-world
expect_error 2 "cannot read the preload library" --preload missing.so -- ./hello-world
expect_error 127 "cannot run './nothing-here'" -- ./nothing-here
echo "ok: errors"
echo PASS
