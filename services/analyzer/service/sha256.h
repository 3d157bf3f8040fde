// SHA-256 as the service addresses content with it: lowercase hex, as in
// prism.v1.Digest. Thread-safe (pure functions).
#ifndef PRISM_SERVICES_ANALYZER_SERVICE_SHA256_H_
#define PRISM_SERVICES_ANALYZER_SERVICE_SHA256_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace prism::service {

std::string Sha256Hex(absl::string_view bytes);

// Sha256Hex of the file at `path` (this binary's fingerprint, from
// /proc/self/exe), or nothing when it cannot be read.
std::optional<std::string> Sha256HexOfFile(const std::string& path);

// True for 64 lowercase hex digits, the only spelling the service accepts.
bool IsSha256Hex(absl::string_view text);

}  // namespace prism::service

#endif  // PRISM_SERVICES_ANALYZER_SERVICE_SHA256_H_
