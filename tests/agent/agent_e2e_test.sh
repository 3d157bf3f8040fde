#!/usr/bin/env bash
# prism-agent end to end: a real prism-analyzer, a real prism-agent on a Unix socket and the
# flagship server (examples/httpd, built on the runtime with the agent client) started with no
# constraints file. The server starts parallel with the agent's constraints; with the analyzer
# killed the cache still serves; the cache survives an agent restart; a corrupt entry is
# discarded, never served; a re-analysed build's set replaces the cached one; a rebuilt binary (another build-id) never gets the old constraints;
# with the agent stopped or silent the server starts serial and says why; garbage on the socket
# leaves the agent serving; telemetry from a run under load reaches `prism explain --cost`,
# costliest constraint first.
set -euo pipefail
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/agent_e2e.XXXXXX")
source tests/service/lib.sh
source tests/lib/wait_for_port.sh
# Unix socket paths are short (108 bytes): the socket lives under /tmp, not TEST_TMPDIR.
socket_dir=$(mktemp -d /tmp/prism-agent.XXXXXX)
trap 'stop_all; rm -rf "$work" "$socket_dir"' EXIT

agent_bin=services/scheduler-agent/prism-agent
socket=$socket_dir/run/agent.sock
cp examples/httpd/httpd_prism "$work/httpd_prism"
build_id=$(readelf -n "$work/httpd_prism" | sed -n 's/.*Build ID: //p')
[[ -n $build_id ]] || fail "httpd_prism has no build-id"

# The analyzer on a fixed port, so that it can be killed and started again where the agent
# looks for it.
analyzer_port=$(free_port)
start_analyzer central --cache-dir="$work/analyzer" --listen=127.0.0.1:$analyzer_port
# With the statistics override, so that handlers do run in parallel and wait on each other.
"$prism" submit --server "$central_addr" --program httpd_prism --binary "$work/httpd_prism" \
  --overrides examples/httpd/overrides.txt examples/httpd/httpd.c -- -std=gnu11 >"$work/submit.id" 2>"$work/submit.log" ||
  fail "submit: $(cat "$work/submit.log")"

agent_pid=
start_agent() {
  "$agent_bin" --socket="$socket" --cache-dir="$work/agent-cache" \
    --analyzer=127.0.0.1:$analyzer_port --analyzer-check-seconds=1 \
    --telemetry-forward-seconds=1 --refresh-seconds=1 "$@" \
    >"$work/agent.out" 2>>"$work/agent.log" &
  agent_pid=$!
  pids+=("$agent_pid")
  for _ in $(seq 100); do
    grep -q "^listening on unix:$socket$" "$work/agent.out" 2>/dev/null && return
    sleep 0.1
  done
  fail "prism-agent did not start"
}
stop_agent() {
  kill -TERM "$agent_pid"
  wait "$agent_pid" || fail "prism-agent exited with status $? on SIGTERM"
  [[ ! -e $socket ]] || fail "prism-agent left its socket behind"
}

# serve NAME BINARY: starts the server with the agent's socket, checks that it answers a real
# request, stops it; its stderr stays in $work/NAME.err.
serve() {
  local name=$1 binary=$2
  PRISM_AGENT_SOCKET=$socket PRISM_WORKERS=2 "$binary" --port 0 \
    --docroot examples/httpd/docroot --log "$work/$name.access" \
    >"$work/$name.out" 2>"$work/$name.err" &
  local pid=$!
  local port
  port=$(wait_for_port "$work/$name.out" "$pid") || fail "$name did not start: $(cat "$work/$name.err")"
  curl -sf "http://127.0.0.1:$port/index.html" -o "$work/$name.body" || fail "$name: no answer"
  cmp -s "$work/$name.body" examples/httpd/docroot/index.html || fail "$name: wrong body"
  kill -TERM "$pid"
  wait "$pid" || fail "$name exited with status $?"
}
mode_of() { sed -n 's/^httpd: prism runtime mode: //p' "$work/$1.err"; }
expect_mode() {
  local name=$1 want=$2
  [[ $(mode_of "$name") == "$want" ]] ||
    fail "$name: mode '$(mode_of "$name")', expected $want: $(cat "$work/$name.err")"
}
# status_field NAME: one line of `prism-agent --status` (which exits 1 while degraded).
status_field() {
  { "$agent_bin" --status --socket="$socket" 2>&1 || true; } | sed -n "s/^$1: //p"
}

