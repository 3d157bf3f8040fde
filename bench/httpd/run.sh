#!/usr/bin/env bash
# The flagship benchmark: the same HTTP server built serial, on Prism's runtime (huecolor and
# exact schedulers, as analysed and with the programmer's override), the serial build under the
# preloaded runtime (`prism run`, exact with the override) and hand-threaded, driven in
# turn with wrk on loopback on a static-file route and a CPU-heavy route. Prints throughput,
# p99 latency and each variant's ratio to serial, measured side by side in one run.
#
# usage: bench/httpd/run.sh   (ROUNDS, WRK_SECONDS, WRK_CONNECTIONS, BAZEL override the defaults)
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/httpd/lib.sh

BAZEL=${BAZEL:-bazel}
HTTPD_WORK=$(mktemp -d)
trap 'httpd_stop >/dev/null 2>&1 || true; rm -rf "$HTTPD_WORK"' EXIT

targets=(//examples/httpd:httpd_serial //examples/httpd:httpd_threaded)
have_prism=0
if [[ -f lib/runtime/BUILD.bazel ]] && grep -q httpd_prism examples/httpd/BUILD.bazel; then
  targets+=(//examples/httpd:httpd_prism //lib/runtime:libprism-preload.so)
  have_prism=1
fi
# The servers are measured optimized; the analyzer (//cli:prism) is only run, so it is built in
# the default configuration.
echo "building ${targets[*]} (--config=opt) and //cli:prism"
{ $BAZEL build --config=opt "${targets[@]}" && $BAZEL build //cli:prism; } \
  >"$HTTPD_WORK/build.log" 2>&1 || {
  tail -30 "$HTTPD_WORK/build.log"
  exit 1
}
bin=$($BAZEL info --config=opt bazel-bin 2>/dev/null)
prism_cli=$($BAZEL info bazel-bin 2>/dev/null)/cli/prism

# Variants: name, binary, environment.
names=(serial threaded)
binaries=("$bin/examples/httpd/httpd_serial" "$bin/examples/httpd/httpd_threaded")
envs=("" "")
if ((have_prism)); then
  prism_bin=$bin/examples/httpd/httpd_prism
  if PRISM=$prism_cli examples/httpd/analyze.sh --emit-constraints "$HTTPD_WORK/as-analysed.pb" \
    --binary "$prism_bin" >"$HTTPD_WORK/analyze.log" 2>&1 &&
    PRISM=$prism_cli examples/httpd/analyze.sh --override --emit-constraints \
      "$HTTPD_WORK/override.pb" --binary "$prism_bin" >>"$HTTPD_WORK/analyze.log" 2>&1; then
    for sched in huecolor exact; do
      names+=("$sched" "$sched+override")
      binaries+=("$prism_bin" "$prism_bin")
      envs+=("PRISM_SCHEDULER=$sched PRISM_CONSTRAINTS=$HTTPD_WORK/as-analysed.pb"
        "PRISM_SCHEDULER=$sched PRISM_CONSTRAINTS=$HTTPD_WORK/override.pb")
    done
    # What `prism run --constraints FILE -- httpd_serial` sets up: the unmodified serial build.
    serial_bin=$bin/examples/httpd/httpd_serial
    if PRISM=$prism_cli examples/httpd/analyze.sh --override --emit-constraints \
      "$HTTPD_WORK/serial-override.pb" --binary "$serial_bin" >>"$HTTPD_WORK/analyze.log" 2>&1; then
      names+=("preload-exact+override")
      binaries+=("$serial_bin")
      envs+=("LD_PRELOAD=$bin/lib/runtime/libprism-preload.so PRISM_SCHEDULER=exact PRISM_CONSTRAINTS=$HTTPD_WORK/serial-override.pb")
    fi
  else
    echo "prism analyze failed; Prism variants skipped:"
    tail -20 "$HTTPD_WORK/analyze.log"
  fi
else
  echo "Prism variants skipped: //lib/runtime:runtime or :httpd_prism does not exist yet"
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > 0 ? a / b : 0) }'; }

routes=(/docs/lorem.txt /render/bench)
rounds=${ROUNDS:-3}
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A rps p99
# Rounds alternate the variants, so that load from anything else on the machine falls on all of
# them alike; each figure is the median over the rounds.
for round in $(seq 1 "$rounds"); do
  echo "round $round/$rounds"
  for i in "${!names[@]}"; do
    # shellcheck disable=SC2086  # envs[i] is a list of VAR=VALUE words
    httpd_start "${names[i]}" "${binaries[i]}" ${envs[i]}
    if [[ ${names[i]} == preload-* ]]; then
      mode=$(sed -n 's/.*runs under the runtime: \([a-z]*\).*/\1/p' "$HTTPD_WORK/${names[i]}.err")
      want=${names[i]#preload-}
      [[ $mode == "${want%+override}" ]] || echo "warning: ${names[i]} runs in mode '$mode'"
    elif [[ ${names[i]} != serial && ${names[i]} != threaded ]]; then
      mode=$(sed -n 's/.*prism runtime mode: //p' "$HTTPD_WORK/${names[i]}.err")
      [[ $mode == "${names[i]%+override}" ]] || echo "warning: ${names[i]} runs in mode '$mode'"
    fi
    for route in "${routes[@]}"; do
      read -r r p < <(wrk_measure "$route")
      rps[${names[i]},$route]+="$r "
      p99[${names[i]},$route]+="$p "
    done
    httpd_stop || echo "warning: ${names[i]} did not exit cleanly"
    if grep -q "^prism: .*running serial from now on" "$HTTPD_WORK/${names[i]}.err"; then
      echo "warning: ${names[i]} fell back to serial: $(grep '^prism: ' "$HTTPD_WORK/${names[i]}.err")"
    fi
  done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for key in "${!rps[@]}"; do
  rps[$key]=$(median "${rps[$key]}")
  p99[$key]=$(median "${p99[$key]}")
done

echo
echo "machine: $(nproc) cores, $(. /etc/os-release && echo "$PRETTY_NAME"), $(date -u '+%Y-%m-%d %H:%M UTC')," \
  "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "median of $rounds rounds; wrk -t${WRK_THREADS:-1} -c${WRK_CONNECTIONS:-16} -d${WRK_SECONDS:-3}s on loopback, same machine"
printf '%-16s %-16s %10s %9s %9s %11s\n' route variant req/s p99_ms vs_serial vs_threaded
for route in "${routes[@]}"; do
  for name in "${names[@]}"; do
    printf '%-16s %-16s %10s %9s %8.2fx %10.2fx\n' "$route" "$name" "${rps[$name,$route]}" \
      "${p99[$name,$route]}" \
      "$(ratio "${rps[$name,$route]}" "${rps[serial,$route]}")" \
      "$(ratio "${rps[$name,$route]}" "${rps[threaded,$route]}")"
  done
done
