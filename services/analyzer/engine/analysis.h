// The analysis proper (engine.h's Analyze): handler discovery, escapes,
// handler-parameter bindings, classification of each handler's effects, serial
// reasons, overrides and pairwise conflicts. One class, whose methods live in
// one file per concern (handler_discovery.cc, escapes.cc,
// parameter_bindings.cc, classify.cc, serial_reasons.cc, overrides.cc,
// conflicts.cc); the rules are stated in README.md beside them. Internal to
// the engine. Not thread-safe: one Analysis per call of Analyze.
#ifndef PRISM_SERVICES_ANALYZER_ENGINE_ANALYSIS_H_
#define PRISM_SERVICES_ANALYZER_ENGINE_ANALYSIS_H_

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "prism/v1/constraints.pb.h"
#include "services/analyzer/engine/effects.h"
#include "services/analyzer/engine/engine.h"
#include "services/analyzer/engine/link.h"
#include "services/analyzer/engine/registration_api.h"

namespace prism::analyzer {

using prism::v1::AnalysisResult;
using prism::v1::SourceLocation;

// The lvalues a registration's argument was read from: a pointer
// (ArgumentValue.pointer_loaded_from: the callback's parameter is what they
// hold) or a descriptor number (integer_loaded_from: releasing the parameter
// writes them).
struct PassedLvalues {
  std::vector<Path> paths;
  bool number = false;
};

// A callback slot of a registration API, or of a wrapper function that passes
// one of its parameters on to such a slot (memcached's `_set_event`), to any
// depth.
struct WrapperSlot {
  int parameter = 0;  // The function's parameter that receives the callback.
  int context_parameter =
      0;  // The callback's parameter that receives the context.
  std::string api;
  std::vector<Value> context_values;  // The context, in the wrapper's terms.
  // Callback parameter -> what the registration passes to it (the table's
  // `passes=`), in the wrapper's terms.
  std::map<int, std::vector<Value>> passed;
  // Callback parameter -> the lvalues its argument was read from (c->bev), when
  // known (ArgumentValue.pointer_loaded_from).
  std::map<int, PassedLvalues> passed_lvalues;
  std::vector<std::string>
      via;  // Wrapper chain from this function to the API call.
};

struct RegistrationFact {
  std::string registering_usr;  // Function whose body holds the registration.
  std::vector<Value> context_values;
  std::string api;
  int context_parameter = 0;
  std::map<int, std::vector<Value>> passed;
  std::map<int, PassedLvalues> passed_lvalues;
};

// What a handler's pointer parameter other than the context stands for
// (README.md, "Handler parameters"): memory reached from the context (values
// relative to the context parameter), and/or memory no other context reaches.
// `global`: neither can be shown; its accesses are global.
struct ParameterBinding {
  std::vector<Value> context_values;
  // Objects (allocation sites) only the callbacks of the registrations that
  // pass them reach, each on the context registered with it.
  std::set<std::string> own_objects;
  bool global = false;
  // Some registration leaves the parameter to the library (not in the
  // table's passes=): a number released through it may be anyone's.
  bool library_made = false;
};

struct HandlerInfo {
  prism::v1::Handler proto;
  std::set<std::string> usrs;
  std::set<int> context_parameters;
  std::vector<RegistrationFact> registrations;
};

// One access of a handler, classified.
struct HandlerAccess {
  bool context = false;
  bool unknown = false;  // Global and overlaps every global resource.
  std::string
      group;  // Global: the base's identity; context: the role ("ctx", "p0").
  Path path;
  std::string resource;
  bool write = false;
  bool atomic = false;
  std::string designated_type;  // Effect::designated_type.
  SourceLocation location;
  std::vector<std::string> via;
};

// An access of an object the handler handed to a registration, after the
// hand-over: `root` is what the registration was given, which `callback`
// (a function, or unknown: any handler) receives as its parameter `parameter`
// (-1: any).
struct HandedAccess {
  HandlerAccess access;
  Value root;
  Value callback;
  int parameter = 0;
};

struct HandlerAccesses {
  std::map<std::string, std::vector<HandlerAccess>> global_groups;
  std::vector<HandlerAccess> unknown;
  std::vector<const HandlerAccess*> all_global;
  std::map<std::string, std::vector<HandlerAccess>> context_groups;
  // global_groups with one access for every set of accesses the removal plan
  // cannot tell apart when no override is declared (DistinctForPlan): the
  // plan pass matches every pair of accesses, the report pass only a few.
  std::map<std::string, std::vector<HandlerAccess>> plan_global_groups;
  // Accesses of objects the handler handed to registrations, made after the
  // hand-over (handed_objects.cc): they race with the registered handlers.
  std::vector<HandedAccess> handed_over;
};

// The accesses of each group that differ in what the plan pass reads of them
// (conflicts.cc), first of each kind kept in order: matching a repeat records
// nothing new, so the plan is the same.
std::map<std::string, std::vector<HandlerAccess>> DistinctForPlan(
    const std::map<std::string, std::vector<HandlerAccess>>& groups);

inline std::string LocationKey(const SourceLocation& location) {
  return absl::StrCat(location.file(), ":", location.line(), ":",
                      location.column());
}

inline bool IsSelectorField(const std::string& selector) {
  return selector != "*" && selector != "[]";
}

inline bool IsPrefix(const std::vector<std::string>& prefix,
                     const std::vector<std::string>& of) {
  if (prefix.size() > of.size()) return false;
  return SelectorsOverlap(prefix, of);
}

inline std::string RoleOf(const HandlerInfo& handler, int parameter) {
  if (handler.context_parameters.count(parameter)) return "ctx";
  if (parameter == kThisParameter) return "this";
  return absl::StrCat("p", parameter);
}

// A group of resources one change would make safe (removal_plan.cc): a
// global and its fields, one hidden library state, unknown code by the
// function that runs it, escaped contexts, one alias.
struct RemovalGroup {
  std::string name;
  std::string override_line;  // Empty when no override can express it.
  std::string suggestion;
};
// Where a global conflict on <unknown> comes from: the function named last
// in the access's call chain, and what it is.
struct UnknownSource {
  enum class Kind {
    kNone,      // Not <unknown>, or no function named.
    kNoModel,   // A function with no body and no model (or an indirect call).
    kModelled,  // A library function with a model, given an untraced pointer.
    kBody,      // A program function reaching <unknown> memory itself.
  };
  Kind kind = Kind::kNone;
  std::string function;
};
// The group of an active global conflict on `resource`: `unknown` says where
// <unknown> came from (if the resource is <unknown>), `wrapper` the program
// function both sides' atomic calls are made in (if any).
RemovalGroup RemovalGroupFor(const std::string& resource, bool atomic_only,
                             const UnknownSource& unknown,
                             const std::string& wrapper);

// What holds one pair of handlers back from running together: every group
// of its active global conflicts (with a few of their resources), unless
// there were more than the plan follows (`truncated`: it may have more).
struct HeldPair {
  std::map<std::string, std::set<std::string>> groups;
  bool truncated = false;
};
using HeldPairs = std::map<std::pair<uint32_t, uint32_t>, HeldPair>;

// Ranks what holds handler pairs back (removal_plan.cc): fills
// result->removal_plan from the held pairs, `groups` naming each group.
void AddRemovalPlan(const HeldPairs& held,
                    const std::map<std::string, RemovalGroup>& groups,
                    AnalysisResult* result);

class Analysis {
 public:
  Analysis(const std::vector<prism::v1::TranslationUnitSummary>& summaries,
           const AnalysisOptions& options)
      : options_(options), program_(&summaries, &options.models) {}

