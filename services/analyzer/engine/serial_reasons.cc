// What makes a program run serially whatever its matrix (README.md,
// "Thread-local storage"): thread-local state, handlers registered through
// APIs the runtime cannot schedule.
#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/analyzer/engine/analysis.h"

namespace prism::analyzer {

// A handler registered through an API the runtime cannot schedule (no
// prism_* wrapper): it would run outside the constraints, so the program
// must run serially.
void Analysis::NoteUnscheduled(const HandlerInfo& handler,
                               const RegistrationApi& registration,
                               const SourceLocation& location) {
  const std::string& api = registration.name;
  if (registration.preload_schedules) {
    AddSerialReason(
        absl::StrCat("3|", handler.proto.name(), "|", api), location,
        absl::StrCat(
            "handler ", handler.proto.name(), " is registered through ", api,
            ", which the Prism runtime's source-level API has no prism_* "
            "wrapper for: a build on that API runs serially; under `prism "
            "run` the preloaded runtime schedules it"));
    return;
  }
  AddSerialReason(
      absl::StrCat("2|", handler.proto.name(), "|", api), location,
      absl::StrCat(
          "handler ", handler.proto.name(), " is registered through ", api,
          ", which the Prism runtime cannot schedule (no prism_* wrapper): "
          "it would run outside the constraints, so the constraints tell "
          "the runtime to run this program serially"));
}

// What makes the program run serially whatever the matrix, once per key,
// reported as a warning at `location` and carried by the ConstraintSet.
void Analysis::AddSerialReason(const std::string& key,
                               const SourceLocation& location,
                               std::string message) {
  // Handlers are classified on several threads; their keys name the
  // handler itself, so no two threads add under one key.
  std::lock_guard<std::mutex> lock(classify_mu_);
  auto [it, inserted] = serial_reasons_.try_emplace(key);
  if (!inserted) return;
  prism::v1::Diagnostic& diagnostic = it->second;
  diagnostic.set_severity(prism::v1::Diagnostic::SEVERITY_WARNING);
  *diagnostic.mutable_location() = location;
  diagnostic.set_message(std::move(message));
}

// A handler using thread-local storage: on worker threads it would see a
// different copy from one invocation to the next, which no matrix can
// prevent, so the program must run serially (DESIGN.md: unknown means
// serial).
void Analysis::NoteThreadLocal(const HandlerInfo& handler,
                               const HandlerAccess& access) {
  if (access.path.base == BaseKind::kHiddenState &&
      per_thread_states_.count(access.path.key)) {
    AddSerialReason(
        absl::StrCat("1|", handler.proto.name(), "|", handler.proto.file(), ":",
                     handler.proto.line(), "|", access.path.key),
        access.location,
        absl::StrCat("handler ", handler.proto.name(),
                     " uses thread-specific data (", access.path.key,
                     "): worker threads each have their own, so the "
                     "constraints tell the runtime to run this program "
                     "serially"));
    return;
  }
  if (access.path.base != BaseKind::kGlobal) return;
  auto it = program_.globals().find(access.path.key);
  if (it == program_.globals().end() || !it->second->per_thread()) return;
  AddSerialReason(
      absl::StrCat("1|", handler.proto.name(), "|", handler.proto.file(), ":",
                   handler.proto.line(), "|", it->second->name()),
      access.location,
      absl::StrCat("handler ", handler.proto.name(), " uses the thread-local '",
                   it->second->name(),
                   "': worker threads each have their own copy, so the "
                   "constraints tell the runtime to run this program "
                   "serially"));
}

}  // namespace prism::analyzer
