# Shell helpers shared by bench/httpd/run.sh and tools/demo.sh: start and stop one httpd variant,
# drive it with wrk on loopback. Source it; it needs HTTPD_WORK (a scratch directory).

# httpd_start NAME BINARY [VAR=VALUE...]: starts a server on an ephemeral port with the example
# docroot; sets HTTPD_PID and HTTPD_PORT. Returns 1 (with the server's stderr) if it fails.
httpd_start() {
  local name=$1 binary=$2
  shift 2
  : >"$HTTPD_WORK/$name.out"
  env "$@" "$binary" --port 0 --docroot examples/httpd/docroot --log "$HTTPD_WORK/$name.log" \
    >"$HTTPD_WORK/$name.out" 2>"$HTTPD_WORK/$name.err" &
  HTTPD_PID=$!
  HTTPD_NAME=$name
  HTTPD_PORT=
  local _
  for _ in $(seq 1 200); do
    HTTPD_PORT=$(sed -n 's/^port=\([0-9]*\)$/\1/p' "$HTTPD_WORK/$name.out")
    [[ -n $HTTPD_PORT ]] && return 0
    kill -0 "$HTTPD_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "httpd $name did not start:" >&2
  cat "$HTTPD_WORK/$name.err" >&2
  httpd_stop
  return 1
}

# httpd_stop: SIGTERM to the running server; returns its exit status.
httpd_stop() {
  [[ -n ${HTTPD_PID:-} ]] || return 0
  local status=0
  kill -TERM "$HTTPD_PID" 2>/dev/null || true
  wait "$HTTPD_PID" || status=$?
  HTTPD_PID=
  return "$status"
}

# wrk_measure PATH: drives the running server with wrk; prints "REQ_PER_SEC P99_MS".
# WRK_SECONDS (default 3), WRK_CONNECTIONS (default 16), WRK_THREADS (default 1).
wrk_measure() {
  local out
  out=$(wrk -t"${WRK_THREADS:-1}" -c"${WRK_CONNECTIONS:-16}" -d"${WRK_SECONDS:-3}s" --latency \
    "http://127.0.0.1:$HTTPD_PORT$1")
  echo "$out" >"$HTTPD_WORK/wrk-$HTTPD_NAME-${1//\//_}.txt"
  echo "$out" | awk '
    /Requests\/sec:/ { rps = $2 }
    $1 == "99%" {
      v = $2
      if (v ~ /us$/) { sub(/us$/, "", v); p99 = v / 1000 }
      else if (v ~ /ms$/) { sub(/ms$/, "", v); p99 = v }
      else if (v ~ /s$/) { sub(/s$/, "", v); p99 = v * 1000 }
    }
    END { if (rps == "") { print "0 0"; exit 1 } printf "%.0f %.2f\n", rps, p99 }'
}
