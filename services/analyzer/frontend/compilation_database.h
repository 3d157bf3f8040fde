// Loading the compile commands the analyzer's per-TU pass runs: from a build
// directory's compile_commands.json (`-p DIR`) or from a command line in
// clang-tool style
// (`FILES... -- FLAGS`).
//
// A CompileCommand is plain data: the directory the compiler ran in, the main
// file as the command names it, and the full argument vector (argv[0] is the
// compiler). Commands are kept exactly as the database lists them — a database
// may list one file several times (memcached and memcached-debug build the same
// sources twice) and every command is a TU of its own.
//
// Thread-safety: the functions here are pure; CompileCommand is a value type.
#ifndef PRISM_SERVICES_ANALYZER_FRONTEND_COMPILATION_DATABASE_H_
#define PRISM_SERVICES_ANALYZER_FRONTEND_COMPILATION_DATABASE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace prism::frontend {

struct CompileCommand {
  std::string directory;  // Absolute working directory of the compiler.
  std::string file;       // Main file, as the command names it.
  std::vector<std::string> arguments;  // argv, argv[0] the compiler.
};

// Where Clang's builtin headers (stddef.h, stdarg.h) live.
inline constexpr char kClangResourceDir[] = "/usr/lib/llvm-14/lib/clang/14.0.6";

// Every command of DIR/compile_commands.json, in the database's order.
absl::StatusOr<std::vector<CompileCommand>> LoadCompilationDatabase(
    const std::string& build_dir);

// Commands for FILES compiled with FLAGS (the arguments after `--`), in
// DIRECTORY (the current directory when empty).
absl::StatusOr<std::vector<CompileCommand>> CommandsFromFlags(
    const std::vector<std::string>& files,
    const std::vector<std::string>& flags, const std::string& directory = "");

// Parses clang-tool style arguments: `-p DIR` or `FILES... -- FLAGS`.
absl::StatusOr<std::vector<CompileCommand>> CommandsFromCommandLine(
    const std::vector<std::string>& args);

// The argument vector the front-end actually runs: syntax-only, no
// output/dependency files, Clang's resource dir, warnings that cannot become
// errors.
std::vector<std::string> AdjustArgumentsForAnalysis(
    const CompileCommand& command);

// `path` relative to `directory` when it lies inside it, else `path` made
// absolute and normalized. Keeps reported paths stable across checkouts.
std::string RelativeToDirectory(const std::string& path,
                                const std::string& directory);

}  // namespace prism::frontend

#endif  // PRISM_SERVICES_ANALYZER_FRONTEND_COMPILATION_DATABASE_H_
