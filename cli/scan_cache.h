// Remembers, per compile command, which files it read (with their digests), so
// that re-submitting an unchanged build does not preprocess every TU again. An
// entry is used only when nothing that could change the answer changed: every
// file read has the size and modification time it had, and every directory the
// preprocessor could have found a header in (each include search directory,
// joined with every subdirectory a header was found under) has the modification
// time (or absence) it had, so a header added where it would shadow another
// invalidates the entry. Content changed with its size and time restored (touch
// -d) is not seen; `prism submit --rescan` ignores the cache. Entries live in
// ~/.cache/prism/scan (or $XDG_CACHE_HOME/prism/scan), written atomically.
// Thread-compatible.
#ifndef PRISM_CLI_SCAN_CACHE_H_
#define PRISM_CLI_SCAN_CACHE_H_

#include <optional>
#include <string>
#include <vector>

#include "prism/v1/build.pb.h"
#include "services/analyzer/frontend/compilation_database.h"

namespace prism::cli {

class ScanCache {
 public:
  // Empty `directory`: the default location.
  explicit ScanCache(std::string directory = "");

  // The files `command` reads, as when it was stored, or nullopt.
  std::optional<std::vector<v1::SourceFile>> Lookup(
      const frontend::CompileCommand& command) const;
  // Remembers `files` (normalized absolute paths with digests) for `command`.
  void Store(const frontend::CompileCommand& command,
             const std::vector<v1::SourceFile>& files) const;

 private:
  std::string PathOf(const frontend::CompileCommand& command) const;
  std::string directory_;
};

}  // namespace prism::cli

#endif  // PRISM_CLI_SCAN_CACHE_H_
