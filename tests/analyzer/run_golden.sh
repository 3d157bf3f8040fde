#!/usr/bin/env bash
# Golden tests of `prism analyze`: every directory under tests/analyzer/cases/ holds a small C or
# C++ program (its *.c/*.cc files, analysed together), `expected.json` (the exact JSON report,
# checked by hand: it is the specification) and optionally:
#   flags      compiler flags (default: -std=gnu11)
#   overrides  passed as --overrides
#   exit_code  the expected exit status (default 0)
# Each source also states its matrix by hand in a comment line `// MATRIX: [[..],[..]]`, checked
# against the report independently of expected.json.
# usage: run_golden.sh [CASE...]   (PRISM=path/to/prism; default cli/prism in runfiles)
set -uo pipefail
prism=${PRISM:-cli/prism}
cases_dir=tests/analyzer/cases
failures=0
cases=("$@")
if ((${#cases[@]} == 0)); then
  for dir in "$cases_dir"/*/; do cases+=("$(basename "$dir")"); done
fi
for name in "${cases[@]}"; do
  dir=$cases_dir/$name
  mapfile -t files < <(find "$dir" -maxdepth 1 \( -name '*.c' -o -name '*.cc' \) | sort)
  flags=(-std=gnu11)
  [[ -f $dir/flags ]] && read -r -a flags <"$dir/flags"
  extra=()
  [[ -f $dir/overrides ]] && extra+=(--overrides "$dir/overrides")
  want_status=0
  [[ -f $dir/exit_code ]] && want_status=$(cat "$dir/exit_code")
  actual=$("$prism" analyze --format=json "${extra[@]}" "${files[@]}" -- "${flags[@]}" 2>/tmp/golden_stderr_$$)
  status=$?
  ok=1
  if [[ $status != "$want_status" ]]; then
    echo "FAIL $name: exit status $status, want $want_status"; cat /tmp/golden_stderr_$$; ok=0
  fi
  if ! diff -u "$dir/expected.json" <(printf '%s\n' "$actual") >/tmp/golden_diff_$$; then
    echo "FAIL $name: report differs from expected.json:"; cat /tmp/golden_diff_$$; ok=0
  fi
  want_matrix=$(grep -h -o 'MATRIX: .*' "${files[@]}" | head -1 | sed 's/MATRIX: //; s/ //g')
  got_matrix=$(printf '%s\n' "$actual" | tr -d ' \n' | grep -o '"matrix":\[\[[^"]*\]\]' | sed 's/"matrix"://')
  if [[ -z $want_matrix || $want_matrix != "$got_matrix" ]]; then
    echo "FAIL $name: matrix $got_matrix, the source states ${want_matrix:-nothing}"; ok=0
  fi
  ((ok)) && echo "PASS $name" || failures=$((failures + 1))
done
rm -f /tmp/golden_stderr_$$ /tmp/golden_diff_$$
echo "$failures failed"
((failures == 0))
