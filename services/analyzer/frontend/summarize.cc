#include "services/analyzer/frontend/summarize.h"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clang/AST/ASTConsumer.h"
#include "clang/AST/ASTContext.h"
#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Basic/FileManager.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Lex/PPCallbacks.h"
#include "clang/Lex/Preprocessor.h"
#include "clang/Tooling/Tooling.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "services/analyzer/frontend/function_summary.h"
#include "services/analyzer/frontend/translation_unit_collector.h"

namespace prism::frontend {
namespace {

constexpr int kMaxDiagnostics = 100;

// Clang's errors (and the notes attached to them) as Diagnostic messages.
class DiagnosticCollector : public clang::DiagnosticConsumer {
 public:
  DiagnosticCollector(std::string directory, v1::TranslationUnitSummary* out)
      : directory_(std::move(directory)), out_(out) {}

  void HandleDiagnostic(clang::DiagnosticsEngine::Level level,
                        const clang::Diagnostic& info) override {
    clang::DiagnosticConsumer::HandleDiagnostic(level, info);
    if (level < clang::DiagnosticsEngine::Error) return;
    if (level >= clang::DiagnosticsEngine::Error) errors_ = true;
    if (out_->diagnostics_size() >= kMaxDiagnostics) return;
    v1::Diagnostic* diagnostic = out_->add_diagnostics();
    diagnostic->set_severity(v1::Diagnostic::SEVERITY_ERROR);
    llvm::SmallString<256> message;
    info.FormatDiagnostic(message);
    diagnostic->set_message(std::string(message.str()));
    if (info.hasSourceManager() && info.getLocation().isValid()) {
      const clang::SourceManager& sm = info.getSourceManager();
      clang::SourceLocation loc = sm.getExpansionLoc(info.getLocation());
      clang::PresumedLoc presumed = sm.getPresumedLoc(loc);
      if (presumed.isValid()) {
        v1::SourceLocation* where = diagnostic->mutable_location();
        where->set_file(
            RelativeToDirectory(presumed.getFilename(), directory_));
        where->set_line(presumed.getLine());
        where->set_column(presumed.getColumn());
      }
    }
  }

  bool errors() const { return errors_; }

 private:
  std::string directory_;
  v1::TranslationUnitSummary* out_;
  bool errors_ = false;
};

// Records every file the preprocessor enters, with whether it is a system
// header.
class InputRecorder : public clang::PPCallbacks {
 public:
  InputRecorder(const clang::SourceManager& sm,
                std::map<std::string, clang::FileID>* files)
      : sm_(sm), files_(files) {}

  void FileChanged(clang::SourceLocation loc, FileChangeReason reason,
                   clang::SrcMgr::CharacteristicKind kind,
                   clang::FileID) override {
    if (reason != EnterFile || clang::SrcMgr::isSystem(kind)) return;
    clang::FileID file = sm_.getFileID(loc);
    const clang::FileEntry* entry = sm_.getFileEntryForID(file);
    if (entry == nullptr) return;
    files_->emplace(std::string(entry->getName()), file);
  }

 private:
  const clang::SourceManager& sm_;
  std::map<std::string, clang::FileID>* files_;
};

class SummaryConsumer : public clang::ASTConsumer {
 public:
  SummaryConsumer(std::string directory, v1::TranslationUnitSummary* out,
                  bool typed_aliasing)
      : directory_(std::move(directory)),
        out_(out),
        typed_aliasing_(typed_aliasing) {}

  void HandleTranslationUnit(clang::ASTContext& ast) override {
    SummaryContext context(ast, directory_, typed_aliasing_);
    CollectTranslationUnit(context, out_);
  }

 private:
  std::string directory_;
  v1::TranslationUnitSummary* out_;
  bool typed_aliasing_;
};

class SummaryAction : public clang::ASTFrontendAction {
 public:
  SummaryAction(std::string directory, v1::TranslationUnitSummary* out,
                std::string* inputs)
      : directory_(std::move(directory)), out_(out), inputs_(inputs) {}

  std::unique_ptr<clang::ASTConsumer> CreateASTConsumer(
      clang::CompilerInstance& ci, llvm::StringRef) override {
    // C's effective-type rules decide what an access may touch only in C and
    // only when the compiler may rely on them too.
    const clang::LangOptions& language = ci.getLangOpts();
    const bool typed_aliasing = !language.CPlusPlus && !language.ObjC &&
                                !language.OpenCL && !language.CUDA &&
                                !ci.getCodeGenOpts().RelaxedAliasing;
    return std::make_unique<SummaryConsumer>(directory_, out_, typed_aliasing);
  }

