#!/usr/bin/env bash
# `prism analyze` end to end on a small server: formats, -o, --emit-constraints stamped with
# --binary's build-id, --overrides, and clear usage errors (exit 2).
set -euo pipefail
prism=cli/prism
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$work/server.c" <<'C'
#include <event2/event.h>
int counter;
static void on_tick(evutil_socket_t fd, short what, void *arg) { counter++; }
int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, -1, 0, on_tick, NULL);
  return event_base_dispatch(base);
}
C

"$prism" analyze --help | grep -q 'Exit status' || fail "--help lacks exit codes"

text=$("$prism" analyze "$work/server.c" -- -std=gnu11)
grep -q 'on_tick' <<<"$text" || fail "text report lacks the handler: $text"
grep -q ' 01 ' <<<"$text" || fail "text report lacks the cell 01: $text"
grep -q "server.c:3:[0-9]*: note: global conflict between on_tick and on_tick on 'counter'" <<<"$text" ||
  fail "no clang-style note: $text"

"$prism" analyze --format=json -o "$work/report.json" "$work/server.c" -- -std=gnu11
python3 - "$work/report.json" <<'PY' || fail "bad JSON report"
import json, sys
r = json.load(open(sys.argv[1]))
assert [h["name"] for h in r["handlers"]] == ["on_tick"], r
assert r["matrix"] == [[1]], r
c = r["conflicts"][0]
assert c["kind"] == "global" and c["resource"] == "counter", c
assert c["a_site"]["access"] == "write" and c["a_site"]["via"] == ["on_tick"], c
PY

sarif=$("$prism" analyze --format=sarif "$work/server.c" -- -std=gnu11)
python3 -c 'import json,sys; s=json.loads(sys.argv[1]); assert s["version"]=="2.1.0"; r=s["runs"][0]["results"]; assert len(r)==1 and len(r[0]["locations"])==2' "$sarif" ||
  fail "bad SARIF: $sarif"
# The analysis's own diagnostics travel as notifications of the run: a thread-local counter.
printf '_Thread_local int t_count;\n' >"$work/tls.c"
sed 's/counter++/t_count++/' "$work/server.c" >>"$work/tls.c"
sarif=$("$prism" analyze --format=sarif "$work/tls.c" -- -std=gnu11)
python3 -c 'import json,sys; s=json.loads(sys.argv[1]); n=s["runs"][0]["invocations"][0]["toolExecutionNotifications"]; assert any(x["level"]=="warning" and "t_count" in x["message"]["text"] for x in n), n' "$sarif" ||
  fail "SARIF without the thread-local warning: $sarif"

echo 'counter: test override' >"$work/overrides"
json=$("$prism" analyze --format=json --overrides "$work/overrides" "$work/server.c" -- -std=gnu11)
grep -q '"matrix": \[\[0\]\]' <<<"$json" || fail "override did not clear the bit: $json"
grep -q '"removal_reason": "test override"' <<<"$json" || fail "removed conflict not shown: $json"

"$prism" analyze --emit-constraints "$work/c.pb" --binary "$prism" "$work/server.c" -- -std=gnu11 >/dev/null
[[ -s $work/c.pb ]] || fail "no ConstraintSet written"

expect_usage() {
  set +e
  err=$("$prism" analyze "$@" 2>&1)
  status=$?
  set -e
  [[ $status -eq 2 ]] || fail "'prism analyze $*' exited $status, want 2: $err"
  grep -qF -- "$want" <<<"$err" || fail "'prism analyze $*' unclear error: $err"
}
want='no compile commands' expect_usage
want="unknown format 'xml'" expect_usage --format=xml "$work/server.c" --
want="unknown option '--bogus'" expect_usage --bogus "$work/server.c" --
want='-j wants a positive number' expect_usage -j 0 "$work/server.c" --
want='cannot read the GNU build-id' expect_usage --binary "$work/server.c" "$work/server.c" --
want='cannot read overrides file' expect_usage --overrides "$work/none" "$work/server.c" --
want='--link-cache wants a file' expect_usage --link-cache "$work" "$work/server.c" --
printf 'no colon here\n' >"$work/bad_overrides"
want="want 'resource: reason'" expect_usage --overrides "$work/bad_overrides" "$work/server.c" --

# A file that does not parse: reported, incomplete, exit 1.
printf 'void on_x(int fd, short w, void *a) { this is not C; }\n' >"$work/broken.c"
set +e
"$prism" analyze "$work/broken.c" -- -std=gnu11 >"$work/broken.txt" 2>&1
status=$?
set -e
[[ $status -eq 1 ]] || fail "a broken TU exited $status, want 1"
grep -q 'INCOMPLETE' "$work/broken.txt" || fail "broken TU not reported: $(cat "$work/broken.txt")"
# The link step solves independent parts of the call graph on several threads: the result is
# the same, byte for byte, whatever their number.
"$prism" analyze -j 1 --format=json examples/httpd/httpd.c -- -std=gnu11 >"$work/one.json"
"$prism" analyze -j 3 --format=json examples/httpd/httpd.c -- -std=gnu11 >"$work/three.json"
grep -q '"conflicts"' "$work/one.json" || fail "the flagship's analysis has no conflicts"
cmp "$work/one.json" "$work/three.json" || fail "-j 3 analyses the flagship differently from -j 1"
# --link-cache: the second run takes every call-graph component from the file, same report.
"$prism" analyze --link-cache "$work/link.cache" --format=json examples/httpd/httpd.c -- -std=gnu11 \
  >"$work/cold.json" 2>"$work/cold.err"
grep -q 'link step: \([1-9][0-9]*\) of \1 call-graph components solved' "$work/cold.err" ||
  fail "a first --link-cache run did not solve everything: $(cat "$work/cold.err")"
"$prism" analyze --link-cache "$work/link.cache" --format=json examples/httpd/httpd.c -- -std=gnu11 \
  >"$work/warm.json" 2>"$work/warm.err"
grep -q 'link step: 0 of [1-9][0-9]* call-graph components solved' "$work/warm.err" ||
  fail "a second --link-cache run solved again: $(cat "$work/warm.err")"
cmp "$work/one.json" "$work/cold.json" || fail "--link-cache changed the report"
cmp "$work/one.json" "$work/warm.json" || fail "the report from the link cache differs"
echo PASS
