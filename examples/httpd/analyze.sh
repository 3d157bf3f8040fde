#!/usr/bin/env bash
# Runs Prism's analyzer (embedded: `prism analyze`, no server) on the flagship server, exactly as
# the Prism build compiles it. Extra arguments go to `prism analyze` (--format=json,
# --emit-constraints FILE, --binary PATH, ...).
#
# usage: examples/httpd/analyze.sh [--override] [PRISM_ANALYZE_ARGS...]
#   --override   analyse with the programmer's override: HTTPD_STATS_NO_CONFLICT marks the
#                statistics counters (C11 atomics) PRISM_NO_CONFLICT. The compiled program is the
#                same; only the analysis learns that concurrent updates of g_stats are safe.
# Environment: PRISM (default bazel-bin/cli/prism); run from the repository root or a runfiles
# tree that holds examples/httpd/httpd.c and lib/runtime/include.
set -euo pipefail

prism=${PRISM:-bazel-bin/cli/prism}
defines=(-DHTTPD_USE_PRISM)
if [[ ${1:-} == --override ]]; then
  defines+=(-DHTTPD_STATS_NO_CONFLICT)
  shift
fi
if [[ ! -x $prism ]]; then
  echo "analyze.sh: no prism binary at $prism (build //cli:prism)" >&2
  exit 2
fi
exec "$prism" analyze "$@" examples/httpd/httpd.c -- \
  -std=gnu11 "${defines[@]}" -Ilib/runtime/include
