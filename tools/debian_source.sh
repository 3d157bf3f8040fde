#!/usr/bin/env bash
# Debian source packages for tests and the corpus: sourced by tests/corpus/run_corpus.sh and
# tools/fetch_test_sources.sh. Real programs used as inputs are downloaded with `apt-get source`
# at test time and never committed.
#   ensure_deb_src                    adds a deb-src entry for Debian's main archive if none
#   fetch_debian_source DIR PACKAGE   prints DIR/PACKAGE-VERSION, extracting it when absent

if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi

have_deb_src() {
  grep -qsE '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list &&
    return 0
  grep -qsE '^[[:space:]]*Types:.*deb-src' /etc/apt/sources.list.d/*.sources && return 0
  return 1
}

add_deb_src() {
  # deb822 (.sources) first: copy the stanza whose URI is the main archive (not -security).
  local file
  for file in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$file" ]] || continue
    local stanza
    stanza=$(awk -v RS= '/Types:[^\n]*deb/ && /URIs:/ && !/security/ {print; exit}' "$file")
    if [[ -n "$stanza" ]]; then
      printf '%s\n' "$stanza" | sed -e 's/^Types:.*/Types: deb-src/' |
        $SUDO tee /etc/apt/sources.list.d/prism-deb-src.sources >/dev/null
      echo "debian-source: added deb-src from $file" >&2
      return 0
    fi
  done
  # One-line format.
  local line
  line=$(grep -hsE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
    grep -v security | head -n1 || true)
  if [[ -n "$line" ]]; then
    echo "${line/deb/deb-src}" | $SUDO tee /etc/apt/sources.list.d/prism-deb-src.list >/dev/null
    echo "debian-source: added deb-src: ${line/deb/deb-src}" >&2
    return 0
  fi
  echo "debian-source: no Debian 'deb' source found to derive a deb-src line from" >&2
  return 1
}

ensure_deb_src() {
  have_deb_src && return 0
  add_deb_src || return 1
  $SUDO apt-get update -qq
}

fetch_debian_source() {
  local into=$1 package=$2 dir
  dir=$(find "$into" -maxdepth 1 -type d -name "${package}-[0-9]*" | sort | head -n1)
  if [[ -z "$dir" ]]; then
    ensure_deb_src || return 1
    (cd "$into" && apt-get source -qq "$package" >/dev/null 2>&1) ||
      (cd "$into" && apt-get source "$package" >&2)
    dir=$(find "$into" -maxdepth 1 -type d -name "${package}-[0-9]*" | sort | head -n1)
  fi
  [[ -n "$dir" ]] || { echo "debian-source: apt-get source $package produced no directory" >&2; return 1; }
  echo "$dir"
}
