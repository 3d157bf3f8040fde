#!/usr/bin/env bash
# End-to-end test of the flagship server: every variant named on the command line must answer a
# few hundred real HTTP requests, over several keep-alive connections, with exactly the bytes the
# serial build answers, write the same access log, and shut down cleanly on SIGTERM.
#
# usage: httpd_e2e_test.sh VARIANT...
#   threaded          examples/httpd/httpd_threaded
#   prism-unconstrained  examples/httpd/httpd_prism without constraints: must fall back to serial
#   prism:SCHED[:override]  examples/httpd/httpd_prism under scheduler SCHED (exact, huecolor,
#                     serial) with constraints from `prism analyze --emit-constraints --binary`
#                     (with the g_stats override if asked), checker on (PRISM_CHECK=1)
#   preload:SCHED[:override]  the unmodified serial build under `prism run` (libprism-preload.so)
#                     with constraints stamped for httpd_serial, checker on
# Under --config=tsan the binaries are built with ThreadSanitizer; any report fails the test.
set -euo pipefail

source tests/lib/wait_for_port.sh

HTTPD_DIR=examples/httpd
DOCROOT=$HTTPD_DIR/docroot
WORK=$(mktemp -d "${TEST_TMPDIR:-/tmp}/httpd_e2e.XXXXXX")
PIDS=()
RUNNER=() # what starts the server binary (prism run ... --), empty: itself

cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# start NAME BINARY [ENV...]: starts the server, waits for its "port=N" line, sets PORT.
start() {
  local name=$1 binary=$2
  shift 2
  [[ -x $binary ]] || fail "$binary is not built"
  : >"$WORK/$name.out"
  env "$@" ${RUNNER[@]+"${RUNNER[@]}"} "$binary" --port 0 --docroot "$DOCROOT" --log "$WORK/$name.log" --fixed-date \
    >"$WORK/$name.out" 2>"$WORK/$name.err" &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  PORT=$(wait_for_port "$WORK/$name.out" "$SERVER_PID") || {
    cat "$WORK/$name.err" >&2
    fail "$name did not report its port"
  }
}

# stop NAME: SIGTERM, then the server must exit 0 without sanitizer reports.
stop() {
  local name=$1 status=0
  sleep 0.5 # let the server see the clients' last FINs, so every variant logs the same closes
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" || status=$?
  if ((status != 0)); then
    cat "$WORK/$name.err" >&2
    fail "$name exited with status $status after SIGTERM"
  fi
  # "prism checker:" opens every report of the runtime's checker
  # (lib/runtime/scheduler.cc, Checker::Start), which then aborts.
  if grep -q "ThreadSanitizer\|AddressSanitizer\|prism checker:" "$WORK/$name.err"; then
    cat "$WORK/$name.err" >&2
    fail "$name: sanitizer or checker report"
  fi
}

# run NAME BINARY [ENV...]: serves the client's requests, keeps transcripts in $WORK/NAME.
run() {
  local name=$1
  start "$@"
  python3 tests/httpd/http_client.py --port "$PORT" --out "$WORK/$name" ||
    fail "$name: client failed (server stderr: $(cat "$WORK/$name.err"))"
  stop "$name"
  sort "$WORK/$name.log" >"$WORK/$name.log.sorted"
}

# compare NAME: transcripts and access log identical to the serial server's.
compare() {
  local name=$1
  diff -r "$WORK/serial" "$WORK/$name" >"$WORK/$name.diff" ||
    fail "$name: responses differ from the serial server's: $(head -c 2000 "$WORK/$name.diff")"
  cmp -s "$WORK/serial.log.sorted" "$WORK/$name.log.sorted" ||
    fail "$name: access log differs from the serial server's"
  echo "ok: $name answered byte for byte like serial"
}

# constraints_for NAME BINARY [override]: prints the path of the analyzer's constraints for
# BINARY (its build-id), made with the g_stats override when asked.
constraints_for() {
  local name=$1 binary=$2 override=${3:-}
  PRISM=cli/prism examples/httpd/analyze.sh ${override:+--override} \
    --emit-constraints "$WORK/$name.constraints" --binary "$binary" \
    >"$WORK/$name.analyze.log" 2>&1 ||
    fail "prism analyze failed: $(cat "$WORK/$name.analyze.log")"
  echo "$WORK/$name.constraints"
}

run serial "$HTTPD_DIR/httpd_serial"
requests=$(wc -l <"$WORK/serial.log")
((requests >= 300)) || fail "only $requests requests logged"
grep -q '^requests ' "$WORK/serial/stats.bin" || fail "/stats has no request counter"
echo "serial: $requests requests answered"

for variant in "$@"; do
  case $variant in
    threaded)
      run threaded "$HTTPD_DIR/httpd_threaded"
      compare threaded
      ;;
    prism-unconstrained)
      run prism-unconstrained "$HTTPD_DIR/httpd_prism" PRISM_SCHEDULER=exact
      grep -q "mode: serial" "$WORK/prism-unconstrained.err" ||
        fail "httpd_prism without constraints did not fall back to serial"
      compare prism-unconstrained
      ;;
    prism:*)
      # prism:SCHED[:override] — constraints from the analyzer, stamped for httpd_prism.
      IFS=: read -r _ scheduler override <<<"$variant"
      name=prism-$scheduler${override:+-override}
      constraints=$(constraints_for "$name" "$HTTPD_DIR/httpd_prism" "$override")
      run "$name" "$HTTPD_DIR/httpd_prism" PRISM_CONSTRAINTS="$constraints" \
        PRISM_SCHEDULER="$scheduler" PRISM_CHECK=1
      grep -q "mode: $scheduler" "$WORK/$name.err" ||
        fail "$name did not run in $scheduler mode: $(cat "$WORK/$name.err")"
      # Nothing made the runtime fall back to serial while serving (a callback
      # registered past it, lib/runtime/bypass.cc).
      if grep -q "^prism: .*running serial" "$WORK/$name.err"; then
        fail "$name fell back to serial: $(cat "$WORK/$name.err")"
      fi
      compare "$name"
      ;;
    preload:*)
      # preload:SCHED[:override] — httpd_serial, not rebuilt, under `prism run`.
      IFS=: read -r _ scheduler override <<<"$variant"
      name=preload-$scheduler${override:+-override}
      constraints=$(constraints_for "$name" "$HTTPD_DIR/httpd_serial" "$override")
      RUNNER=(cli/prism run --constraints "$constraints" --scheduler "$scheduler" --check --)
      run "$name" "$HTTPD_DIR/httpd_serial"
      RUNNER=()
      grep -q "^prism: event base 1 runs under the runtime: $scheduler" "$WORK/$name.err" ||
        fail "$name: the preloaded runtime did not run in $scheduler mode: $(cat "$WORK/$name.err")"
      if grep -q "^prism: .*running serial\|not in the constraints\|no symbol table" \
        "$WORK/$name.err"; then
        fail "$name: a handler was not identified or the runtime fell back: $(cat "$WORK/$name.err")"
      fi
      # Every handler ran as its own row of the matrix, found by its symbol.
      summary=$(grep "^prism: event base 1 ends: $scheduler" "$WORK/$name.err") ||
        fail "$name: no summary line at exit: $(cat "$WORK/$name.err")"
      for handler in on_accept on_conn_read on_signal; do
        grep -qE "[ ,]$handler [1-9]" <<<"$summary" ||
          fail "$name: $handler did not run under the runtime: $summary"
      done
      compare "$name"
      ;;
    *) fail "unknown variant '$variant'" ;;
  esac
done
echo "PASS"
