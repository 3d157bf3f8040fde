#!/bin/sh
# Usage: embed_data.sh OUT.cc REGISTRATION_TABLE MODEL...  Writes a C++ file holding the files'
# texts as raw string literals (see embedded_data.h).
set -eu
out=$1
registration=$2
shift 2
delim=PRISMDATA
{
  echo '#include "services/analyzer/engine/embedded_data.h"'
  echo 'namespace prism::analyzer {'
  printf 'absl::string_view EmbeddedRegistrationApis() {\n  return R"%s(' "$delim"
  cat "$registration"
  printf ')%s";\n}\n' "$delim"
  echo 'const std::vector<EmbeddedFile>& EmbeddedModelFiles() {'
  echo '  static const std::vector<EmbeddedFile>* files = new std::vector<EmbeddedFile>{'
  for model in "$@"; do
    printf '      {"%s", R"%s(' "$(basename "$model")" "$delim"
    cat "$model"
    printf ')%s"},\n' "$delim"
  done
  echo '  };'
  echo '  return *files;'
  echo '}'
  echo '}  // namespace prism::analyzer'
} >"$out"