# 1. Cache miss, answered by the analyzer: parallel.
start_agent
[[ $(stat -c %a "$socket") == 660 ]] || fail "socket mode $(stat -c %a "$socket"), expected 660"
serve first "$work/httpd_prism"
expect_mode first exact
[[ $(status_field "requests") == "1 (cache hits 0, fetched 1, not found 0)" ]] ||
  fail "after a miss: $(status_field requests)"
[[ $(status_field "cached sets") == 1 ]] || fail "nothing cached after a fetch"

# 2. The analyzer is killed: the cache answers, and the agent says it is degraded.
kill -9 "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
serve cached "$work/httpd_prism"
expect_mode cached exact
degraded=""
for _ in $(seq 50); do
  degraded=$(status_field degraded)
  [[ $degraded == yes* ]] && break
  sleep 0.1
done
[[ $degraded == yes* ]] || fail "analyzer killed, agent not degraded: $degraded"
set +e
"$agent_bin" --status --socket="$socket" >/dev/null 2>&1
status_exit=$?
set -e
[[ $status_exit == 1 ]] || fail "--status of a degraded agent exited $status_exit, expected 1"

# 3. The cache survives an agent restart (the analyzer still away).
stop_agent
start_agent
serve restarted "$work/httpd_prism"
expect_mode restarted exact

# 4. A rebuilt binary: another build-id never receives the old constraints, neither with the
# analyzer away nor with it back.
mkdir "$work/rebuilt"  # Same program name (the binary's), another build.
new_id=$(python3 tests/agent/rewrite_build_id.py "$work/httpd_prism" "$work/rebuilt/httpd_prism")
[[ $new_id != "$build_id" ]] || fail "the rewritten binary kept its build-id"
serve rebuilt_offline "$work/rebuilt/httpd_prism"
expect_mode rebuilt_offline serial
grep -q "no constraints for build-id $new_id" "$work/rebuilt_offline.err" ||
  fail "rebuilt binary, analyzer away: $(cat "$work/rebuilt_offline.err")"
start_analyzer central --cache-dir="$work/analyzer" --listen=127.0.0.1:$analyzer_port
for _ in $(seq 100); do
  [[ $(status_field degraded) == no ]] && break
  sleep 0.1
done
[[ $(status_field degraded) == no ]] || fail "analyzer back, agent still degraded"
serve rebuilt "$work/rebuilt/httpd_prism"
expect_mode rebuilt serial
grep -q "never served" "$work/rebuilt.err" || fail "rebuilt binary: $(cat "$work/rebuilt.err")"

