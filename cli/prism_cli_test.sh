#!/usr/bin/env bash
# The CLI prints its usage on --help (exit 0) and rejects unknown commands (exit 2); the verbs
# linked with gRPC run in prism-client, which prism itself does not load.
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
# Each verb reaches the program that runs it (its own usage text, exit 0 on --help).
for verb in analyze submit conflicts explain constraints report run; do
  out=$("$prism" "$verb" --help 2>&1) || { echo "prism $verb --help failed: $out"; exit 1; }
  grep -q "usage: prism $verb" <<<"$out" || { echo "prism $verb --help: $out"; exit 1; }
done

# A prism without the programs beside it: one line naming the missing one, exit 2.
alone=$(mktemp -d)
trap 'rm -rf "$alone"' EXIT
cp "$prism" "$alone/prism"
for verb in analyze conflicts; do
  set +e
  err=$("$alone/prism" "$verb" --help 2>&1)
  status=$?
  set -e
  [ "$status" -eq 2 ] || { echo "prism $verb without its program exited $status, want 2"; exit 1; }
  grep -q "prism $verb: cannot run $alone/prism-" <<<"$err" || { echo "unclear error: $err"; exit 1; }
done

# A verb program run by hand, or given another program's verb, says how it is run.
for call in "cli/prism-client" "cli/prism-client analyze" "cli/prism-analyze submit"; do
  set +e
  err=$($call 2>&1)
  status=$?
  set -e
  [ "$status" -eq 2 ] || { echo "'$call' exited $status, want 2"; exit 1; }
  grep -q "run it as 'prism VERB'" <<<"$err" || { echo "unclear error from '$call': $err"; exit 1; }
done

# What the split is for: prism analyze loads no gRPC library; and Clang and LLVM are linked in
# (third_party/system_libs.bzl), not loaded: their relocations were most of its start-up.
for unwanted in libgrpc libclang-cpp libLLVM; do
  if ldd cli/prism-analyze | grep -q "$unwanted"; then
    echo "prism-analyze loads $unwanted:"
    ldd cli/prism-analyze | grep "$unwanted"
    exit 1
  fi
done
echo "PASS"
