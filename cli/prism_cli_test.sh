#!/usr/bin/env bash
# The CLI prints its usage on --help (exit 0) and rejects unknown commands (exit 2).
set -euo pipefail
prism=cli/prism

out=$("$prism" --help)
grep -q '^usage: prism <command>' <<<"$out" || { echo "missing usage line: $out"; exit 1; }
grep -q 'analyze' <<<"$out" || { echo "usage does not list analyze"; exit 1; }

set +e
err=$("$prism" no-such-command 2>&1)
status=$?
set -e
[ "$status" -eq 2 ] || { echo "unknown command exited $status, want 2"; exit 1; }
grep -q "unknown command 'no-such-command'" <<<"$err" || { echo "unclear error: $err"; exit 1; }

set +e
"$prism" >/dev/null 2>&1
status=$?
set -e
[ "$status" -eq 2 ] || { echo "no command exited $status, want 2"; exit 1; }
echo "PASS"
