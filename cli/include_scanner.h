// Which files a compile command reads: its main file and every header the
// preprocessor enters, found by running Clang's preprocessor (only) on the
// client's machine. `prism submit` uploads those outside the system header
// directories (services/analyzer/service/paths.h); the service reads its own
// system headers. Thread-compatible.
#ifndef PRISM_CLI_INCLUDE_SCANNER_H_
#define PRISM_CLI_INCLUDE_SCANNER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/analyzer/frontend/compilation_database.h"

namespace prism::cli {

// Normalized absolute paths, sorted, system headers left out. Fails only when
// the main file cannot be read; a missing header just ends the list where the
// preprocessor stopped.
absl::StatusOr<std::vector<std::string>> FilesReadBy(
    const frontend::CompileCommand& command);

}  // namespace prism::cli

#endif  // PRISM_CLI_INCLUDE_SCANNER_H_
