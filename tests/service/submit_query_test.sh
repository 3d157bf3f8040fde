#!/usr/bin/env bash
# prism submit + prism conflicts through a real prism-analyzer (local directory cache) equal
# `prism analyze --format=json` byte for byte; resubmitting analyses nothing; changing one header
# re-analyses exactly the TUs that read it; explain, constraints and an unreachable analyzer.
set -euo pipefail
work=$(mktemp -d)
source tests/service/lib.sh
trap 'stop_all; rm -rf "$work"' EXIT

start_analyzer one --cache-dir="$work/state"
export PRISM_SERVER=$one_addr

# analysed_count LOG: the N of "done: ... N analysed" from prism submit's last line.
analysed_count() { sed -n 's/.*translation units, \([0-9]*\) analysed.*/\1/p' "$1"; }

# 1. The flagship example, byte for byte.
id=$("$prism" submit --program httpd examples/httpd/httpd.c -- -std=gnu11 2>"$work/submit1.log") ||
  fail "submit failed: $(cat "$work/submit1.log")"
[[ $(analysed_count "$work/submit1.log") == 1 ]] || fail "first submit: $(cat "$work/submit1.log")"
"$prism" conflicts --analysis "$id" --format=json >"$work/remote.json" || fail "conflicts failed"
"$prism" analyze --format=json examples/httpd/httpd.c -- -std=gnu11 >"$work/local.json"
cmp "$work/remote.json" "$work/local.json" || fail "service JSON differs from prism analyze"
for format in text sarif; do
  "$prism" conflicts --analysis "$id" --format=$format >"$work/remote.$format"
  "$prism" analyze --format=$format examples/httpd/httpd.c -- -std=gnu11 >"$work/local.$format"
  cmp "$work/remote.$format" "$work/local.$format" || fail "$format report differs"
done
"$prism" conflicts --program httpd --format=json | cmp - "$work/local.json" ||
  fail "--program does not find the latest analysis"

id2=$("$prism" submit --program httpd examples/httpd/httpd.c -- -std=gnu11 2>"$work/submit2.log")
[[ $id2 == "$id" ]] || fail "an unchanged build got another id"
[[ $(analysed_count "$work/submit2.log") == 0 ]] || fail "resubmit analysed: $(cat "$work/submit2.log")"
grep -q '0 to upload' "$work/submit2.log" || fail "resubmit uploaded again: $(cat "$work/submit2.log")"

explained=$("$prism" explain --analysis "$id" --format=json on_accept on_signal)
python3 - "$explained" <<'PY' || fail "explain of a pair: $explained"
import json, sys
r = json.loads(sys.argv[1])
names = [h["name"] for h in r["handlers"]]
pair = {names.index("on_accept"), names.index("on_signal")}
assert r["conflicts"], r
assert all({c["a"], c["b"]} == pair for c in r["conflicts"]), r["conflicts"]
PY
set +e
err=$("$prism" explain --analysis "$id" no_such_handler 2>&1)
status=$?
set -e
[[ $status -eq 2 ]] && grep -q "NOT_FOUND: no handler 'no_such_handler'" <<<"$err" ||
  fail "unknown handler: $status $err"

# 2. A multi-TU project: a.c and b.c read shared.h, c.c reads other.h.
project=$work/project
mkdir -p "$project/include" "$project/first"
cat >"$project/include/shared.h" <<'C'
extern int shared_counter;
static inline void bump(void) { shared_counter++; }
C
printf 'extern int other;\n' >"$project/include/other.h"
for unit in a b; do
  cat >"$project/$unit.c" <<C
#include <event2/event.h>
#include "shared.h"
static void on_$unit(evutil_socket_t fd, short what, void *arg) { bump(); }
void register_$unit(struct event_base *base) { event_new(base, -1, 0, on_$unit, 0); }
C
done
printf '#include "other.h"\nint shared_counter;\nint other;\n' >"$project/c.c"
python3 - "$project" <<'PY'
import json, sys
d = sys.argv[1]
# c.c carries an option only GCC knows: the files it reads are still found (and uploaded).
gcc_only = {"c": ["-fgcc-only-option"]}
json.dump([{"directory": d, "file": f"{u}.c",
            "arguments": ["cc", "-std=gnu11", "-Ifirst", "-Iinclude"] + gcc_only.get(u, [])
                         + ["-c", f"{u}.c"]}
           for u in "abc"],
          open(f"{d}/compile_commands.json", "w"))