  bool BeginSourceFileAction(clang::CompilerInstance& ci) override {
    ci.getPreprocessor().addPPCallbacks(
        std::make_unique<InputRecorder>(ci.getSourceManager(), &files_));
    return true;
  }

  void EndSourceFileAction() override {
    // The main file and every non-system file it included, in name order.
    clang::CompilerInstance& ci = getCompilerInstance();
    clang::SourceManager& sm = ci.getSourceManager();
    if (const clang::FileEntry* main =
            sm.getFileEntryForID(sm.getMainFileID())) {
      files_.emplace(std::string(main->getName()), sm.getMainFileID());
    }
    for (const auto& [name, file] : files_) {
      llvm::Optional<llvm::MemoryBufferRef> buffer = sm.getBufferOrNone(file);
      std::string relative = RelativeToDirectory(name, directory_);
      absl::StrAppend(inputs_, "file\n", relative, "\n");
      if (buffer) {
        absl::StrAppend(inputs_, buffer->getBufferSize(), "\n");
        inputs_->append(buffer->getBufferStart(), buffer->getBufferSize());
      }
      inputs_->push_back('\n');
    }
  }

 private:
  std::string directory_;
  v1::TranslationUnitSummary* out_;
  std::string* inputs_;
  std::map<std::string, clang::FileID> files_;
};

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  if (context == nullptr) return "";
  bool ok = EVP_DigestInit_ex(context, EVP_sha256(), nullptr) == 1 &&
            EVP_DigestUpdate(context, data.data(), data.size()) == 1 &&
            EVP_DigestFinal_ex(context, digest, &length) == 1;
  EVP_MD_CTX_free(context);
  if (!ok) return "";
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 15]);
  }
  return hex;
}

void AddError(v1::TranslationUnitSummary* summary, const std::string& message) {
  v1::Diagnostic* diagnostic = summary->add_diagnostics();
  diagnostic->set_severity(v1::Diagnostic::SEVERITY_ERROR);
  diagnostic->set_message(message);
  diagnostic->mutable_location()->set_file(summary->main_file());
}

// One Clang run over `args`; fills `summary` (parsed, diagnostics, facts) and
// `inputs`.
void RunClangOnce(const CompileCommand& command,
                  const std::vector<std::string>& args,
                  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> fs,
                  v1::TranslationUnitSummary* summary, std::string* inputs) {
  if (fs->setCurrentWorkingDirectory(command.directory)) {
    AddError(summary, absl::StrCat("cannot enter the command's directory ",
                                   command.directory));
    return;
  }
  clang::FileSystemOptions options;
  options.WorkingDir = command.directory;
  llvm::IntrusiveRefCntPtr<clang::FileManager> files(
      new clang::FileManager(options, fs));

  DiagnosticCollector diagnostics(command.directory, summary);
  auto action =
      std::make_unique<SummaryAction>(command.directory, summary, inputs);
  clang::tooling::ToolInvocation invocation(args, std::move(action),
                                            files.get());
  llvm::IntrusiveRefCntPtr<clang::DiagnosticOptions> diagnostic_options(
      new clang::DiagnosticOptions());
  invocation.setDiagnosticOptions(diagnostic_options.get());
  invocation.setDiagnosticConsumer(&diagnostics);

  bool ran = false;
  llvm::CrashRecoveryContext recovery;
  bool survived = recovery.RunSafely([&]() { ran = invocation.run(); });
  if (!survived) {
    AddError(summary,
             "the analyzer crashed on this translation unit; treating it as "
             "unparsed");
    ran = false;
  }
  if (!ran && summary->diagnostics_size() == 0) {
    AddError(summary, "clang could not run this compile command");
  }
  summary->set_parsed(ran && survived && !diagnostics.errors());
}

// The arguments Clang's driver rejected ("unknown argument: '-fgcc-only'"),
// when those are the only errors; empty otherwise.
std::vector<std::string> OnlyUnknownArguments(
    const v1::TranslationUnitSummary& summary) {
  constexpr char kPrefix[] = "unknown argument: '";
  std::vector<std::string> unknown;
  for (const v1::Diagnostic& diagnostic : summary.diagnostics()) {
    if (diagnostic.severity() != v1::Diagnostic::SEVERITY_ERROR) continue;
    const std::string& message = diagnostic.message();
    if (!absl::StartsWith(message, kPrefix) || message.back() != '\'')
      return {};
    unknown.push_back(
        message.substr(sizeof(kPrefix) - 1, message.size() - sizeof(kPrefix)));
  }
  return unknown;
}

