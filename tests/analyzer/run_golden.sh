#!/usr/bin/env bash
# Golden tests of `prism analyze`: every directory under tests/analyzer/cases/ holds a small C or
# C++ program (its *.c/*.cc files, analysed together), `expected.json` (the exact JSON report,
# checked by hand: it is the specification) and optionally:
#   flags      compiler flags (default: -std=gnu11)
#   overrides  passed as --overrides
#   exit_code  the expected exit status (default 0)
# Each source also states its matrix by hand in a comment line `// MATRIX: [[..],[..]]`, checked
# against the report independently of expected.json.
# With --link-cache, each case is analysed twice with one `--link-cache` file: the second run
# must take every call-graph component from it (none solved again) and still print expected.json.
# usage: run_golden.sh [--link-cache] [CASE...]   (PRISM=path/to/prism; default cli/prism in runfiles)
set -uo pipefail
prism=${PRISM:-cli/prism}
cases_dir=tests/analyzer/cases
failures=0
link_cache=
if [[ ${1:-} == --link-cache ]]; then
  link_cache=$(mktemp -d)
  trap 'rm -rf "$link_cache"' EXIT
  shift
fi
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
  if [[ -n $link_cache ]]; then
    extra+=(--link-cache "$link_cache/$name")
    "$prism" analyze --format=json "${extra[@]}" "${files[@]}" -- "${flags[@]}" >/dev/null 2>&1
  fi
  actual=$("$prism" analyze --format=json "${extra[@]}" "${files[@]}" -- "${flags[@]}" 2>/tmp/golden_stderr_$$)
  status=$?
  ok=1
  if [[ $status != "$want_status" ]]; then
    echo "FAIL $name: exit status $status, want $want_status"; cat /tmp/golden_stderr_$$; ok=0
  fi
  if ! diff -u "$dir/expected.json" <(printf '%s\n' "$actual") >/tmp/golden_diff_$$; then
    echo "FAIL $name: report differs from expected.json:"; cat /tmp/golden_diff_$$; ok=0
  fi
  if [[ -n $link_cache ]] && ! grep -q 'link step: 0 of [0-9]* call-graph components solved' \
    /tmp/golden_stderr_$$; then
    echo "FAIL $name: the second run solved components again:"; cat /tmp/golden_stderr_$$; ok=0
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
