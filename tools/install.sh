#!/usr/bin/env bash
# Installs the Prism runtime for servers built outside Bazel (Make, CMake): headers under
# PREFIX/include/prism, libprism-runtime.a and libprism-runtime.so under PREFIX/lib (with
# libprism-preload.so, the runtime for unmodified servers), pkg-config modules under
# PREFIX/lib/pkgconfig and the CMake package under PREFIX/lib/cmake/PrismRuntime; the prism CLI
# under PREFIX/bin. What goes where are the manifests //lib/runtime:runtime_package writes
# (tools/runtime_package.bzl) and //cli:prism_install_manifest.
#
# usage: bazel run //:install -- PREFIX
#   A relative PREFIX is taken from the directory bazel was run in. Exits 2 on a usage error,
#   1 when PREFIX cannot be written.
set -euo pipefail

MANIFEST=lib/runtime/runtime_package.install
CLI_MANIFEST=cli/prism.install

usage() {
  echo "usage: bazel run //:install -- PREFIX   (e.g. \$HOME/.local or /usr/local)" >&2
  exit 2
}

die() {
  echo "install: $*" >&2
  exit 1
}

case $# in
  1) ;;
  0)
    echo "install: no PREFIX given" >&2
    usage
    ;;
  *)
    echo "install: one PREFIX expected, got $#: $*" >&2
    usage
    ;;
esac
case $1 in
  -h | --help) usage ;;
  "") echo "install: PREFIX is empty" >&2 && usage ;;
  -*) echo "install: unknown option '$1'" >&2 && usage ;;
esac

prefix=$1
if [[ $prefix != /* ]]; then
  # `bazel run` starts this in its runfiles tree; the user meant the directory they were in.
  prefix=${BUILD_WORKING_DIRECTORY:-$PWD}/$prefix
fi

# The packaged files: beside the manifest in this program's runfiles (bazel run's working
# directory), or in a test's runfiles tree, which holds the same paths.
runfiles=
for candidate in "$0.runfiles/prism" "$PWD"; do
  if [[ -f $candidate/$MANIFEST ]]; then
    runfiles=$candidate
    break
  fi
done
[[ -n $runfiles ]] || die "cannot find $MANIFEST in this program's runfiles (run it with 'bazel run //:install -- PREFIX')"

mkdir -p -- "$prefix" 2>/dev/null || die "cannot create PREFIX '$prefix'"
[[ -d $prefix && -w $prefix ]] || die "PREFIX '$prefix' is not a writable directory"

count=0
while read -r dest source links; do
  [[ -n $dest ]] || continue
  dir=$prefix/$dest
  mkdir -p -- "$dir" || die "cannot create '$dir'"
  name=$(basename -- "$source")
  mode=644
  [[ $name == *.so* || $dest == bin ]] && mode=755
  # Remove first: an earlier install left the file read-only (Bazel's outputs are).
  rm -f -- "$dir/$name"
  # cp, not install(1): a PATH holding this program's own directory would find it as "install".
  cp -- "$runfiles/$source" "$dir/$name" && chmod "$mode" -- "$dir/$name" ||
    die "cannot write '$dir/$name'"
  for link in $links; do
    ln -sfn -- "$name" "$dir/$link" || die "cannot link '$dir/$link'"
  done
  count=$((count + 1))
done < <(cat -- "$runfiles/$MANIFEST" "$runfiles/$CLI_MANIFEST")

echo "install: $count files under $prefix"
echo "install: pkg-config: PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs prism-runtime"
echo "install: CMake: -DCMAKE_PREFIX_PATH=$prefix and find_package(PrismRuntime), target Prism::runtime"
