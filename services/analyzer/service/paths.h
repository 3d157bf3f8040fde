// Path rules the service and its client agree on: where the server's own system
// headers are (those are never uploaded), and lexical normalization of the
// paths a build names. Thread-safe (pure functions).
#ifndef PRISM_SERVICES_ANALYZER_SERVICE_PATHS_H_
#define PRISM_SERVICES_ANALYZER_SERVICE_PATHS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace prism::service {

// Directories whose headers the analysis reads from the server's disk (Debian's
// layout: libc, GCC's and Clang's builtin headers). Every other file a TU reads
// must be uploaded.
const std::vector<std::string>& SystemHeaderDirectories();

// `path` made absolute against `directory` (itself absolute), with "." and ".."
// removed lexically and no trailing slash.
std::string NormalizePath(absl::string_view path, absl::string_view directory);

// True when normalized `path` is `directory` or lies below it.
bool IsWithin(absl::string_view path, absl::string_view directory);

bool IsInSystemHeaderDirectory(absl::string_view normalized_path);

}  // namespace prism::service

#endif  // PRISM_SERVICES_ANALYZER_SERVICE_PATHS_H_
