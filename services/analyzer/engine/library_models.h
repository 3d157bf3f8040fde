// Library models: what a function without a body in the analysed program (libc,
// libevent, ...) reads and writes, as data (models/*.model, one file per
// library; users add their own with `prism analyze --model FILE`). The format
// and the conservative rule for functions that have neither a body nor a model
// are documented in README.md beside this file. Thread-safe: models are
// immutable once parsed.
#ifndef PRISM_SERVICES_ANALYZER_ENGINE_LIBRARY_MODELS_H_
#define PRISM_SERVICES_ANALYZER_ENGINE_LIBRARY_MODELS_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace prism::analyzer {

// A set of argument positions: explicit ones plus, optionally, every position
// from `from_on`.
struct ArgumentSet {
  std::vector<int> positions;
  int from_on = -1;  // -1: none.
  bool Contains(int position) const;
};

struct FunctionModel {
  enum class Returns { kNone, kFresh, kUnknown, kArgument, kHiddenState };
  std::string name;
  ArgumentSet reads;   // Memory reachable from these arguments is read.
  ArgumentSet writes;  // ... and from these, written (and read).
  // Pointers the call stores into what argument `into` points to (strtol's
  // end, getline's line); other writes are data, no pointer. What is stored:
  // a pointer into what argument `from` points to, fresh memory, a value
  // derived from what is already there (nothing new), or unknown.
  struct PointerStore {
    enum class Kind { kUnknown, kArgument, kFresh, kSame };
    int into = 0;
    Kind kind = Kind::kUnknown;
    int from = 0;  // kArgument
  };
  std::vector<PointerStore> stores;
  ArgumentSet calls;  // Function pointers among these arguments may be called.
  // Functions passed in these arguments (or held in what they point to: a
  // struct sigaction) are installed as POSIX signal handlers, which run
  // asynchronously in the serial program too.
  ArgumentSet async;
  // What these arguments point to is a stream the library locks for each call
  // (a stdio FILE): the call is one atomic operation on it, so conflicts only
  // on it are reported as suggested removals (only the interleaving of whole
  // calls changes).
  ArgumentSet locked;
  // The call follows pointers held in what these arguments point to (readv's
  // iovec, getline's *lineptr), so an unknown pointer held there means
  // unknown memory. Elsewhere a library call touches what an argument points
  // to and what paths below it name, not what unknown pointers inside lead to.
  ArgumentSet deep;
  // Whether stores= says which pointers the call leaves where argument
  // `position` points (otherwise a write there may leave any).
  bool DescribesPointers(int position) const {
    for (const PointerStore& store : stores) {
      if (store.into == position) return true;
    }
    return false;
  }
  // Integer arguments naming a resource whose life the call ends (close's
  // descriptor): what their value was read from is written.
  ArgumentSet releases;
  // The call ends the life of the objects these arguments point to (free):
  // a write of each object itself, not of memory reached through pointers
  // held in it.
  ArgumentSet frees;
  // (destination, source): the pointers held in what the source argument
  // points to are copied into what the destination points to (memcpy).
  std::vector<std::pair<int, int>> copies;
  struct Hidden {
    std::string name;  // "libc:strtok"
    bool write = false;
    bool locked = false;  // Locked per call by the library (stdout's FILE).
    // One copy per thread (pthread_getspecific's keys, errno): handlers on
    // worker threads would each see their own, which no matrix prevents.
    bool per_thread = false;
  };
  std::vector<Hidden> hidden;
  // Unknown memory (any program memory) read or written by the call itself, not
  // through an argument: fork copies the whole address space.
  enum class Unknown { kNone, kRead, kWrite };
  Unknown unknown = Unknown::kNone;
  // printf-like: argument `format` is the format. A `%n` conversion writes
  // through the argument it consumes, so unless the format is a string literal
  // without `%n` every argument after the format may be written; for a
  // `va_list` variant (`format_va_list`) the values are in the va_list, which
  // the analysis does not follow: what the caller's callers pass when the
  // format is the caller's parameter, unknown memory otherwise (link.cc,
  // FormatWrites). -1: none.
  int format = -1;
  bool format_va_list = false;
  // Whether argument `position` may be written through a `%n` of the format;
  // `literal_without_percent_n`: the format argument is such a literal.
  bool FormatMayWrite(int position, bool literal_without_percent_n) const {
    return format >= 0 && !format_va_list && position > format &&
           !literal_without_percent_n;
  }
  // Whether a va_list variant may write through a `%n` of the format (one
  // that is not a literal without `%n`).
  bool FormatMayWriteUnknown(bool literal_without_percent_n) const {
    return format >= 0 && format_va_list && !literal_without_percent_n;
  }
  Returns returns = Returns::kNone;
  int returns_argument = 0;  // kArgument
  std::string
      returns_hidden;  // kHiddenState: a pointer into this hidden state.
  std::string source;  // "libc.model:12", for reports.
};

using ModelTable = std::map<std::string, FunctionModel, std::less<>>;

// Parses one model file into `table` (later definitions replace earlier ones).
absl::Status ParseModels(absl::string_view text, absl::string_view file_name,
                         ModelTable* table);

// The built-in models: libc/POSIX and libevent (models/*.model).
absl::StatusOr<ModelTable> BuiltinModels();

}  // namespace prism::analyzer

#endif  // PRISM_SERVICES_ANALYZER_ENGINE_LIBRARY_MODELS_H_
