#include "services/analyzer/service/local_directory_cache.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "services/analyzer/service/atomic_file.h"
#include "services/analyzer/service/sha256.h"

namespace prism::service {

absl::StatusOr<std::unique_ptr<LocalDirectoryCache>> LocalDirectoryCache::Open(
    const std::string& directory) {
  if (directory.empty()) {
    return absl::InvalidArgumentError("the cache directory is empty");
  }
  if (absl::Status made = MakeDirectories(directory); !made.ok()) return made;
  return std::unique_ptr<LocalDirectoryCache>(
      new LocalDirectoryCache(directory));
}

std::string LocalDirectoryCache::PathOf(const std::string& key) const {
  // Two levels keep directories small on large caches.
  const std::string name = Sha256Hex(key);
  return absl::StrCat(directory_, "/", name.substr(0, 2), "/", name);
}

std::optional<std::string> LocalDirectoryCache::Get(const std::string& key) {
  std::optional<std::string> stored = ReadWholeFile(PathOf(key));
  if (!stored) return std::nullopt;
  return DecodeCacheEntry(*stored);
}

void LocalDirectoryCache::Put(const std::string& key, absl::string_view value) {
  const std::string path = PathOf(key);
  absl::Status status = MakeDirectories(path.substr(0, path.rfind('/')));
  if (status.ok()) status = WriteFileAtomically(path, EncodeCacheEntry(value));
  if (!status.ok()) {
    std::fprintf(stderr, "prism-analyzer: warning: cache write failed: %s\n",
                 std::string(status.message()).c_str());
  }
}

std::string LocalDirectoryCache::Describe() const {
  return absl::StrCat("local directory ", directory_);
}

}  // namespace prism::service