# 5. A corrupt cache entry is discarded and fetched again, never served.
entries=("$work"/agent-cache/*.constraints)
((${#entries[@]} == 1)) || fail "expected one cache entry: ${entries[*]}"
printf 'garbage' >"${entries[0]}"
serve refetched "$work/httpd_prism"
expect_mode refetched exact
[[ $(status_field "corrupt entries discarded") == 1 ]] || fail "corrupt entry not discarded"

# 6. Garbage bytes on the socket, and a client that disconnects mid-request: the agent stays up.
python3 - "$socket" <<'PY'
import os, socket, sys
for payload in (os.urandom(4096), b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + os.urandom(512), b""):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(payload)
    s.close()
PY
serve after_garbage "$work/httpd_prism"
expect_mode after_garbage exact

# 7. Telemetry: a run under load (CPU-heavy and file routes from concurrent clients) reports its
# waits through the agent; `prism explain --cost` ranks them, costliest first, each with the
# conflicts behind it. Waiting depends on timing, so load is applied until some wait shows.
export PRISM_TELEMETRY_SECONDS=1
PRISM_AGENT_SOCKET=$socket PRISM_WORKERS=2 "$work/httpd_prism" --port 0 \
  --docroot examples/httpd/docroot --log "$work/loaded.access" >"$work/loaded.out" \
  2>"$work/loaded.err" &
loaded_pid=$!
pids+=("$loaded_pid")
loaded_port=$(wait_for_port "$work/loaded.out" "$loaded_pid") || fail "loaded server did not start"
expect_mode loaded exact
costs=""
for round in $(seq 8); do
  clients=()
  for client in 1 2 3 4; do
    (for _ in $(seq 25); do
       curl -sf -o /dev/null "http://127.0.0.1:$loaded_port/render/page$client"
       curl -sf -o /dev/null "http://127.0.0.1:$loaded_port/index.html"
     done) &
    clients+=($!)
  done
  wait "${clients[@]}" || fail "a client of the loaded server failed"
  sleep 2.5  # a runtime report, then an agent forward
  costs=$("$prism" explain --server 127.0.0.1:$analyzer_port --cost httpd_prism --format=json \
          2>&1) || fail "explain --cost: $costs"
  python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1]).get("costs") else 1)' \
    "$costs" && break
done
kill -TERM "$loaded_pid"
wait "$loaded_pid" || fail "loaded server exited with status $?"
unset PRISM_TELEMETRY_SECONDS
python3 - "$costs" "$build_id" <<'PY' || fail "explain --cost: $costs"
import json, sys
r = json.loads(sys.argv[1])
assert r["build_id"] == sys.argv[2], r["build_id"]
costs = r["costs"]
assert costs, "no wait reached the analyzer"
nanos = [int(c.get("wait_nanos", 0)) for c in costs]
assert nanos == sorted(nanos, reverse=True), nanos
for c in costs:
    assert int(c["waits"]) > 0, c
    assert c["waiting"] and c["running"], c
    # Every constraint the analysis states comes with the conflicts behind it.
    if "<handlers not in the constraints>" not in (c["waiting"], c["running"]):
        assert c.get("conflicts"), c
PY
"$prism" explain --server 127.0.0.1:$analyzer_port --cost httpd_prism >"$work/costs.txt"
grep -q "^  1\. .* waits for .* (global\|same context)" "$work/costs.txt" ||
  fail "explain --cost text: $(head -5 "$work/costs.txt")"

# 8. The build re-analysed (now without the override): the agent refreshes the set it cached.
entries=("$work"/agent-cache/*.constraints)
cp "${entries[0]}" "$work/entry.before"
"$prism" submit --server 127.0.0.1:$analyzer_port --program httpd_prism \
  --binary "$work/httpd_prism" examples/httpd/httpd.c -- -std=gnu11 >/dev/null 2>"$work/resubmit.log" ||
  fail "resubmit: $(cat "$work/resubmit.log")"
for _ in $(seq 100); do
  (($(status_field refreshed) >= 1)) && break
  sleep 0.1
done
(($(status_field refreshed) >= 1)) || fail "the re-analysed build's set was not refreshed"
! cmp -s "${entries[0]}" "$work/entry.before" || fail "refreshed, yet the cached entry is unchanged"

# 9. The agent stopped: the server starts serial and says why.
stop_agent
serve no_agent "$work/httpd_prism"
expect_mode no_agent serial
grep -q "no agent at $socket" "$work/no_agent.err" || fail "no agent: $(cat "$work/no_agent.err")"

# 10. A silent agent (a socket that accepts and never answers): serial once the deadline passes.
python3 - "$socket" >"$work/silent.out" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(16)
print("ready", flush=True)
held = []
while True:
    held.append(s.accept()[0])
PY
pids+=($!)
for _ in $(seq 50); do grep -q ready "$work/silent.out" && break; sleep 0.1; done
export PRISM_AGENT_TIMEOUT_MS=300
serve silent "$work/httpd_prism"
unset PRISM_AGENT_TIMEOUT_MS
expect_mode silent serial
grep -q "agent at $socket did not answer within 300 ms" "$work/silent.err" ||
  fail "silent agent: $(cat "$work/silent.err")"

echo "PASS"
