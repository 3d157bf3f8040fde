#!/usr/bin/env bash
# Handler identity with and without a symbol table: the probe registers its
# handler through a variable. As built, the symbol table names it (row 0,
# nothing on stderr); stripped, the runtime falls back to the spelled name
# ("cb", the unknown row 1) and says that the program has no symbol table.
set -euo pipefail
probe=$1
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/identity.XXXXXX")

"$probe" "$work/as_built.pb" >"$work/as_built.out" 2>"$work/as_built.err"
grep -qx "mode=exact row=0" "$work/as_built.out" || {
  cat "$work/as_built.out" "$work/as_built.err" >&2
  echo "FAIL: with a symbol table the handler did not resolve to row 0" >&2
  exit 1
}
[[ ! -s $work/as_built.err ]] || {
  cat "$work/as_built.err" >&2
  echo "FAIL: unexpected message with a symbol table" >&2
  exit 1
}

cp "$probe" "$work/stripped"
chmod u+w "$work/stripped"
objcopy --strip-all "$work/stripped"
"$work/stripped" "$work/stripped.pb" >"$work/stripped.out" 2>"$work/stripped.err"
grep -qx "mode=exact row=1" "$work/stripped.out" || {
  cat "$work/stripped.out" "$work/stripped.err" >&2
  echo "FAIL: stripped, the handler should fall back to its spelled name" >&2
  exit 1
}
grep -q "this program has no symbol table" "$work/stripped.err" || {
  cat "$work/stripped.err" >&2
  echo "FAIL: stripped, the runtime did not say it has no symbol table" >&2
  exit 1
}
echo PASS
