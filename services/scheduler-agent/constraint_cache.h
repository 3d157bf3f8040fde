// The agent's on-disk cache of ConstraintSets, one file per (program,
// build-id), so an agent restart keeps what it fetched and a server still
// starts parallel while the analyzer is away. Entries are written atomically
// (write, then rename) and carry the SHA-256 of their payload: an entry that is
// truncated, altered, undecodable or for another program or build is deleted
// and reported as a miss, never served. Thread-safe.
#ifndef PRISM_SERVICES_SCHEDULER_AGENT_CONSTRAINT_CACHE_H_
#define PRISM_SERVICES_SCHEDULER_AGENT_CONSTRAINT_CACHE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "prism/v1/constraints.pb.h"

namespace prism::agent {

class ConstraintCache {
 public:
  // Creates `directory` when missing.
  static absl::StatusOr<std::unique_ptr<ConstraintCache>> Open(
      const std::string& directory);

  // The cached set for exactly this program and build-id, or nullopt (also
  // after discarding a corrupt entry).
  std::optional<v1::ConstraintSet> Get(const std::string& program,
                                       const std::string& build_id);
  // Stores `set`, which must name this program and build-id.
  absl::Status Put(const std::string& program, const std::string& build_id,
                   const v1::ConstraintSet& set);

  // Program and build-id of every well-formed entry (corrupt ones are
  // discarded on the way).
  std::vector<std::pair<std::string, std::string>> Keys();

  // Entries on disk now (well-formed or not).
  uint64_t EntryCount() const;
  uint64_t corrupt_discarded() const { return corrupt_discarded_.load(); }

  // The file an entry lives in (tests corrupt it on purpose).
  std::string EntryPath(const std::string& program,
                        const std::string& build_id) const;

 private:
  // The set in the entry file at `path`, discarding the file when it is not a
  // well-formed entry (for `program`/`build_id` when they are given).
  std::optional<v1::ConstraintSet> ReadEntry(const std::string& path,
                                             const std::string* program,
                                             const std::string* build_id);

  explicit ConstraintCache(std::string directory)
      : directory_(std::move(directory)) {}

  std::string directory_;
  std::atomic<uint64_t> corrupt_discarded_{0};
};

// A GNU build-id as the runtime spells it: lowercase hex, an even number of
// digits, 8 to 128 of them.
bool IsWellFormedBuildId(const std::string& build_id);

}  // namespace prism::agent

#endif  // PRISM_SERVICES_SCHEDULER_AGENT_CONSTRAINT_CACHE_H_
