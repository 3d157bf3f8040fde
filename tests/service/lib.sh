# Shared by the service tests: start prism-analyzer replicas and redis-server on loopback with
# ephemeral ports, stop them at exit. Source after setting $work (a scratch directory).
analyzer_bin=services/analyzer/service/prism-analyzer
prism=cli/prism
pids=()
# prism submit remembers what each TU read (cli/scan_cache.h): keep that inside the test.
export XDG_CACHE_HOME=$work/client-cache
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
fail() {
  echo "FAIL: $*"
  for log in "$work"/*.log; do [[ -f $log ]] && { echo "--- $log"; tail -20 "$log"; }; done
  exit 1
}

# start_analyzer NAME ARGS...: starts a replica; sets ${NAME}_addr.
start_analyzer() {
  local name=$1
  shift
  "$analyzer_bin" --listen=127.0.0.1:0 --jobs=2 "$@" >"$work/$name.out" 2>"$work/$name.log" &
  pids+=($!)
  local line=""
  for _ in $(seq 100); do
    line=$(sed -n 's/^listening on //p' "$work/$name.out" 2>/dev/null || true)
    [[ -n $line ]] && break
    sleep 0.1
  done
  [[ -n $line ]] || fail "$name did not start"
  printf -v "${name}_addr" '%s' "$line"
}

# A free loopback port, for servers (redis) that cannot be told to pick one.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