  AnalysisResult Run();

 private:
  // ---- Handlers.

  HandlerInfo& HandlerFor(const std::string& usr);

  // A function handed to code that neither registers it as a handler nor
  // only calls it during the call may run later outside the matrix: a
  // serial reason (a signal handler, `async=`: a note).
  void NoteUnhandledCallbacks(const FunctionNode& caller,
                              const prism::v1::Call& call);

  void DiscoverHandlers();

  // ---- Escapes (README.md): which context memory may also be reached from
  // global memory.

  void AddEscape(const std::string& role, std::vector<std::string> prefix);

  // One fresh object: the front-end's own (allocation sites and locals of
  // one function) carry no key but a name per site; the link step's have a
  // key per call.
  static std::string FreshId(const Path& path);

  // Fresh objects of one function's stores that other code may reach: their
  // address is stored into shared memory or into another published object,
  // to any depth. (Stored through a parameter it is reachable from the
  // caller's memory: the caller's instantiated stores see that.)
  static std::set<std::string> PublishedFresh(
      const std::map<std::string, Store>& stores);

  // Whether other code holding the pointer `stored` may reach the memory
  // `context` points to (the same object, at or above it).
  static bool Reaches(const Value& stored, const Value& context);

  // Pointers the function `usr` stores into shared memory (or into its fresh
  // objects linked into shared memory), callees' stores instantiated.
  const std::vector<Value>& ExposedBy(const std::string& usr);

