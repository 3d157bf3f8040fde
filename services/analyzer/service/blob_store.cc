#include "services/analyzer/service/blob_store.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "services/analyzer/service/atomic_file.h"
#include "services/analyzer/service/sha256.h"

namespace prism::service {

absl::Status CheckDigest(const v1::Digest& digest) {
  if (!IsSha256Hex(digest.sha256())) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed digest '", digest.sha256().substr(0, 80),
                     "': want 64 lowercase hex digits of SHA-256"));
  }
  if (digest.size_bytes() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("digest ", digest.sha256(), " has a negative size_bytes"));
  }
  return absl::OkStatus();
}

std::string DigestName(const v1::Digest& digest) {
  return absl::StrCat(digest.sha256(), "/", digest.size_bytes());
}

absl::StatusOr<std::unique_ptr<BlobStore>> BlobStore::Open(
    const std::string& directory) {
  if (absl::Status made = MakeDirectories(directory); !made.ok()) return made;
  return std::unique_ptr<BlobStore>(new BlobStore(directory));
}

std::string BlobStore::PathOf(const v1::Digest& digest) const {
  return absl::StrCat(directory_, "/", digest.sha256());
}

bool BlobStore::Contains(const v1::Digest& digest) const {
  struct stat info;
  return CheckDigest(digest).ok() && stat(PathOf(digest).c_str(), &info) == 0 &&
         info.st_size == digest.size_bytes();
}

absl::Status BlobStore::Put(const v1::Digest& digest, absl::string_view data) {
  if (absl::Status valid = CheckDigest(digest); !valid.ok()) return valid;
  if (static_cast<int64_t>(data.size()) != digest.size_bytes() ||
      Sha256Hex(data) != digest.sha256()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "blob ", DigestName(digest), ": its ", data.size(),
        " bytes have SHA-256 ", Sha256Hex(data),
        ", not the digest it was uploaded under; nothing was stored"));
  }
  if (Contains(digest)) return absl::OkStatus();
  return WriteFileAtomically(PathOf(digest), data);
}

std::optional<std::string> BlobStore::Get(const v1::Digest& digest) const {
  if (!CheckDigest(digest).ok()) return std::nullopt;
  std::optional<std::string> data = ReadWholeFile(PathOf(digest));
  if (!data || static_cast<int64_t>(data->size()) != digest.size_bytes() ||
      Sha256Hex(*data) != digest.sha256()) {
    return std::nullopt;
  }
  return data;
}

}  // namespace prism::service
