#include "cli/include_scanner.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Basic/FileManager.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendActions.h"
#include "clang/Lex/PPCallbacks.h"
#include "clang/Lex/Preprocessor.h"
#include "clang/Tooling/Tooling.h"
#include "services/analyzer/service/paths.h"

namespace prism::cli {
namespace {

class EnteredFiles : public clang::PPCallbacks {
 public:
  EnteredFiles(const clang::SourceManager& sources, std::string directory,
               std::set<std::string>* files)
      : sources_(sources), directory_(std::move(directory)), files_(files) {}

  void FileChanged(clang::SourceLocation location, FileChangeReason reason,
                   clang::SrcMgr::CharacteristicKind, clang::FileID) override {
    if (reason != EnterFile) return;
    const clang::FileEntry* entry =
        sources_.getFileEntryForID(sources_.getFileID(location));
    if (entry == nullptr) return;
    files_->insert(
        service::NormalizePath(std::string(entry->getName()), directory_));
  }

 private:
  const clang::SourceManager& sources_;
  std::string directory_;
  std::set<std::string>* files_;
};

class ScanAction : public clang::PreprocessOnlyAction {
 public:
  ScanAction(std::string directory, std::set<std::string>* files)
      : directory_(std::move(directory)), files_(files) {}

  bool BeginSourceFileAction(clang::CompilerInstance& compiler) override {
    compiler.getPreprocessor().addPPCallbacks(std::make_unique<EnteredFiles>(
        compiler.getSourceManager(), directory_, files_));
    return true;
  }

 private:
  std::string directory_;
  std::set<std::string>* files_;
};

// Keeps the driver's "unknown argument" errors (GCC-only flags in a build made
// with gcc), prints nothing.
class UnknownArguments : public clang::DiagnosticConsumer {
 public:
  void HandleDiagnostic(clang::DiagnosticsEngine::Level level,
                        const clang::Diagnostic& info) override {
    if (level < clang::DiagnosticsEngine::Error) return;
    llvm::SmallString<128> message;
    info.FormatDiagnostic(message);
    constexpr llvm::StringLiteral kPrefix = "unknown argument: '";
    llvm::StringRef text = message.str();
    if (text.startswith(kPrefix) && text.endswith("'")) {
      arguments_.insert(text.drop_front(kPrefix.size()).drop_back().str());
    }
  }
  const std::set<std::string>& arguments() const { return arguments_; }

 private:
  std::set<std::string> arguments_;
};

// One preprocessor run over `args`; the arguments Clang did not know.
std::set<std::string> Preprocess(const frontend::CompileCommand& command,
                                 const std::vector<std::string>& args,
                                 clang::FileManager* manager,
                                 std::set<std::string>* files) {
  clang::tooling::ToolInvocation invocation(
      args, std::make_unique<ScanAction>(command.directory, files), manager);
  llvm::IntrusiveRefCntPtr<clang::DiagnosticOptions> diagnostic_options(
      new clang::DiagnosticOptions());
  UnknownArguments diagnostics;
  invocation.setDiagnosticOptions(diagnostic_options.get());
  invocation.setDiagnosticConsumer(&diagnostics);
  invocation.run();
  return diagnostics.arguments();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> FilesReadBy(
    const frontend::CompileCommand& command) {
  std::set<std::string> files;
  const std::string main =
      service::NormalizePath(command.file, command.directory);
  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> real =
      llvm::vfs::createPhysicalFileSystem();
  if (real->setCurrentWorkingDirectory(command.directory)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot enter ", command.directory));
  }
  if (!real->exists(main)) {
    return absl::NotFoundError(absl::StrCat("cannot read ", main));
  }
  files.insert(main);
  clang::FileSystemOptions options;
  options.WorkingDir = command.directory;
  llvm::IntrusiveRefCntPtr<clang::FileManager> manager(
      new clang::FileManager(options, real));
  std::vector<std::string> args = frontend::AdjustArgumentsForAnalysis(command);
  std::set<std::string> unknown =
      Preprocess(command, args, manager.get(), &files);
  if (!unknown.empty()) {
    // As the front-end does on the service: drop them and run again.
    std::vector<std::string> known;
    for (size_t i = 0; i < args.size(); ++i) {
      if (i == 0 || !unknown.count(args[i])) known.push_back(args[i]);
    }
    Preprocess(command, known, manager.get(), &files);
  }
  std::vector<std::string> result;
  for (const std::string& file : files) {
    if (!service::IsInSystemHeaderDirectory(file)) result.push_back(file);
  }
  return result;
}

}  // namespace prism::cli
