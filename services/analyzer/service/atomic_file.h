// Files that are either absent or complete: written under a temporary name in
// the same directory, flushed, then renamed over the final name, so a reader
// (another process too) never sees half a file, even after kill -9 mid-write.
// Thread-safe.
#ifndef PRISM_SERVICES_ANALYZER_SERVICE_ATOMIC_FILE_H_
#define PRISM_SERVICES_ANALYZER_SERVICE_ATOMIC_FILE_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace prism::service {

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents);

// The file's bytes, or nullopt when it cannot be read.
std::optional<std::string> ReadWholeFile(const std::string& path);

// Creates `path` and its parents (mkdir -p).
absl::Status MakeDirectories(const std::string& path);

}  // namespace prism::service

#endif  // PRISM_SERVICES_ANALYZER_SERVICE_ATOMIC_FILE_H_
