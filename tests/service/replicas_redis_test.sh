#!/usr/bin/env bash
# Two prism-analyzer replicas on one real redis-server: a build analysed through one is served
# by the other with no re-analysis; resubmitting analyses nothing; one changed header re-analyses
# exactly its TUs; results equal `prism analyze` byte for byte. A replica killed with -9 mid-build
# gives its client one clear error and the retry completes on the other replica; no damaged
# entry is ever left (every entry is decoded afterwards, in Redis and in a local directory
# cache). Redis going away: a warning, and the replica keeps answering by computing.
set -euo pipefail
work=$(mktemp -d)
source tests/service/lib.sh
trap 'stop_all; rm -rf "$work"' EXIT
command -v redis-server >/dev/null || fail "redis-server is not installed (tools/setup.sh)"

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$work" >"$work/redis.log" 2>&1 &
redis_pid=$!
pids+=($redis_pid)
for _ in $(seq 50); do
  redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
  sleep 0.1
done
redis-cli -p "$redis_port" ping | grep -q PONG || fail "redis-server did not start"

start_analyzer one --cache=redis --redis="127.0.0.1:$redis_port" --cache-dir="$work/one"
start_analyzer two --cache=redis --redis="127.0.0.1:$redis_port" --cache-dir="$work/two"

analysed_count() { sed -n 's/.*translation units, \([0-9]*\) analysed.*/\1/p' "$1"; }
# relinked_partly LOG: the link step ran and solved some, not all, call-graph components again.
relinked_partly() {
  local counts solved_now components
  counts=$(sed -n 's/.*link step run (\([0-9]*\) of \([0-9]*\) call-graph.*/\1 \2/p' "$1")
  read -r solved_now components <<<"$counts"
  [[ -n "$solved_now" && "$solved_now" -gt 0 && "$solved_now" -lt "$components" ]]
}

# make_project DIR UNITS: UNITS TUs; the even ones read shared.h, the odd ones other.h.
make_project() {
  local dir=$1 units=$2
  mkdir -p "$dir/include"
  printf 'extern int shared_counter;\nstatic inline void bump(void) { shared_counter++; }\n' \
    >"$dir/include/shared.h"
  printf 'extern int other;\nstatic inline void poke(void) { other++; }\n' >"$dir/include/other.h"
  for ((i = 0; i < units; i++)); do
    local header=shared.h call=bump
    if ((i % 2)); then header=other.h call=poke; fi
    cat >"$dir/u$i.c" <<C
#include <event2/event.h>
#include "$header"
static void on_$i(evutil_socket_t fd, short what, void *arg) { $call(); }
void register_$i(struct event_base *base) { event_new(base, -1, 0, on_$i, 0); }
C
  done
  printf 'int shared_counter;\nint other;\n' >"$dir/globals.c"
  python3 - "$dir" <<'PY'
import glob, json, os, sys
d = sys.argv[1]
units = sorted(os.path.basename(f) for f in glob.glob(f"{d}/*.c"))
json.dump([{"directory": d, "file": u, "arguments": ["cc", "-std=gnu11", "-Iinclude", "-c", u]}
           for u in units], open(f"{d}/compile_commands.json", "w"))
PY
}

project=$work/project
make_project "$project" 4   # 5 TUs: u0 u2 read shared.h, u1 u3 other.h, and globals.c

id=$("$prism" submit --server "$one_addr" --program project -p "$project" 2>"$work/s1.log") ||
  fail "submit through one: $(cat "$work/s1.log")"
[[ $(analysed_count "$work/s1.log") == 5 ]] || fail "cold: $(cat "$work/s1.log")"
"$prism" analyze -p "$project" --format=json >"$work/local.json"
"$prism" conflicts --server "$two_addr" --analysis "$id" --format=json >"$work/two.json" ||
  fail "query through two"
cmp "$work/two.json" "$work/local.json" || fail "replica two's answer differs from prism analyze"

"$prism" submit --server "$two_addr" --program project -p "$project" >"$work/s2.id" 2>"$work/s2.log"
[[ $(cat "$work/s2.id") == "$id" ]] || fail "same build, other id on replica two"
[[ $(analysed_count "$work/s2.log") == 0 ]] || fail "resubmit through two: $(cat "$work/s2.log")"

printf '/* changed */\n' >>"$project/include/shared.h"
"$prism" submit --server "$two_addr" --program project -p "$project" >"$work/s3.id" 2>"$work/s3.log"
[[ $(analysed_count "$work/s3.log") == 2 ]] || fail "one header changed: $(cat "$work/s3.log")"
"$prism" analyze -p "$project" --format=json >"$work/local3.json"
"$prism" conflicts --server "$one_addr" --analysis "$(cat "$work/s3.id")" --format=json |
  cmp - "$work/local3.json" || fail "changed build: replica one's answer differs"
# A comment changes no summary: the link result is the unchanged build's.
grep -q 'link step from cache' "$work/s3.log" || fail "comment-only change relinked: $(cat "$work/s3.log")"

