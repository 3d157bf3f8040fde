// Startup: options and environment, and the decision the runtime runs by
// (serial, or a parallel scheduler under a ConstraintSet for this very build).
#include <errno.h>
#include <event2/thread.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/elf/build_id.h"
#include "lib/runtime/identity.h"
#include "lib/runtime/runtime_internal.h"
#include "lib/runtime/runtime_state.h"

// Exported by libevent 2.1 but declared only in its private headers: the lock
// callbacks in force (lock == NULL when evthread_use_pthreads() was never
// called).
extern "C" struct evthread_lock_callbacks* evthread_get_lock_callbacks(void);

using prism::runtime::Checker;
using prism::runtime::ConflictMatrix;
using prism::runtime::HandlerTable;
using prism::runtime::Policy;
using prism::runtime::Scheduler;
using prism::runtime::Warn;

namespace {

// Whether `base` itself was created with locking (after
// evthread_use_pthreads(), without EVENT_BASE_FLAG_NOLOCK). libevent has no
// query for it, but such a base is made notifiable at creation: it holds an
// internal persistent read event (its notification fd) before anyone else could
// add one. Call before evthread_make_base_notifiable. (An internal signal event
// added earlier looks the same; the global lock check still applies then.)
bool BaseCreatedWithLocking(event_base* base) {
  char* text = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  if (out == nullptr) return true;  // Cannot tell: rely on the global check.
  event_base_dump_events(base, out);
  std::fclose(out);
  bool found = false;
  for (const char* line = text; line != nullptr && *line != '\0';) {
    const char* end = std::strchr(line, '\n');
    std::string l(line, end != nullptr ? end - line : std::strlen(line));
    if (l.find("Internal") != std::string::npos &&
        l.find("Read") != std::string::npos) {
      found = true;
    }
    line = end != nullptr ? end + 1 : nullptr;
  }
  std::free(text);
  return found;
}

bool EnvFlag(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && std::strcmp(value, "1") == 0;
}

const char* EnvOr(const char* value, const char* env) {
  if (value != nullptr && value[0] != '\0') return value;
  const char* e = std::getenv(env);
  return (e != nullptr && e[0] != '\0') ? e : nullptr;
}

}  // namespace

namespace prism {
namespace runtime {

// Why constraints that loaded and validated still ask for serial execution,
// or "" when they do not: what worker threads would change whatever the
// matrix (serial_reasons, e.g. thread-local storage), or an analysis that is
// incomplete (a TU that failed, a callback of unknown target), whose matrix
// may miss conflicts (DESIGN.md invariant 1).
std::atomic<bool> registrations_interposed{false};

void NoteRegistrationsInterposed() {
  registrations_interposed.store(true, std::memory_order_relaxed);
}

// Whether every pair of handlers, each with itself included, conflicts on
// global data: then no two invocations may ever overlap (a handler the set
// does not name conflicts with everything anyway).
bool NothingRunsTogether(const prism::v1::ConstraintSet& set) {
  const std::string& cells = set.matrix().cells();
  if (cells.empty()) return false;
  for (char cell : cells) {
    if ((static_cast<uint8_t>(cell) & 1) == 0) return false;
  }
  return true;
}

std::string SerialReason(const prism::v1::ConstraintSet& set) {
  std::vector<std::string> reasons(set.serial_reasons().begin(),
                                   set.serial_reasons().end());
  // Registrations the source-level API has no wrapper for reach the runtime
  // when it was preloaded (preload.cc).
  if (!registrations_interposed.load(std::memory_order_relaxed)) {
    reasons.insert(reasons.end(), set.source_api_serial_reasons().begin(),
                   set.source_api_serial_reasons().end());
  }
  if (!set.complete()) {
    if (set.incomplete_reasons_size() == 0) {
      reasons.push_back("the analysis is incomplete (no reason recorded)");
    }
    for (const std::string& r : set.incomplete_reasons()) {
      reasons.push_back("incomplete analysis: " + r);
    }
  }
  if (reasons.empty()) return "";
  return absl::StrFormat(
      "the constraints require serial execution (%s); running serial",
      absl::StrJoin(reasons, "; "));
}

}  // namespace runtime
}  // namespace prism

