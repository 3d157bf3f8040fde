// Uploaded files, addressed by SHA-256 (REAPI's content-addressable storage),
// in a local directory: one file per blob, named by its digest, written
// atomically. A blob is stored only when its bytes match its digest, and
// verified again when read, so a damaged file is a missing blob (the client
// uploads it again), never wrong content. Thread-safe; processes may share it.
#ifndef PRISM_SERVICES_ANALYZER_SERVICE_BLOB_STORE_H_
#define PRISM_SERVICES_ANALYZER_SERVICE_BLOB_STORE_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "prism/v1/common.pb.h"

namespace prism::service {

// OK when `digest` is well formed (64 lowercase hex digits, size >= 0); else
// INVALID_ARGUMENT.
absl::Status CheckDigest(const v1::Digest& digest);

// "sha256/size", how messages name a digest.
std::string DigestName(const v1::Digest& digest);

class BlobStore {
 public:
  static absl::StatusOr<std::unique_ptr<BlobStore>> Open(
      const std::string& directory);

  bool Contains(const v1::Digest& digest) const;
  // INVALID_ARGUMENT when `data` does not match `digest`; nothing is stored
  // then.
  absl::Status Put(const v1::Digest& digest, absl::string_view data);
  // The blob's bytes, or nullopt when it is absent or damaged.
  std::optional<std::string> Get(const v1::Digest& digest) const;

 private:
  explicit BlobStore(std::string directory)
      : directory_(std::move(directory)) {}
  std::string PathOf(const v1::Digest& digest) const;
  std::string directory_;
};

}  // namespace prism::service

#endif  // PRISM_SERVICES_ANALYZER_SERVICE_BLOB_STORE_H_