  // Whether the context, as the function `usr` sees it, is reachable from
  // shared memory: read from it, or stored there by `usr` (an allocation
  // site: by any function).
  bool ContextExposed(const std::string& usr, const Value& context);

  // One call that may run a function: `call` of `body` in `caller`.
  struct CallSite {
    const FunctionNode* caller = nullptr;
    const prism::v1::Function* body = nullptr;
    int call = 0;
    bool called_back = false;  // Library code calls it with its own arguments.
  };
  const std::vector<CallSite>& CallersOf(const std::string& usr);
  const CallArguments& ArgumentsAt(const CallSite& site);

  // Whether a registration's context escapes where it comes from: in the
  // registering function, in any of its callers (direct or indirect, to any
  // depth), in the registrations of a handler that registers its own
  // parameter, or, for memory allocated for it, wherever that memory goes
  // (returned to a caller that publishes it: g_conns[n] = conn_new(fd)).
  bool ContextEscapesAtOrigin(const RegistrationFact& registration);

  void FindEscapes();

  // ---- Handler parameters other than the context (README.md, "Handler
  // parameters").

  // The context's own memory at a registration: what a context value points
  // to. Nothing when unknown.
  static bool ContextObject(const Value& context, Path* out);

  // Whether `path` lies in `object` (same base, `object`'s selectors a prefix
  // of its own, selector by selector); the rest of its selectors in `rest`.
  static bool Within(const Path& path, const Path& object,
                     std::vector<std::string>* rest);

  // Context-relative place: the context parameter, dereferenced, then `rest`.
  static Path ContextPath(const RegistrationFact& registration,
                          const std::vector<std::string>& rest, bool truncated);

  // One value a registration passes to the parameter, in the context's terms;
  // false when that cannot be shown.
  bool BindValue(const RegistrationFact& registration, const Value& value,
                 ParameterBinding* binding);

  // How reports name the handler's parameter `index` (its context).
  std::string ContextName(const HandlerInfo& handler, int index) const;

  const ParameterBinding& BindingOf(const HandlerInfo& handler, int parameter);

  // ---- Classification of a handler's effects into global and context
  // accesses.

  // A handler registered through an API the runtime cannot schedule (no
  // prism_* wrapper): it would run outside the constraints, so the program
  // must run serially.
  void NoteUnscheduled(const HandlerInfo& handler, const RegistrationApi& api,
                       const SourceLocation& location);

  // What makes the program run serially whatever the matrix, once per key,
  // reported as a warning at `location` and carried by the ConstraintSet.
  void AddSerialReason(const std::string& key, const SourceLocation& location,
                       std::string message);

  // A handler using thread-local storage: on worker threads it would see a
  // different copy from one invocation to the next, which no matrix can
  // prevent, so the program must run serially (DESIGN.md: unknown means
  // serial).
  void NoteThreadLocal(const HandlerInfo& handler, const HandlerAccess& access);

  void AddGlobal(HandlerAccesses* out, HandlerAccess access);

  // Whether some registration passes a pointer into the middle of an object
  // (`&x->out`) as the handler's context.
  static bool RegisteredWithSubObject(const HandlerInfo& handler);

  HandlerAccesses Classify(const HandlerInfo& handler);
  bool InConstantStorage(const Path& path) const;
  static bool InOwnStorage(const Path& path,
                           const prism::v1::Declaration& global);

  // ---- Conflicts.

  // True when `selectors[from...]` may go through a pointer: memory the
  // overridden object points to is not the object (an override of a pointer
  // never covers its pointee). A subscript ("[]") counts too: summaries do
  // not tell an array's elements from a pointer's.
  static bool DereferencesFrom(const std::vector<std::string>& selectors,
                               size_t from);

  // Every override covering one access (the overridden global or field
  // itself, not memory reached through a pointer in it).
  std::vector<Override> OverridesOfAccess(const HandlerAccess& access) const;

