#!/usr/bin/env bash
# Prism's main job on the embedded default: installs what it needs, builds Prism, and runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
bazel build --disk_cache="${PRISM_BAZEL_DISK_CACHE:-$HOME/.cache/prism/bazel-disk}" //cli:prism
bazel-bin/cli/prism --help