# A change the summaries see: its TUs again, and the link step runs.
printf 'static inline void bump_twice(void) { shared_counter += 2; }\n' >>"$project/include/shared.h"
sed -i 's/{ bump(); }/{ bump_twice(); }/' "$project/u0.c"
"$prism" submit --server "$one_addr" --program project -p "$project" >"$work/s4.id" 2>"$work/s4.log"
[[ $(analysed_count "$work/s4.log") == 2 ]] || fail "header and TU changed: $(cat "$work/s4.log")"
grep -q 'link step run' "$work/s4.log" || fail "a changed summary was not linked: $(cat "$work/s4.log")"
# ... solving again only the call-graph components the change reaches: the functions of u1 and u3
# are taken from the first build's link, kept in Redis with its result.
relinked_partly "$work/s4.log" ||
  fail "the link step did not reuse the last link's components: $(cat "$work/s4.log")"
"$prism" analyze -p "$project" --format=json >"$work/local4.json"
"$prism" conflicts --server "$two_addr" --analysis "$(cat "$work/s4.id")" --format=json |
  cmp - "$work/local4.json" || fail "changed summaries: replica two's answer differs"

# Replica two has linked nothing of this program itself: its incremental link reads the solved
# components replica one kept in Redis.
sed -i 's/{ poke(); }/{ poke(); poke(); }/' "$project/u1.c"
"$prism" submit --server "$two_addr" --program project -p "$project" >"$work/s5.id" 2>"$work/s5.log"
relinked_partly "$work/s5.log" ||
  fail "replica two did not reuse replica one's components: $(cat "$work/s5.log")"
"$prism" analyze -p "$project" --format=json >"$work/local5.json"
"$prism" conflicts --server "$one_addr" --analysis "$(cat "$work/s5.id")" --format=json |
  cmp - "$work/local5.json" || fail "relinked from Redis: the answer differs from prism analyze"

# kill -9 mid-build: a bigger project, replica one killed once it has analysed something.
big=$work/big
make_project "$big" 60
"$prism" submit --server "$one_addr" --program big -p "$big" >"$work/k.id" 2>"$work/k.log" &
submit_pid=$!
for _ in $(seq 600); do
  grep -q '[1-9][0-9]* analysed' "$work/k.log" 2>/dev/null && break
  sleep 0.05
done
grep -q '[1-9][0-9]* analysed' "$work/k.log" || fail "the big build made no progress"
kill -9 "${pids[1]}"
set +e
wait "$submit_pid"
status=$?
set -e
echo "client of the killed replica: exit $status: $(tail -1 "$work/k.log")"
if ((status != 0)); then
  [[ $status -eq 2 ]] || fail "client of a killed replica exited $status"
  tail -1 "$work/k.log" | grep -q 'prism submit: .*UNAVAILABLE' ||
    fail "client of a killed replica: $(tail -1 "$work/k.log")"
fi
"$prism" submit --server "$two_addr" --program big -p "$big" >"$work/k2.id" 2>"$work/k2.log" ||
  fail "retry on replica two: $(cat "$work/k2.log")"
grep -q 'from cache' "$work/k2.log" || fail "retry: $(cat "$work/k2.log")"
"$prism" analyze -p "$big" --format=json >"$work/big_local.json"
"$prism" conflicts --server "$two_addr" --analysis "$(cat "$work/k2.id")" --format=json |
  cmp - "$work/big_local.json" || fail "retried build differs from prism analyze"
python3 tests/service/check_cache_entries.py redis "$redis_port" || fail "damaged Redis entry"

# The same with a local directory cache: kill -9 mid-build, then decode every entry.
start_analyzer three --cache-dir="$work/three"
rm -f "$work/k3.log"
"$prism" submit --server "$three_addr" --program big -p "$big" >/dev/null 2>"$work/k3.log" &
submit_pid=$!
for _ in $(seq 600); do
  grep -q '[1-9][0-9]* analysed' "$work/k3.log" 2>/dev/null && break
  sleep 0.05
done
kill -9 "${pids[3]}"
wait "$submit_pid" || true
python3 tests/service/check_cache_entries.py local "$work/three" || fail "damaged local entry"

# Redis goes away: replica two warns and keeps answering by computing.
kill "$redis_pid"
wait "$redis_pid" 2>/dev/null || true
printf '/* changed again */\n' >>"$project/include/other.h"
id4=$("$prism" submit --server "$two_addr" --program project -p "$project" 2>"$work/s4.log") ||
  fail "submit without Redis: $(cat "$work/s4.log")"
"$prism" analyze -p "$project" --format=json >"$work/local4.json"
"$prism" conflicts --server "$two_addr" --analysis "$id4" --format=json | cmp - "$work/local4.json" ||
  fail "answer without Redis differs"
grep -q 'warning: Redis at .* is unavailable' "$work/two.log" || fail "no warning about Redis"
echo PASS
