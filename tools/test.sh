#!/usr/bin/env bash
# Runs Prism's whole test suite on a fresh Debian 12 machine: installs what it needs, runs every
# Bazel test, then the tests tagged "tsan" again under ThreadSanitizer. Ends with the plain line
# "N passed, N failed" and exits non-zero when any test failed or none ran.
set -uo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

# A disk cache outside the clone makes repeated runs (CI's clean clones) incremental.
disk_cache=${PRISM_BAZEL_DISK_CACHE:-$HOME/.cache/prism/bazel-disk}
mkdir -p "$disk_cache"
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT

passed=0
failed=0

# run_suite NAME BAZEL_ARGS...: runs one `bazel test`, counts its per-target results.
run_suite() {
  local name=$1
  shift
  local log="$log_dir/$name.log"
  echo "=== $name: bazel test $*"
  bazel test --disk_cache="$disk_cache" --keep_going "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  local suite_passed suite_failed
  suite_passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log")
  suite_failed=$(grep -cE '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|FLAKY|NO STATUS|INCOMPLETE)' "$log")
  if ((status != 0 && suite_failed == 0)); then
    # The build failed before any test ran: that is a failure too.
    echo "=== $name: bazel exited $status without a per-test result"
    suite_failed=1
  fi
  if ((suite_passed + suite_failed == 0)); then
    echo "=== $name: no test ran"
    suite_failed=1
  fi
  echo "=== $name: $suite_passed passed, $suite_failed failed"
  passed=$((passed + suite_passed))
  failed=$((failed + suite_failed))
}

run_suite all //...
if [[ -n $(bazel query 'attr(tags, "\btsan\b", tests(//...))' 2>/dev/null) ]]; then
  run_suite tsan --config=tsan --build_tag_filters=tsan --test_tag_filters=tsan //...
fi

echo "$passed passed, $failed failed"
((failed == 0 && passed > 0))
