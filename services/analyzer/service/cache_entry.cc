#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/analyzer/service/cache.h"
#include "services/analyzer/service/sha256.h"

namespace prism::service {
namespace {

constexpr absl::string_view kMagic = "prism-cache-entry/1 ";
constexpr size_t kDigestLength = 64;

}  // namespace

std::string EncodeCacheEntry(absl::string_view payload) {
  return absl::StrCat(kMagic, Sha256Hex(payload), "\n", payload);
}

std::optional<std::string> DecodeCacheEntry(absl::string_view stored) {
  if (!absl::StartsWith(stored, kMagic)) return std::nullopt;
  stored.remove_prefix(kMagic.size());
  if (stored.size() < kDigestLength + 1 || stored[kDigestLength] != '\n') {
    return std::nullopt;
  }
  absl::string_view digest = stored.substr(0, kDigestLength);
  absl::string_view payload = stored.substr(kDigestLength + 1);
  if (Sha256Hex(payload) != digest) return std::nullopt;
  return std::string(payload);
}

}  // namespace prism::service
