#!/usr/bin/env bash
# `prism report` without a browser: the diff of two golden analyses (before/after an override)
# lists exactly the changed cells, in text, SARIF and HTML, with the CI gate's exit codes; DOT that
# Graphviz accepts; -p analyses a build in process; bad input gives one clear line and exit 2.
set -uo pipefail
prism=${PRISM:-cli/prism}
case_dir=tests/analyzer/cases/override
after=$case_dir/expected.json
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The same program analysed without its overrides file: g_bytes conflicts again.
"$prism" analyze --format=json -o "$work/before.json" "$case_dir/override.c" -- -std=gnu11 ||
  fail "analysing the case without overrides"

diff_text=$("$prism" report --baseline "$work/before.json" "$after" --format=text)
status=$?
[[ $status == 0 ]] || fail "an override removing conflicts exited $status, want 0"
changed=$(grep -E '^on_' <<<"$diff_text")
want=$'on_a x on_a: 01 -> 00\non_a x on_b: 01 -> 00'
[[ $changed == "$want" ]] || fail "changed cells: '$changed', want '$want'"
grep -q "^2 cell(s) changed" <<<"$diff_text" || fail "no count: $diff_text"
grep -q "removed by the programmer: approximate byte counter" <<<"$diff_text" ||
  fail "the removal is not explained: $diff_text"

# Reversed, the conflicts are new: the gate fails (exit 1) and SARIF lists only them.
reverse=$("$prism" report --baseline "$after" "$work/before.json" --format=text)
status=$?
[[ $status == 1 ]] || fail "a new global conflict exited $status, want 1"
grep -q "on_a x on_b: 00 -> 01  NEW GLOBAL CONFLICT" <<<"$reverse" || fail "not flagged: $reverse"
grep -q "+ global on 'g_bytes': $case_dir/override.c:19:3 write" <<<"$reverse" ||
  fail "the new conflict has no explanation: $reverse"
"$prism" report --baseline "$after" "$work/before.json" --format=sarif -o "$work/new.sarif"
[[ $? == 1 ]] || fail "sarif diff did not exit 1"
python3 - "$work/new.sarif" <<'PY' || fail "bad SARIF diff"
import json, sys
results = json.load(open(sys.argv[1]))["runs"][0]["results"]
assert [r["ruleId"] for r in results] == ["prism-new-global-conflict"] * 2, results
assert all("g_bytes" in r["message"]["text"] for r in results), results
PY
"$prism" report --baseline "$work/before.json" "$after" -o "$work/diff.html" ||
  fail "html diff failed"
[[ $(grep -c '<tr class="change' "$work/diff.html") == 2 ]] || fail "html diff rows"
# Unchanged: nothing listed, exit 0.
same=$("$prism" report --baseline "$after" "$after" --format=text)
[[ $? == 0 && $same == "0 cell(s) changed" ]] || fail "identical analyses: $same"

# DOT for Graphviz.
"$prism" report --format=dot "$after" -o "$work/graph.dot" || fail "dot failed"
grep -q 'h1 -- h1 \[color="#D55E00"' "$work/graph.dot" || fail "no global edge: $(cat "$work/graph.dot")"
dot -Tsvg "$work/graph.dot" -o "$work/graph.svg" || fail "dot -Tsvg rejected the DOT output"
grep -q '<svg' "$work/graph.svg" || fail "no SVG from dot"

# -p: analysed in process, the same entry point as prism analyze.
mkdir -p "$work/build"
cp "$case_dir/override.c" "$work/build/"
printf '[{"directory": "%s", "file": "override.c", "arguments": ["cc", "-std=gnu11", "-c", "override.c"]}]\n' \
  "$work/build" >"$work/build/compile_commands.json"
"$prism" report -p "$work/build" -o "$work/build.html" || fail "report -p failed"
grep -q '"name": "on_b"' "$work/build.html" || fail "report -p lacks the handlers"
grep -q 'g_other = 1;' "$work/build.html" || fail "report -p embeds no source (relative to -p)"

# Telemetry: the measured waits reach the page; without it the page says none was given.
grep -q '"telemetry": null' "$work/build.html" || fail "a page without telemetry claims some"
cat >"$work/telemetry.json" <<'JSON'
{"program": "override", "mode": "exact", "windowNanos": "2000000000",
 "waits": [{"waiting": 1, "running": 1, "kind": "CONFLICT_KIND_GLOBAL", "waits": "42",
            "waitNanos": "7000000"}]}
JSON
"$prism" report "$after" --telemetry "$work/telemetry.json" -o "$work/measured.html" ||
  fail "report --telemetry failed"
grep -q '"waits": \[\[1, 1, "global", 42, 7000000\]\]' "$work/measured.html" ||
  fail "the page lacks the measured wait"
echo '{"waits": [{"waiting": 9, "running": 0}]}' >"$work/other_build.json"

# Bad input: one clear line, exit 2, no crash.
expect_error() {
  local want=$1
  shift
  local err status
  err=$("$prism" report "$@" -o "$work/bad.html" 2>&1 >/dev/null)
  status=$?
  [[ $status == 2 ]] || fail "'$*' exited $status, want 2"
  # Usage errors add the shared hint line to --help, as every verb does.
  [[ $(grep -vc "^Run 'prism report --help' for usage.$" <<<"$err") == 1 ]] ||
    fail "'$*' printed more than one line: $err"
  grep -q "$want" <<<"$err" || fail "'$*' said '$err', want '$want'"
}
expect_error "cannot read $work/missing.json" "$work/missing.json"
echo 'not json at all' >"$work/garbage.json"
expect_error "not a JSON analysis report" "$work/garbage.json"
echo '{"handlers": [{"name": "on_a"}], "matrix": [[1]], "conflicts": [{"a": 0, "b": 7}]}' \
  >"$work/unknown.json"
expect_error "names handler 7, but the report lists 1 handler" "$work/unknown.json"
expect_error "the matrix has 2 rows for 1 handlers" <(echo '{"handlers": [{"name": "x"}], "matrix": [[0], [0]]}')
expect_error "unknown format 'png'" --format=png "$after"
expect_error "give one analysis" 
expect_error "cannot read $work/missing.json" --baseline "$work/missing.json" "$after"
expect_error "telemetry of another build" "$after" --telemetry "$work/other_build.json"
expect_error "not RuntimeTelemetry JSON" "$after" --telemetry "$work/garbage.json"

if ((failures == 0)); then echo "PASS"; fi
echo "$((failures == 0 ? 1 : 0)) passed, $((failures > 0 ? 1 : 0)) failed"
((failures == 0))
