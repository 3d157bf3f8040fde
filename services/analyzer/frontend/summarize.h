// The analyzer's per-translation-unit pass: runs Clang on one compile command
// and records the facts of summary.proto (prism.v1.TranslationUnitSummary) —
// functions, accesses, calls, pointer stores and returns, declarations — for
// the link step to merge.
//
// Promises:
// - Never throws and never aborts on bad input: a TU that fails to parse still
// yields a summary
//   with parsed=false and Clang's diagnostics (and whatever could be
//   summarized), so the link step assumes the worst for it. The StatusOr is an
//   error only for unusable commands.
// - input_digest is SHA-256 over the analyzer version, the compile arguments
// and the contents of
//   every non-system file the TU read: equal digests mean equal summaries.
// - Paths in locations are relative to the command's directory when inside it.
//
// Thread-safety: SummarizeTranslationUnit may run concurrently on different
// commands (each call has its own Clang instance); SummarizeAll does exactly
// that over `jobs` threads.
#ifndef PRISM_SERVICES_ANALYZER_FRONTEND_SUMMARIZE_H_
#define PRISM_SERVICES_ANALYZER_FRONTEND_SUMMARIZE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "prism/v1/summary.pb.h"
#include "services/analyzer/frontend/compilation_database.h"

namespace prism::frontend {

// Changes whenever the summaries this front-end records change meaning; part of
// input_digest.
// 2: call arguments carry literal_without_percent_n and integer_loaded_from.
// 3: ... and pointee_without_pointers and pointer_loaded_from.
// 4: value sources carry `within` (pointers inside aggregates and passed local
//    memory).
// 5: BASE_ESCAPED_LOCAL; temporaries named by their location.
// 6: declarations say which globals are thread-local (per_thread).
// 7: function-pointer arguments carry their function type.
// 8: statement order (accesses, calls, stores, loops); accesses of memory the
//    function allocated and of locals whose address left it.
// 12: pointers moved by arithmetic cover the object around them (selector
//     "<enclosing>", common/enclosing.h); `p++` is p's value; a subscript
//     through a loaded pointer is a dereference ("*"); pointers read from
//     unions with integer members are unknown.
// 13: function pointers held in memory handed to a bodyless function are
//     foreign, with the argument's position.
// 19: globals say whether the program defines them and whether their pointers
//     may start out unknown (Declaration.defined, .initial_pointers_unknown).
// 20: an integer constant made a function pointer (SIG_IGN) is no foreign
//     function.
inline constexpr char kFrontendVersion[] = "prism-frontend/20";

// `file_system` is what Clang reads every file through (the analyzer service
// passes one that holds only the uploaded files and the system headers); null
// means the real file system.
absl::StatusOr<v1::TranslationUnitSummary> SummarizeTranslationUnit(
    const CompileCommand& command,
    llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> file_system = nullptr);

// One summary per command, in the commands' order; a command that cannot run
// yields a summary with parsed=false and a diagnostic saying why. `jobs` <= 0
// means one per core.
std::vector<v1::TranslationUnitSummary> SummarizeAll(
    const std::vector<CompileCommand>& commands, int jobs);

}  // namespace prism::frontend

#endif  // PRISM_SERVICES_ANALYZER_FRONTEND_SUMMARIZE_H_
