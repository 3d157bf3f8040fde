// The handler-registration API table: which functions register event handlers,
// where their callback and context arguments are, and which callback parameter
// receives the context. The table itself is data (registration_apis.txt,
// embedded at build time); this is its parser. Thread-safe: the built-in table
// is parsed once and immutable.
#ifndef PRISM_SERVICES_ANALYZER_ENGINE_REGISTRATION_API_H_
#define PRISM_SERVICES_ANALYZER_ENGINE_REGISTRATION_API_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace prism::analyzer {

struct CallbackSlot {
  int argument = 0;  // Position of the callback among the API's arguments.
  int context_parameter =
      0;  // Position of the callback's parameter that receives the context.
};

// A callback parameter other than the context that receives what the
// registration passed (bufferevent_setcb's argument 0 is the bufferevent every
// callback gets as its parameter 0) or the object the registration call returns
// (evconnlistener_new_bind's listener).
struct PassedParameter {
  static constexpr int kReturned = -1;
  static constexpr int kShared = -2;  // The same object for every call.
  int parameter = 0;                  // Position of the callbacks' parameter.
  int argument = 0;  // Position of the API's argument, kReturned or kShared.
};

struct RegistrationApi {
  std::string name;
  // The Prism runtime has no prism_* wrapper for it: its callbacks run
  // outside the scheduler (on the loop thread, or inside other calls), so a
  // program using it must run serially.
  bool unscheduled = false;
  // ... but `prism run` (the preloaded runtime) interposes it and schedules
  // its callbacks: serial only for a build on the source-level API
  // (`unscheduled=source` in registration_apis.txt).
  bool preload_schedules = false;
  std::vector<CallbackSlot> callbacks;
  std::vector<PassedParameter> passes;
  int context_argument =
      0;  // Position of the context (`void *arg`) among the API's arguments.
};

using RegistrationApiTable =
    std::map<std::string, RegistrationApi, std::less<>>;

// Parses the table format documented at the top of registration_apis.txt.
absl::StatusOr<RegistrationApiTable> ParseRegistrationApis(
    absl::string_view text);

// The built-in table (registration_apis.txt).
const RegistrationApiTable& BuiltinRegistrationApis();

}  // namespace prism::analyzer

#endif  // PRISM_SERVICES_ANALYZER_ENGINE_REGISTRATION_API_H_
