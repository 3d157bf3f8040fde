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

class SilentDiagnostics : public clang::DiagnosticConsumer {};

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
  clang::tooling::ToolInvocation invocation(
      frontend::AdjustArgumentsForAnalysis(command),
      std::make_unique<ScanAction>(command.directory, &files), manager.get());
  llvm::IntrusiveRefCntPtr<clang::DiagnosticOptions> diagnostic_options(
      new clang::DiagnosticOptions());
  SilentDiagnostics diagnostics;
  invocation.setDiagnosticOptions(diagnostic_options.get());
  invocation.setDiagnosticConsumer(&diagnostics);
  invocation.run();
  std::vector<std::string> result;
  for (const std::string& file : files) {
    if (!service::IsInSystemHeaderDirectory(file)) result.push_back(file);
  }
  return result;
}

}  // namespace prism::cli
