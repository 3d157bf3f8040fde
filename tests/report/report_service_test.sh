#!/usr/bin/env bash
# prism report --server ADDR --analysis ID: the page of an analysis of a real prism-analyzer
# (loopback, ephemeral port) equals the page of the same analysis saved by prism analyze; an
# unknown analysis id is one clear error, exit 2.
set -euo pipefail
work=$(mktemp -d)
source tests/service/lib.sh
trap 'stop_all; rm -rf "$work"' EXIT

start_analyzer one --cache-dir="$work/state"
id=$("$prism" submit --server "$one_addr" --program httpd examples/httpd/httpd.c -- -std=gnu11 \
  2>"$work/submit.log") || fail "submit failed: $(cat "$work/submit.log")"
"$prism" report --server "$one_addr" --analysis "$id" -o "$work/remote.html" ||
  fail "report from the service failed"
"$prism" analyze --format=json -o "$work/local.json" examples/httpd/httpd.c -- -std=gnu11
"$prism" report "$work/local.json" -o "$work/local.html"
# The service's result names its program; a saved JSON report does not: compare the rest.
sed -i 's/"program": "[^"]*"/"program": ""/; s/<title>[^<]*</<title></; s/<h1>[^<]*</<h1></' \
  "$work/remote.html" "$work/local.html"
cmp "$work/remote.html" "$work/local.html" || fail "the service's page differs from the saved one's"
grep -q 'on_render' "$work/remote.html" || fail "the page lacks the handlers"

set +e
err=$("$prism" report --server "$one_addr" --analysis 0000 -o "$work/bad.html" 2>&1)
status=$?
set -e
[[ $status == 2 ]] || fail "an unknown analysis exited $status, want 2"
grep -q "^prism report: querying conflicts: NOT_FOUND" <<<"$err" ||
  fail "unclear error for an unknown analysis: $err"
[[ $(wc -l <<<"$err") == 1 ]] || fail "more than one line for an unknown analysis: $err"
echo PASS
