# Sourced by end-to-end tests whose servers print "port=N" on stdout once they listen on an
# ephemeral port (--port 0).

# wait_for_port OUT_FILE PID: prints N from the "port=N" line the server PID writes to OUT_FILE.
# Returns 1, printing nothing, when PID exits first or no such line came within 10 s.
wait_for_port() {
  local out=$1 pid=$2 port
  for _ in $(seq 1 200); do
    port=$(sed -n 's/^port=\([0-9]*\)$/\1/p' "$out")
    if [[ -n $port ]]; then
      echo "$port"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}
