// Cache backend on a local directory: one file per entry, named by the SHA-256
// of its key (so no key can name a path), written with WriteFileAtomically.
// Several processes may share one directory. Entries are not bounded or
// expired: remove the directory to reclaim space.
#ifndef PRISM_SERVICES_ANALYZER_SERVICE_LOCAL_DIRECTORY_CACHE_H_
#define PRISM_SERVICES_ANALYZER_SERVICE_LOCAL_DIRECTORY_CACHE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/analyzer/service/cache.h"

namespace prism::service {

class LocalDirectoryCache : public Cache {
 public:
  // Creates `directory` when needed.
  static absl::StatusOr<std::unique_ptr<LocalDirectoryCache>> Open(
      const std::string& directory);

  std::optional<std::string> Get(const std::string& key) override;
  void Put(const std::string& key, absl::string_view value) override;
  std::string Describe() const override;

  // Where the entry for `key` lives (tests damage entries through it).
  std::string PathOf(const std::string& key) const;

 private:
  explicit LocalDirectoryCache(std::string directory)
      : directory_(std::move(directory)) {}
  std::string directory_;
};

}  // namespace prism::service

#endif  // PRISM_SERVICES_ANALYZER_SERVICE_LOCAL_DIRECTORY_CACHE_H_
