#include "services/analyzer/frontend/compilation_database.h"

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clang/Tooling/ArgumentsAdjusters.h"
#include "clang/Tooling/CompilationDatabase.h"
#include "clang/Tooling/JSONCompilationDatabase.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace prism::frontend {
namespace {

std::string CurrentDirectory() {
  llvm::SmallString<256> cwd;
  if (llvm::sys::fs::current_path(cwd)) return ".";
  return std::string(cwd.str());
}

std::string Absolute(const std::string& path, const std::string& directory) {
  llvm::SmallString<256> result(path);
  if (!llvm::sys::path::is_absolute(result)) {
    llvm::SmallString<256> base(directory.empty() ? CurrentDirectory()
                                                  : directory);
    llvm::sys::path::append(base, path);
    result = base;
  }
  llvm::sys::path::remove_dots(result, /*remove_dot_dot=*/true);
  return std::string(result.str());
}

CompileCommand FromClang(const clang::tooling::CompileCommand& command) {
  CompileCommand result;
  result.directory = Absolute(command.Directory, "");
  result.file = command.Filename;
  result.arguments = command.CommandLine;
  return result;
}

}  // namespace

absl::StatusOr<std::vector<CompileCommand>> LoadCompilationDatabase(
    const std::string& build_dir) {
  std::string error;
  std::string path = build_dir;
  if (!absl::EndsWith(path, ".json")) {
    llvm::SmallString<256> joined(build_dir);
    llvm::sys::path::append(joined, "compile_commands.json");
    path = std::string(joined.str());
  }
  if (!llvm::sys::fs::exists(path)) {
    return absl::NotFoundError(
        absl::StrCat("no compilation database: ", path,
                     " does not exist (build with `bear -- make` or "
                     "CMAKE_EXPORT_COMPILE_COMMANDS=ON)"));
  }
  std::unique_ptr<clang::tooling::JSONCompilationDatabase> database =
      clang::tooling::JSONCompilationDatabase::loadFromFile(
          path, error, clang::tooling::JSONCommandLineSyntax::AutoDetect);
  if (database == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read compilation database ", path, ": ", error));
  }
  std::vector<CompileCommand> commands;
  for (const clang::tooling::CompileCommand& command :
       database->getAllCompileCommands()) {
    if (command.CommandLine.empty()) continue;
    commands.push_back(FromClang(command));
  }
  return commands;
}

absl::StatusOr<std::vector<CompileCommand>> CommandsFromFlags(
    const std::vector<std::string>& files,
    const std::vector<std::string>& flags, const std::string& directory) {
  if (files.empty()) return absl::InvalidArgumentError("no source files given");
  std::string dir =
      Absolute(directory.empty() ? CurrentDirectory() : directory, "");
  std::vector<CompileCommand> commands;
  for (const std::string& file : files) {
    CompileCommand command;
    command.directory = dir;
    command.file = file;
    bool cxx = absl::EndsWith(file, ".cc") || absl::EndsWith(file, ".cpp") ||
               absl::EndsWith(file, ".cxx") || absl::EndsWith(file, ".C");
    command.arguments.push_back(cxx ? "clang++" : "clang");
    command.arguments.insert(command.arguments.end(), flags.begin(),
                             flags.end());
    command.arguments.push_back("-c");
    command.arguments.push_back(file);
    commands.push_back(std::move(command));
  }
  return commands;
}

absl::StatusOr<std::vector<CompileCommand>> CommandsFromCommandLine(
    const std::vector<std::string>& args) {
  std::vector<std::string> files;
  std::vector<std::string> flags;
  std::string build_dir;
  bool after_dashes = false;
  bool have_dashes = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (after_dashes) {
      flags.push_back(arg);
    } else if (arg == "--") {
      after_dashes = have_dashes = true;
    } else if (arg == "-p") {
      if (i + 1 >= args.size())
        return absl::InvalidArgumentError("-p needs a directory");
      build_dir = args[++i];
    } else if (absl::StartsWith(arg, "-p=")) {
      build_dir = arg.substr(3);
    } else {
      files.push_back(arg);
    }
  }
  if (!build_dir.empty()) {
    absl::StatusOr<std::vector<CompileCommand>> all =
        LoadCompilationDatabase(build_dir);
    if (!all.ok() || files.empty()) return all;
    // Restrict to the named files.
    std::vector<CompileCommand> chosen;
    std::string build_abs = Absolute(build_dir, "");
    if (absl::EndsWith(build_abs, ".json")) {
      build_abs = std::string(llvm::sys::path::parent_path(build_abs));
    }
    for (CompileCommand& command : *all) {
      std::string abs = Absolute(command.file, command.directory);
      for (const std::string& file : files) {
        if (Absolute(file, "") == abs || Absolute(file, build_abs) == abs ||
            file == command.file) {
          chosen.push_back(command);
          break;
        }
      }
    }
    if (chosen.empty()) {
      return absl::NotFoundError(
          "none of the named files is in the compilation database");
    }
    return chosen;
  }
  if (!have_dashes) {
    return absl::InvalidArgumentError(
        "give either `-p BUILD_DIR` or `FILES... -- COMPILER_FLAGS`");
  }
  return CommandsFromFlags(files, flags, "");
}

std::vector<std::string> AdjustArgumentsForAnalysis(
    const CompileCommand& command) {
  using namespace clang::tooling;  // NOLINT: the adjusters' names are
                                   // self-describing.
  CommandLineArguments args = command.arguments;
  args = getClangStripOutputAdjuster()(args, command.file);
  args = getClangStripDependencyFileAdjuster()(args, command.file);
  args = getClangSyntaxOnlyAdjuster()(args, command.file);
  // Drop the flags that turn warnings into errors and options GCC knows but
  // Clang rejects.
  CommandLineArguments kept;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (i > 0 && (arg == "-Werror" || absl::StartsWith(arg, "-Werror=")))
      continue;
    kept.push_back(arg);
  }
  // Insert our flags right after argv[0], so the file names stay last.
  std::vector<std::string> extra = {
      std::string("-resource-dir=") + kClangResourceDir,
      "-Qunused-arguments",
      "-Wno-unknown-warning-option",
      "-Wno-ignored-optimization-argument",
      "-ferror-limit=50",
      "-w",
  };
  if (kept.empty()) kept.push_back("clang");
  kept.insert(kept.begin() + 1, extra.begin(), extra.end());
  return kept;
}

std::string RelativeToDirectory(const std::string& path,
                                const std::string& directory) {
  std::string abs = Absolute(path, directory);
  if (!directory.empty()) {
    std::string dir = Absolute(directory, "");
    if (!absl::EndsWith(dir, "/")) dir += "/";
    if (absl::StartsWith(abs, dir)) return abs.substr(dir.size());
  }
  return abs;
}

}  // namespace prism::frontend