  // The programmer's override covering a conflict, if any: one override that
  // covers both sides' accesses, or one naming the reported resource exactly
  // (`resource_named`: the report names memory both sides may reach).
  const Override* FindOverride(const HandlerAccess& a, const HandlerAccess& b,
                               const std::string& resource, bool resource_named,
                               Override* scratch) const;

  using ConflictKey = std::tuple<int, std::string>;  // kind, resource

  // Records why (a, b) conflict; returns true when the conflict sets its bit
  // (the programmer did not remove it). Conflicts are kept one per (kind,
  // resource), but a removed one never hides an active one with the same key:
  // an override removes only conflicts on its own resource.
  // `named`: the resource as reported, when the two accesses name different
  // memory that may be the same (an alias).
  bool Record(const HandlerAccess& a, const HandlerAccess& b,
              prism::v1::ConflictKind kind,
              std::map<ConflictKey, prism::v1::Conflict>* conflicts,
              const std::string* named = nullptr);

  // Enough explanations of `kind` for the current pair: its bit is set and
  // the report lists at most kExplanationsPerPair of them anyway.
  bool Saturated(prism::v1::ConflictKind kind);

  void MatchGroups(
      const std::map<std::string, std::vector<HandlerAccess>>& a_groups,
      const std::map<std::string, std::vector<HandlerAccess>>& b_groups,
      prism::v1::ConflictKind kind,
      std::map<ConflictKey, prism::v1::Conflict>* conflicts);

  // An access through a global pointer (g_p->x) may reach any global whose
  // address is taken (g_p = &g_s, or `struct s *g_p = &g_s;`) and anything
  // another global pointer reaches: the part below the last dereference must
  // overlap some part of the other access's path (fields are qualified by
  // their record, so g_p->x and g_s.y never do).
  static bool ThroughPointer(const HandlerAccess& access);
  static bool MayReach(const HandlerAccess& pointer,
                       const HandlerAccess& other);
  bool MayAlias(const HandlerAccess& a, const HandlerAccess& b) const;
  // Whether C's effective-type rules keep `pointer` out of the own storage of
  // the global `other` touches: no object of the type it designates lives
  // there.
  bool TypesKeepApart(const HandlerAccess& pointer,
                      const HandlerAccess& other) const;
  // Whether what was ever stored into the global pointer `pointer` goes
  // through keeps it off what `other` touches (README.md, "Global pointers").
  bool PointeesKeepApart(const HandlerAccess& pointer,
                         const HandlerAccess& other) const;
  void MatchAliases(const HandlerAccesses& a, const HandlerAccesses& b,
                    std::map<ConflictKey, prism::v1::Conflict>* conflicts);

  // ---- Objects handed to registrations (handed_objects.cc).

  // The handler's effects that may run after it handed the object they
  // touch to a registration: through its parameters, classified as usual by
  // `add`; on memory it allocated, into `out->handed_over`.
  void CollectHandedOver(
      const std::string& usr,
      const std::function<void(const Effect&, std::vector<std::string>)>& add,
      HandlerAccesses* out);
  // Conflicts of handler `a`'s handed-over accesses with what handler `b`
  // does to those objects as its registered context or callback parameter,
  // or to unknown memory. `a_first`: handler a is the pair's first.
  void MatchHandedOver(const HandlerAccesses& a_accesses, const HandlerInfo& b,
                       const HandlerAccesses& b_accesses, bool a_first,
                       std::map<ConflictKey, prism::v1::Conflict>* conflicts);

  // Every matcher, in order, for the pair (i, j).
  void MatchPair(size_t i, size_t j, const HandlerAccesses& a,
                 const HandlerAccesses& b,
                 std::map<ConflictKey, prism::v1::Conflict>* conflicts);

  // ---- The pair phase (pair_phase.cc): every pair of handlers, on
  // options_.jobs threads, merged in pair order.

