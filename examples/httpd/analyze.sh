#!/usr/bin/env bash
# Runs Prism's analyzer (embedded: `prism analyze`, no server) on the flagship server. Extra
# arguments go to `prism analyze` (--format=json, --emit-constraints FILE, --binary PATH, ...).
#
# usage: examples/httpd/analyze.sh [--override] [PRISM_ANALYZE_ARGS...]
#   --override   analyse with the programmer's override, examples/httpd/overrides.txt: the
#                statistics counters g_stats are C11 atomics, so conflicts on them are removed.
#                The program is unchanged; only the analysis learns that concurrent updates of
#                g_stats are safe. (Equivalent: analyse with -DHTTPD_STATS_NO_CONFLICT, which puts
#                PRISM_NO_CONFLICT on the declaration.)
#
# The source is analysed in its libevent form (event_new, bufferevent_setcb, ...). httpd_prism
# differs only in its three registration macros, which register the same handlers under the same
# names (prism_event_new passes #cb and __FILE__), so its ConstraintSet is this analysis stamped
# with httpd_prism's build-id (--binary). Analysed in its Prism form (-DHTTPD_USE_PRISM
# -Ilib/runtime/include) the result is the same: the prism_* registration functions are in the
# analyzer's registration table and library models.
#
# Environment: PRISM (default bazel-bin/cli/prism). Run from the repository root or a runfiles
# tree that holds examples/httpd/httpd.c and overrides.txt.
set -euo pipefail

prism=${PRISM:-bazel-bin/cli/prism}
overrides=()
if [[ ${1:-} == --override ]]; then
  overrides=(--overrides examples/httpd/overrides.txt)
  shift
fi
if [[ ! -x $prism ]]; then
  echo "analyze.sh: no prism binary at $prism (build //cli:prism)" >&2
  exit 2
fi
exec "$prism" analyze ${overrides[@]+"${overrides[@]}"} "$@" examples/httpd/httpd.c -- -std=gnu11