extern "C" {

void prism_options_init(struct prism_options* opts) {
  if (opts != nullptr) std::memset(opts, 0, sizeof(*opts));
}

prism_runtime* prism_runtime_new(struct event_base* base,
                                 const struct prism_options* opts) {
  if (base == nullptr) {
    Warn("prism_runtime_new: event base is NULL");
    return nullptr;
  }
  prism_options o;
  prism_options_init(&o);
  if (opts != nullptr) o = *opts;

  // Which scheduler was asked for.
  enum prism_scheduler wanted = o.scheduler;
  std::string serial_reason;
  if (wanted == PRISM_SCHEDULER_DEFAULT) {
    const char* env = std::getenv("PRISM_SCHEDULER");
    if (env == nullptr || env[0] == '\0' || std::strcmp(env, "exact") == 0) {
      wanted = PRISM_SCHEDULER_EXACT;
    } else if (std::strcmp(env, "huecolor") == 0) {
      wanted = PRISM_SCHEDULER_HUECOLOR;
    } else if (std::strcmp(env, "serial") == 0) {
      wanted = PRISM_SCHEDULER_SERIAL;
    } else {
      wanted = PRISM_SCHEDULER_SERIAL;
      serial_reason = absl::StrFormat(
          "PRISM_SCHEDULER='%s' is not serial, huecolor or exact; running "
          "serial",
          env);
    }
  } else if (wanted != PRISM_SCHEDULER_SERIAL &&
             wanted != PRISM_SCHEDULER_HUECOLOR &&
             wanted != PRISM_SCHEDULER_EXACT) {
    serial_reason =
        absl::StrFormat("unknown scheduler option %d; running serial", wanted);
    wanted = PRISM_SCHEDULER_SERIAL;
  }

  int workers = o.workers;
  if (workers <= 0) {
    const char* env = std::getenv("PRISM_WORKERS");
    int n = 0;
    if (env != nullptr && env[0] != '\0') {
      if (absl::SimpleAtoi(env, &n) && n > 0 && n <= 1024) {
        workers = n;
      } else {
        Warn(absl::StrFormat(
            "PRISM_WORKERS='%s' is not a number of workers in 1..1024; using "
            "the number of cores",
            env));
      }
    }
    if (workers <= 0)
      workers = static_cast<int>(std::thread::hardware_concurrency());
    if (workers <= 0) workers = 1;
  }
  bool check = o.check > 0 || (o.check == 0 && EnvFlag("PRISM_CHECK"));

  auto rt = std::make_unique<prism_runtime>();
  rt->base = base;
  // Empty: the agent client's default socket.
  const char* agent_env = EnvOr(o.agent_socket, "PRISM_AGENT_SOCKET");
  const std::string agent_socket = agent_env != nullptr ? agent_env : "";

  // Constraints: explicit file, then the agent, then none (DESIGN.md invariants
  // 1 and 2).
  prism::v1::ConstraintSet set;
  bool have_constraints = false;
  if (wanted != PRISM_SCHEDULER_SERIAL) {
    absl::StatusOr<std::string> build_id =
        prism::ReadGnuBuildId("/proc/self/exe");
    if (build_id.ok()) rt->build_id = *build_id;
    const char* path = EnvOr(o.constraints_path, "PRISM_CONSTRAINTS");
    if (!build_id.ok()) {
      serial_reason = absl::StrFormat(
          "cannot read this program's build-id (%s); running serial",
          build_id.status().message());
    } else if (path != nullptr) {
      absl::StatusOr<prism::v1::ConstraintSet> loaded =
          prism::runtime::ReadConstraintFile(path);
      absl::Status valid =
          loaded.ok() ? prism::runtime::ValidateConstraints(*loaded, *build_id)
                      : loaded.status();
      if (valid.ok()) {
        set = *std::move(loaded);
        have_constraints = true;
      } else {
        serial_reason =
            absl::StrFormat("constraints %s rejected: %s; running serial", path,
                            valid.message());
      }
    } else {
      auto agent = prism::runtime::NewAgentSource(agent_socket);
      absl::StatusOr<prism::v1::ConstraintSet> fetched = agent->GetConstraints(
          program_invocation_short_name, *build_id, getpid());
      absl::Status valid = fetched.ok() ? prism::runtime::ValidateConstraints(
                                              *fetched, *build_id)
                                        : fetched.status();
      if (valid.ok()) {
        set = *std::move(fetched);
        have_constraints = true;
      } else if (fetched.ok()) {
        serial_reason = absl::StrFormat(
            "agent constraints rejected: %s; running serial", valid.message());
      } else {
        serial_reason = absl::StrFormat(
            "no constraints for build-id %s (set PRISM_CONSTRAINTS to a file "
            "written by `prism "
            "analyze --emit-constraints`; agent: %s); running serial",
            *build_id, fetched.status().message());
      }
    }
  }

  if (have_constraints) {
    std::string required = prism::runtime::SerialReason(set);
    if (!required.empty()) {
      serial_reason = required;
      have_constraints = false;
    } else if (prism::runtime::NothingRunsTogether(set)) {
      // Workers could only ever run one invocation at a time, one after
      // another, which is what libevent does on the loop thread already: the
      // scheduler would be pure cost.
      serial_reason =
          "the constraints let no two handlers run together (every pair "
          "conflicts on global data): running serial, with no scheduling cost";
      have_constraints = false;
    }
  }
  if (!have_constraints) {
    if (!serial_reason.empty()) Warn(serial_reason);
    return prism::runtime::RegisterBase(base, rt.release());
  }

  // Parallel: handlers will call libevent from worker threads.
  const evthread_lock_callbacks* locks = evthread_get_lock_callbacks();
  if (locks == nullptr || locks->lock == nullptr) {
    Warn(
        "prism_runtime_new: a parallel scheduler needs libevent's thread "
        "support: call "
        "evthread_use_pthreads() before event_base_new() (or set "
        "PRISM_SCHEDULER=serial)");
    return nullptr;
  }
  if (!BaseCreatedWithLocking(base)) {
    Warn(
        "prism_runtime_new: a parallel scheduler needs an event base with "
        "locking, and this "
        "one has none: create it after evthread_use_pthreads() and without "
        "EVENT_BASE_FLAG_NOLOCK (or set PRISM_SCHEDULER=serial)");
    return nullptr;
  }
  if (evthread_make_base_notifiable(base) != 0) {
    Warn(
        "prism_runtime_new: cannot make the event base notifiable from worker "
        "threads");
    return nullptr;
  }
  if (!prism::runtime::CreateLoopEvents(rt.get())) {
    Warn("prism_runtime_new: out of memory");
    return nullptr;
  }

  const int n = set.handlers_size();
  std::vector<uint8_t> cells(set.matrix().cells().begin(),
                             set.matrix().cells().end());
  rt->matrix = std::make_unique<ConflictMatrix>(n, cells);
  rt->handlers = HandlerTable(set);
  if (check) rt->checker = std::make_unique<Checker>(rt->matrix.get());
  Policy policy =
      wanted == PRISM_SCHEDULER_HUECOLOR ? Policy::kHueColor : Policy::kExact;
  rt->mode = wanted == PRISM_SCHEDULER_HUECOLOR ? "huecolor" : "exact";
  rt->symbols = std::make_unique<prism::runtime::SymbolTable>();
  prism::runtime::PrepareBypassCheck();
  rt->scheduler = std::make_unique<Scheduler>(policy, rt->matrix.get(), workers,
                                              rt->checker.get());
  prism_runtime* runtime = rt.get();
  rt->telemetry = prism::runtime::NewTelemetryReporter(agent_socket, [runtime] {
    return prism::runtime::RuntimeTelemetrySnapshot(runtime);
  });
  return prism::runtime::RegisterBase(base, rt.release());
}

}  // extern "C"
