#!/usr/bin/env bash
# Downloads the real programs the tests run but nobody here wrote (tools/setup.sh calls it):
# Debian's libevent source package, whose unmodified sample servers tests/preload runs under
# `prism run`. Into PRISM_TEST_SOURCES (default /var/cache/prism/sources); nothing is committed.
set -euo pipefail
source "$(dirname "$0")/debian_source.sh"
into=${PRISM_TEST_SOURCES:-/var/cache/prism/sources}
$SUDO mkdir -p "$into"
[[ -w "$into" ]] || $SUDO chown "$(id -u):$(id -g)" "$into"
fetch_debian_source "$into" libevent >/dev/null