  // One pair's results, merged in pair order so reports never depend on
  // how pairs were spread over threads.
  struct PairOutput {
    std::vector<prism::v1::Conflict> conflicts;  // Kept explanations.
    char bits = 0;                               // The matrix cell.
    size_t omitted = 0;
    bool held = false;  // The global bit is set: held_pair is the plan's.
    HeldPair held_pair;
  };
  // Removal groups one thread's plan passes named, each with the first pair
  // (in pair order) that named it: of one name, the first pair's is kept.
  using NamedGroups = std::map<std::string, std::pair<size_t, RemovalGroup>>;
  // What matching one pair writes while it runs, one per thread: the
  // matchers read it through pair().
  struct PairState {
    bool plan_pass = false;
    HeldPair held_pair;  // The current pair's, being built.
    // What the plan pass already recorded for the current pair, by every
    // input of RemovalGroupFor (joined by RecordHeld): recording it again
    // changes nothing.
    absl::flat_hash_set<std::string> held_recorded;
    std::map<int, int> active;      // Kind -> conflicts kept for the pair.
    size_t index = 0;               // The pair's place in pair order.
    NamedGroups* groups = nullptr;  // The thread's.
  };
  static thread_local PairState* current_pair_;
  static PairState& pair() { return *current_pair_; }

  void AllPairs(const std::vector<HandlerAccesses>& accesses,
                AnalysisResult* result, std::string* cells);
  void PairConflicts(size_t i, size_t j, const HandlerAccesses& a,
                     const HandlerAccesses& b, PairOutput* out);

  // The removal plan's view of a pair whose global bit is set: the matchers
  // run again, saturating on distinct groups instead of explanations.
  void HoldPair(size_t i, size_t j, const HandlerAccesses& a,
                const HandlerAccesses& b, PairOutput* out);

  static constexpr int kExplanationsPerPair = 8;
  // Groups followed per held pair: a pair held by more is out of reach of
  // any plan a programmer would follow step by step.
  static constexpr size_t kPlanGroupsPerPair = 24;
  bool RecordHeld(const HandlerAccess& a, const HandlerAccess& b,
                  prism::v1::ConflictKind kind, const std::string& resource,
                  bool named);
  // Names of the program's functions with a body: the removal plan tells
  // unknown code apart from a body that reaches <unknown> memory itself.
  std::set<std::string> names_with_bodies_;
  // Whether the programmer declared any override at all: without one,
  // FindOverride finds nothing and the plan pass need not ask it.
  bool any_override_ = true;
  HeldPairs held_pairs_;
  std::map<std::string, RemovalGroup> removal_groups_;
  const AnalysisOptions& options_;
  LinkedProgram program_;
  size_t omitted_ = 0;
  // By kind ("1|" thread-local use, "2|" unscheduled registration, "3|" one
  // only the source-level API leaves unscheduled: source_api_serial_reasons),
  // handler and what.
  std::map<std::string, prism::v1::Diagnostic> serial_reasons_;
  // Guards serial_reasons_ and bindings_, which Classify adds to from
  // several threads.
  std::mutex classify_mu_;
  // Callbacks the registration does not name, resolved by their type.
  std::map<std::string, prism::v1::Diagnostic> resolved_by_type_;
  // Field name -> the declaration whose PRISM_NO_CONFLICT covers it.
  std::map<std::string, const prism::v1::Declaration*> field_overrides_;
  std::map<std::string, const prism::v1::Declaration*> bare_field_overrides_;
  // Hidden library state kept per thread (models'
  // `hidden=NAME:...:per_thread`).
  std::set<std::string> per_thread_states_;
  std::map<std::string, HandlerInfo> handlers_;
  std::vector<HandlerInfo*> ordered_;  // Handlers in the result's order.
  std::map<std::string, std::set<std::vector<std::string>>> escapes_;
  std::set<std::string> context_objects_;
  // Caches of the escape search (escapes.cc).
  std::map<std::string, std::vector<Value>> exposed_;
  // Exposed values of allocation sites, by FreshId, over the whole program.
  std::map<std::string, std::vector<Value>> exposed_fresh_;
  bool exposed_fresh_built_ = false;
  std::map<std::string, std::vector<CallSite>> callers_;
  bool callers_built_ = false;
  std::map<const prism::v1::Function*, std::vector<CallArguments>>
      call_arguments_;
  std::map<std::pair<const HandlerInfo*, int>, ParameterBinding> bindings_;
  std::map<std::string, prism::v1::Diagnostic> unresolved_;
  // Signal handlers installed (models' `async=`): notes, by callback and API.
  std::map<std::string, prism::v1::Diagnostic> async_callbacks_;
};

}  // namespace prism::analyzer

#endif  // PRISM_SERVICES_ANALYZER_ENGINE_ANALYSIS_H_