PY
"$prism" submit --program project -p "$project" >"$work/p1.id" 2>"$work/p1.log" || fail "project submit"
[[ $(analysed_count "$work/p1.log") == 3 ]] || fail "cold project: $(cat "$work/p1.log")"
grep -q '5 file(s), 5 to upload' "$work/p1.log" || fail "files not found: $(cat "$work/p1.log")"
"$prism" submit --program project -p "$project" >"$work/p2.id" 2>"$work/p2.log"
[[ $(analysed_count "$work/p2.log") == 0 ]] || fail "warm project: $(cat "$work/p2.log")"
printf '/* changed */\n' >>"$project/include/shared.h"
"$prism" submit --program project -p "$project" >"$work/p3.id" 2>"$work/p3.log"
[[ $(analysed_count "$work/p3.log") == 2 ]] || fail "one header changed: $(cat "$work/p3.log")"
grep -q '1 to upload' "$work/p3.log" || fail "not only the header uploaded: $(cat "$work/p3.log")"
"$prism" conflicts --analysis "$(cat "$work/p3.id")" --format=json >"$work/p_remote.json"
"$prism" analyze -p "$project" --format=json >"$work/p_local.json"
cmp "$work/p_remote.json" "$work/p_local.json" || fail "project JSON differs from prism analyze"
# A header that now shadows shared.h from an earlier search directory: the remembered scans of
# a.c and b.c must not be trusted.
printf 'extern int shared_counter;\nstatic inline void bump(void) { }\n' >"$project/first/shared.h"
"$prism" submit --program project -p "$project" >"$work/p4.id" 2>"$work/p4.log"
[[ $(analysed_count "$work/p4.log") == 2 ]] || fail "shadowing header: $(cat "$work/p4.log")"
"$prism" conflicts --analysis "$(cat "$work/p4.id")" --format=json >"$work/p4_remote.json"
"$prism" analyze -p "$project" --format=json >"$work/p4_local.json"
cmp "$work/p4_remote.json" "$work/p4_local.json" || fail "shadowed build differs from prism analyze"
cmp -s "$work/p4_local.json" "$work/p_local.json" && fail "the shadowing header changed nothing"

# 3. Constraints belong to one build: stamped with --binary's build-id, never served for another.
# (The prism binary stands in for the server's; prism analyze names the program after it.)
"$prism" submit --program prism --binary "$prism" examples/httpd/httpd.c -- -std=gnu11 \
  >/dev/null 2>"$work/submit3.log" || fail "submit with --binary: $(cat "$work/submit3.log")"
"$prism" constraints --program prism --binary "$prism" --out "$work/remote.pb" ||
  fail "constraints failed"
"$prism" analyze --emit-constraints "$work/local.pb" --binary "$prism" \
  examples/httpd/httpd.c -- -std=gnu11 >/dev/null
cmp "$work/remote.pb" "$work/local.pb" || fail "ConstraintSet differs from prism analyze's"
set +e
err=$("$prism" constraints --program prism --build-id 0123abcd --out "$work/other.pb" 2>&1)
status=$?
set -e
[[ $status -eq 2 ]] && grep -q 'NOT_FOUND.*never served' <<<"$err" || fail "another build's: $err"
[[ ! -e $work/other.pb ]] || fail "a ConstraintSet was written for another build"

# 4. An analyzer that is not there: one line, exit 2, within the deadline.
port=$(free_port)
set +e
err=$(timeout 30 "$prism" conflicts --server "127.0.0.1:$port" --analysis "$id" 2>&1)
status=$?
set -e
[[ $status -eq 2 ]] || fail "unreachable analyzer: exit $status: $err"
[[ $(wc -l <<<"$err") -eq 1 ]] && grep -q 'cannot reach the analyzer' <<<"$err" ||
  fail "unreachable analyzer message: $err"
echo PASS
