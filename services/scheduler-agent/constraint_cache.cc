#include "services/scheduler-agent/constraint_cache.h"

#include <dirent.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/analyzer/service/atomic_file.h"
#include "services/analyzer/service/sha256.h"

namespace prism::agent {
namespace {

// First line of every entry; the second is the payload's SHA-256.
constexpr absl::string_view kMagic = "prism-agent-constraints 1\n";
constexpr absl::string_view kSuffix = ".constraints";

}  // namespace

bool IsWellFormedBuildId(const std::string& build_id) {
  if (build_id.size() < 8 || build_id.size() > 128 || build_id.size() % 2 != 0)
    return false;
  for (char c : build_id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

absl::StatusOr<std::unique_ptr<ConstraintCache>> ConstraintCache::Open(
    const std::string& directory) {
  if (absl::Status made = service::MakeDirectories(directory); !made.ok()) {
    return absl::Status(made.code(), absl::StrCat("cache directory ", directory,
                                                  ": ", made.message()));
  }
  if (access(directory.c_str(), W_OK) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cache directory ", directory, " is not writable"));
  }
  return std::unique_ptr<ConstraintCache>(new ConstraintCache(directory));
}

std::string ConstraintCache::EntryPath(const std::string& program,
                                       const std::string& build_id) const {
  // The program name is the client's to choose: hashed, it can never name a
  // path outside the directory.
  return absl::StrCat(directory_, "/", build_id, "-",
                      service::Sha256Hex(program).substr(0, 32), kSuffix);
}

std::optional<v1::ConstraintSet> ConstraintCache::Get(
    const std::string& program, const std::string& build_id) {
  if (!IsWellFormedBuildId(build_id)) return std::nullopt;
  return ReadEntry(EntryPath(program, build_id), &program, &build_id);
}

std::optional<v1::ConstraintSet> ConstraintCache::ReadEntry(
    const std::string& path, const std::string* program,
    const std::string* build_id) {
  std::optional<std::string> bytes = service::ReadWholeFile(path);
  if (!bytes) return std::nullopt;
  auto discard = [&]() -> std::optional<v1::ConstraintSet> {
    unlink(path.c_str());
    corrupt_discarded_.fetch_add(1);
    return std::nullopt;
  };
  const absl::string_view entry = *bytes;
  const size_t digest_end = kMagic.size() + 64;
  if (entry.size() < digest_end + 1 || !absl::StartsWith(entry, kMagic) ||
      entry[digest_end] != '\n') {
    return discard();
  }
  const absl::string_view digest = entry.substr(kMagic.size(), 64);
  const absl::string_view payload = entry.substr(digest_end + 1);
  if (service::Sha256Hex(payload) != digest) return discard();
  v1::ConstraintSet set;
  if (!set.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return discard();
  }
  // The file's name must be the one its contents would be stored under.
  if ((program != nullptr && set.program() != *program) ||
      (build_id != nullptr && set.build_id() != *build_id) ||
      !IsWellFormedBuildId(set.build_id()) ||
      path != EntryPath(set.program(), set.build_id())) {
    return discard();
  }
  return set;
}

std::vector<std::pair<std::string, std::string>> ConstraintCache::Keys() {
  std::vector<std::string> paths;
  if (DIR* dir = opendir(directory_.c_str())) {
    while (dirent* entry = readdir(dir)) {
      if (absl::EndsWith(entry->d_name, kSuffix)) {
        paths.push_back(absl::StrCat(directory_, "/", entry->d_name));
      }
    }
    closedir(dir);
  }
  std::vector<std::pair<std::string, std::string>> keys;
  for (const std::string& path : paths) {
    if (std::optional<v1::ConstraintSet> set =
            ReadEntry(path, nullptr, nullptr)) {
      keys.emplace_back(set->program(), set->build_id());
    }
  }
  return keys;
}

absl::Status ConstraintCache::Put(const std::string& program,
                                  const std::string& build_id,
                                  const v1::ConstraintSet& set) {
  if (!IsWellFormedBuildId(build_id) || set.build_id() != build_id ||
      set.program() != program) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a set for program '", set.program(), "' build-id ", set.build_id(),
        " cannot be cached as program '", program, "' build-id ", build_id));
  }
  const std::string payload = set.SerializeAsString();
  return service::WriteFileAtomically(
      EntryPath(program, build_id),
      absl::StrCat(kMagic, service::Sha256Hex(payload), "\n", payload));
}

uint64_t ConstraintCache::EntryCount() const {
  DIR* dir = opendir(directory_.c_str());
  if (dir == nullptr) return 0;
  uint64_t count = 0;
  while (dirent* entry = readdir(dir)) {
    if (absl::EndsWith(entry->d_name, kSuffix)) ++count;
  }
  closedir(dir);
  return count;
}

}  // namespace prism::agent
