#!/usr/bin/env bash
# Runs Prism's analyzer over real libevent users: Debian's source packages of libevent (its
# sample servers), memcached and tmux. Downloads them with `apt-get source`, configures and builds
# them under `bear` to get compile_commands.json, then runs `prism analyze -p DIR --format=json`
# and prints, per program, the TUs, handlers found, matrix density and wall time. (Per program
# with each libevent sample alone, the shares of free pairs, the removal plan's top and the time
# against clang -fsyntax-only: bench/analyzer/precision_report.py on the corpus this builds.)
#
# Not part of `bazel test` (it needs apt and minutes). Usage:
#   tests/corpus/run_corpus.sh [CORPUS_DIR]      # default: <repo>/corpus (git-ignored)
# Environment: JOBS (default 2), PROGRAMS (default "libevent memcached tmux").
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${1:-$REPO/corpus}
JOBS=${JOBS:-2}
PROGRAMS=${PROGRAMS:-"libevent memcached tmux"}
OUTPUT_BASE=${PRISM_OUTPUT_BASE:-/root/.cache/bazel-frontend}
mkdir -p "$CORPUS"
CORPUS=$(cd "$CORPUS" && pwd)

# --- 1. a deb-src entry for Debian's main archive --------------------------------------------
source "$REPO/tools/debian_source.sh"
ensure_deb_src

# --- 2. tools the builds need (same list as tools/setup.sh installs) -------------------------
"$REPO/tools/setup.sh"

# --- 3. sources and builds ---------------------------------------------------------------------
fetch() {  # fetch PACKAGE -> prints the extracted directory
  fetch_debian_source "$CORPUS" "$1"
}

build() {  # build PACKAGE DIR
  local package=$1 dir=$2
  if [[ -s "$dir/compile_commands.json" ]]; then return 0; fi
  echo "corpus: building $package in $dir" >&2
  (
    cd "$dir"
    local noregen=(ACLOCAL=true AUTOMAKE=true AUTOCONF=true AUTOHEADER=true)
    case "$package" in
      libevent)
        [[ -f Makefile ]] || ./configure --disable-openssl --disable-mbedtls -q >/dev/null
        bear -- make -j"$JOBS" "${noregen[@]}" >/dev/null 2>build.log
        ;;
      memcached)
        [[ -f Makefile ]] || ./configure -q >/dev/null
        bear -- make -j"$JOBS" "${noregen[@]}" >/dev/null 2>build.log
        ;;
      tmux)
        [[ -f Makefile ]] || ./configure -q >/dev/null
        bear -- make -j"$JOBS" "${noregen[@]}" >/dev/null 2>build.log
        ;;
    esac
  )
  [[ -s "$dir/compile_commands.json" ]] || { echo "corpus: no compile_commands.json for $package (see $dir/build.log)" >&2; return 1; }
}

# --- 4. the analyzer -----------------------------------------------------------------------------
# --symlink_prefix=/ : this output base must not repoint the checkout's bazel-* links, or the
# default output base's next `bazel build //...` would walk into the foreign execroot.
(cd "$REPO" && bazel --output_base="$OUTPUT_BASE" build --disk_cache=/root/.cache/prism/bazel-disk \
  --symlink_prefix=/ --jobs="$JOBS" --config=opt //cli:prism //services/analyzer/frontend:summarize_tool >&2)
BIN=$(cd "$REPO" && bazel --output_base="$OUTPUT_BASE" info --config=opt bazel-bin 2>/dev/null)
PRISM=$BIN/cli/prism
SUMMARIZE=$BIN/services/analyzer/frontend/summarize_tool

# Limits for one `prism analyze` run, so a blow-up is reported instead of taking the machine down.
ANALYZE_TIMEOUT=${ANALYZE_TIMEOUT:-900}          # seconds
ANALYZE_MEMORY_KB=${ANALYZE_MEMORY_KB:-6000000}  # virtual memory

printf '%-10s %5s %9s %9s %8s %8s %9s  %s\n' program TUs unparsed frontend_s handlers density analyze_s analyzer
failures=0
for package in $PROGRAMS; do
  dir=$(fetch "$package") && build "$package" "$dir" || { failures=$((failures + 1)); continue; }
  # The per-TU pass alone (summaries only): counts and time.
  start=$(date +%s.%N)
  summary=$("$SUMMARIZE" -p "$dir" -j "$JOBS" --quiet | tail -n1)
  frontend_seconds=$(python3 -c "print(round($(date +%s.%N) - $start, 2))")
  echo "corpus: $package front-end: $summary" >&2
  out="$CORPUS/$package.analysis.json"
  start=$(date +%s.%N)
  status=0
  (ulimit -v "$ANALYZE_MEMORY_KB"; exec timeout "$ANALYZE_TIMEOUT" "$PRISM" analyze -p "$dir" \
    --format=json -j "$JOBS") >"$out" 2>"$CORPUS/$package.analysis.log" || status=$?
  end=$(date +%s.%N)
  tool="prism analyze"
  if ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out" 2>/dev/null; then
    echo "corpus: prism analyze did not finish on $package (exit $status; 124 = timeout," \
      "memory limit ${ANALYZE_MEMORY_KB} KB; see $CORPUS/$package.analysis.log)" >&2
    echo "{}" >"$out"
    tool="prism analyze FAILED (exit $status)"
    failures=$((failures + 1))
  elif ((status != 0)); then
    tool="prism analyze (exit $status)"
  fi
  python3 - "$out" "$package" "$(python3 -c "print($end - $start)")" "$tool" "$summary" \
    "$frontend_seconds" <<'PY'
import json, re, sys
path, package, seconds, tool, summary, frontend_seconds = sys.argv[1:7]
report = json.load(open(path))
handlers = report.get("handlers", [])
matrix = report.get("matrix", [])
n = len(handlers)
nonzero = sum(1 for row in matrix for cell in row if cell)
density = nonzero / (n * n) if n else 0.0
m = re.search(r"(\d+) TUs \((\d+) not parsed\)", summary)
tus, unparsed = (m.group(1), m.group(2)) if m else ("?", "?")
print(f"{package:<10} {tus:>5} {unparsed:>9} {float(frontend_seconds):>9.2f} {n:>8} "
      f"{density:>8.2f} {float(seconds):>9.2f}  {tool}")
PY
done
exit $((failures > 0))