void RunClang(const CompileCommand& command,
              llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> fs,
              v1::TranslationUnitSummary* summary) {
  std::vector<std::string> args = AdjustArgumentsForAnalysis(command);
  std::string header = absl::StrCat(kFrontendVersion, "\n");
  for (const std::string& arg : args)
    absl::StrAppend(&header, arg.size(), ":", arg, "\n");
  std::string inputs = header;
  v1::TranslationUnitSummary attempt = *summary;
  RunClangOnce(command, args, fs, &attempt, &inputs);
  // GCC-only flags (a build made with gcc) are not the code's fault: drop them
  // and run again.
  std::vector<std::string> unknown = attempt.parsed()
                                         ? std::vector<std::string>()
                                         : OnlyUnknownArguments(attempt);
  if (!unknown.empty()) {
    std::vector<std::string> kept;
    for (size_t i = 0; i < args.size(); ++i) {
      if (i == 0 ||
          std::find(unknown.begin(), unknown.end(), args[i]) == unknown.end()) {
        kept.push_back(args[i]);
      }
    }
    inputs = header;
    attempt = *summary;
    v1::Diagnostic* note = attempt.add_diagnostics();
    note->set_severity(v1::Diagnostic::SEVERITY_NOTE);
    note->set_message(absl::StrCat("ignored arguments Clang does not know: ",
                                   absl::StrJoin(unknown, " ")));
    RunClangOnce(command, kept, fs, &attempt, &inputs);
  }
  *summary = std::move(attempt);
  summary->set_input_digest(Sha256Hex(inputs));
}

std::once_flag crash_recovery_once;

bool IsAssembly(const std::string& file) {
  for (const char* extension : {".s", ".S", ".sx", ".asm"}) {
    if (absl::EndsWith(file, extension)) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<v1::TranslationUnitSummary> SummarizeTranslationUnit(
    const CompileCommand& command,
    llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> file_system) {
  if (command.file.empty())
    return absl::InvalidArgumentError("compile command names no file");
  if (command.arguments.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "compile command for ", command.file, " has no arguments"));
  }
  std::call_once(crash_recovery_once,
                 []() { llvm::CrashRecoveryContext::Enable(); });
  v1::TranslationUnitSummary summary;
  summary.set_main_file(command.file);
  if (IsAssembly(command.file)) {
    // No C to analyze; functions it defines stay unknown (bodyless) to the link
    // step, which assumes the worst for them.
    summary.set_parsed(true);
    v1::Diagnostic* note = summary.add_diagnostics();
    note->set_severity(v1::Diagnostic::SEVERITY_NOTE);
    note->set_message(
        "assembly source: not analyzed; functions it defines are unknown code");
    note->mutable_location()->set_file(command.file);
    summary.set_input_digest(Sha256Hex(
        absl::StrCat(kFrontendVersion, "\nassembly\n", command.file)));
    return summary;
  }
  try {
    if (file_system == nullptr) {
      file_system = llvm::vfs::createPhysicalFileSystem();
    }
    RunClang(command, file_system, &summary);
  } catch (const std::exception& error) {
    summary.set_parsed(false);
    AddError(&summary, absl::StrCat("analyzer error: ", error.what()));
  } catch (...) {
    summary.set_parsed(false);
    AddError(&summary, "analyzer error");
  }
  return summary;
}

std::vector<v1::TranslationUnitSummary> SummarizeAll(
    const std::vector<CompileCommand>& commands, int jobs) {
  std::vector<v1::TranslationUnitSummary> results(commands.size());
  if (jobs <= 0)
    jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  jobs = std::min<int>(jobs,
                       static_cast<int>(std::max<size_t>(1, commands.size())));
  std::atomic<size_t> next{0};
  auto worker = [&]() {
    while (true) {
      size_t i = next.fetch_add(1);
      if (i >= commands.size()) return;
      absl::StatusOr<v1::TranslationUnitSummary> summary =
          SummarizeTranslationUnit(commands[i]);
      if (summary.ok()) {
        results[i] = std::move(*summary);
      } else {
        results[i].set_main_file(commands[i].file);
        results[i].set_parsed(false);
        AddError(&results[i], std::string(summary.status().message()));
      }
    }
  };
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs; ++j) threads.emplace_back(worker);
  worker();
  for (std::thread& thread : threads) thread.join();
  return results;
}

}  // namespace prism::frontend
