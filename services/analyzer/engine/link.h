// The link step: merges per-TU summaries into one program, builds its call
// graph, and solves every function's effects bottom-up over strongly connected
// components (Tarjan), instantiating callee effects, returned values and
// pointer stores at each call site. Provenance (the access site and the call
// chain to it) travels with every effect. Not thread-safe (Solve uses threads
// of its own); a LinkedProgram is immutable after Solve() returns.
#ifndef PRISM_SERVICES_ANALYZER_ENGINE_LINK_H_
#define PRISM_SERVICES_ANALYZER_ENGINE_LINK_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "prism/v1/constraints.pb.h"
#include "prism/v1/summary.pb.h"
#include "services/analyzer/engine/effects.h"
#include "services/analyzer/engine/library_models.h"

namespace prism::analyzer {

// Bounds on one function's summary (see Widen in link.cc) and on the rounds of
// a recursive component's fixpoint.
inline constexpr size_t kMaxPathsPerBase = 32;
inline constexpr size_t kMaxStores = 256;
inline constexpr size_t kMaxReturns = 64;
// Values one local handed to calls may hold (BASE_ESCAPED_LOCAL); past it, it
// may hold anything.
inline constexpr size_t kMaxLocalValues = 64;
// A callee's pointer store instantiated at a call into more (target, value)
// pairs than this is summarized over whole objects (link.cc, WholeObjects).
inline constexpr size_t kMaxStoresPerCalleeStore = 64;
inline constexpr int kMaxRounds = 50;
// Indirect calls with more targets than this summarize the targets' stores
// conservatively (see ContributeCall in link.cc).
inline constexpr size_t kMaxTargetsWithStores = 8;
// Recursive components larger than this are not iterated to a fixpoint: every
// member gets the worst case (LinkedProgram::AssumeWorst).
inline constexpr size_t kMaxFixpointComponent = 64;

class SolvedMemo;

struct FunctionNode {
  std::string usr;
  std::string name;
  prism::v1::SourceLocation location;
  bool internal_linkage = false;
  bool annotated_handler = false;
  bool address_taken = false;
  bool address_cast = false;  // Cast to another type: any indirect call.
  std::string type;
  uint32_t parameter_count = 0;
  // Distinct bodies (one file compiled twice with different flags gives two):
  // effects are their union. Empty: no body anywhere (or only in a TU that
  // failed to parse).
  std::vector<const prism::v1::Function*> bodies;
};

// An object a function hands to a handler registration, in the function's
// terms: from then on the registered handler may run on another thread and
// reach it. `root` is the object the registration was given (the context, or
// a value passed to the callbacks), which the callback `callback` (a function,
// or unknown: any handler) receives as its parameter `parameter`; `object` is
// what is reached: the root itself or, `aliased`, an object held inside it
// at `alias` (`c->bev = bev` with c registered: bev is `*c->bev`).
struct HandOver {
  Value object;
  Value root;
  bool aliased = false;
  Path alias;
  Value callback;
  int parameter = 0;
  std::string Key() const;
};

// An effect that may run after a hand-over of the object it touches, its path
// named from the hand-over's root (`*c->bev` for the bufferevent held in c).
struct HandedEffect {
  Effect effect;
  Value root;
  Value callback;
  int parameter = 0;
  std::string Key() const;
  // Key() from its parts: the effect's path key and access, and the key of
  // what it runs after (root, callback, parameter) — for loops that pair many
  // effects with many hand-overs and compute each part once.
  static std::string KeyOf(const std::string& path_key, bool write,
                           const std::string& after_key);
  static std::string AfterKey(const Value& root, const Value& callback,
                              int parameter);
};

struct Solved {
  // Effects through parameters (and `this`), by Path::Key() + access: what
  // callers instantiate with their arguments.
  std::map<std::string, Effect> effects;
  // Effects on shared memory (globals, hidden state, <unknown>) that arise in
  // this function: its own accesses, callee parameter effects that its
  // arguments turn global, library calls. They are the same for every caller,
  // so they are not copied up the call graph: a handler collects them from
  // every function it reaches (Reachable).
  std::map<std::string, Effect> shared;
  std::map<std::string, Value> returns;  // By Value::Key().
  std::map<std::string, Store> stores;
  // Objects handed to registrations while the function runs (by
  // HandOver::Key), and the effects that may run after the object they touch
  // was handed over (README.md, "Objects handed to registrations"): effects on
  // memory the function or its callees allocated, or through parameters.
  std::map<std::string, HandOver> handed_over;
  std::map<std::string, HandedEffect> after_handover;
  // While a body is solved only: effects on memory the function or its
  // callees allocated (never kept in a finished summary).
  std::map<std::string, Effect> fresh;
  // Widening decisions stick across fixpoint rounds, so rounds only grow
  // summaries and the fixpoint is reached.
  std::set<std::string> widened_bases;
  bool widened_stores = false;
  bool widened_returns = false;
  bool widened_handed = false;
  // Functions it calls that have neither a body nor a model (the report's
  // note lists them for the whole program).
  std::set<std::string> unknown_callees;
};

// What a call may invoke.
struct CallTarget {
  const FunctionNode* function = nullptr;  // Has a body.
  const FunctionModel* model = nullptr;
  std::string unknown_name;  // Neither: the conservative default.
  // A callback handed to library or unknown code (qsort's comparator), which
  // may call it with arguments of its own: its effects count for the caller,
  // instantiated with unknown arguments.
  bool called_back = false;
};

// A call's arguments, resolved in the caller.
struct CallArguments {
  std::vector<std::vector<Value>> arguments;
  std::vector<Value> this_argument;
};

// The USR of stdin, stdout or stderr.
bool IsStandardStream(const std::string& usr);

class LinkedProgram {
 public:
  // `summaries` must outlive the program.
  LinkedProgram(const std::vector<prism::v1::TranslationUnitSummary>* summaries,
                const ModelTable* models);

  // Solves every function. Components of the call graph whose callees are
  // solved are independent: up to `threads` of them are solved at once. The
  // result does not depend on `threads`. With `memo`, a component whose
  // solve would read what it read in an earlier link is taken from there
  // (solved_memo.h), and every component is kept there for the next link;
  // the result is the same.
  void Solve(int threads = 1, SolvedMemo* memo = nullptr);

  const std::map<std::string, FunctionNode>& functions() const {
    return functions_;
  }
  const FunctionNode* FindFunction(const std::string& usr) const;
  const Solved& SolvedFor(const std::string& usr) const;
  // What a call may run: its callee(s), plus the callbacks it hands to code
  // that may call them (README.md, "Calls").
  std::vector<CallTarget> TargetsOf(const prism::v1::Call& call) const;

  // Values of `argument` in `body` of `function`, with returned values
  // resolved.
  std::vector<Value> ResolveValues(
      const FunctionNode& function, const prism::v1::Function& body,
      const prism::v1::ArgumentValue& argument) const;
  // The resolved arguments of every call of `body`, in the order of its calls.
  std::vector<CallArguments> ResolveCallArguments(
      const FunctionNode& function, const prism::v1::Function& body) const;
  // Instantiates callee-relative values at a call: parameters replaced by
  // `arguments`.
  static std::vector<Value> InstantiateValue(
      const Value& value, const std::vector<std::vector<Value>>& arguments,
      const std::vector<Value>& this_argument);

  // Functions with bodies reachable from `usr` through calls, breadth-first,
  // each with the call chain from `usr` (names, `usr` first, the function
  // last).
  std::vector<std::pair<const FunctionNode*, std::vector<std::string>>>
  Reachable(const std::string& usr) const;

  const std::map<std::string, const prism::v1::Declaration*>& globals() const {
    return globals_;
  }
  // What a pointer to a function of canonical type `type` may point to:
  // every address-taken function of that type, and every function whose
  // address was cast to another type.
  std::vector<const FunctionNode*> FunctionsOfType(
      const std::string& type) const;
  // Why a pointer to a function of canonical type `type` may also hold a
  // function from outside the program (then calls through it may run unknown
  // code), or null.
  const std::string* ForeignReason(const std::string& type) const;
  // The pointers stdio streams hold lead to the library's own memory only
  // (stream_contents.cc): a call on a stream (models' `locked=`) touches the
  // FILE object it is given, an object of the type its parameter designates.
  bool streams_hold_library_memory_only() const {
    return streams_hold_library_memory_only_;
  }
  // stdin, stdout and stderr point to three FILE objects whose buffers are
  // the library's (stream_contents.cc): `*stdout` is never `*stderr`.
  bool standard_streams_apart() const { return standard_streams_apart_; }
  // Globals (by USR) whose address is taken in some TU: pointers may reach
  // them.
  bool GlobalAddressTaken(const std::string& usr) const {
    return address_taken_globals_.count(usr) > 0;
  }
  // What the pointer an access through a global (`*g_p`, `g_cfg.log->n`)
  // goes through may point to (global_pointees.cc): "G:" and a global's USR,
  // "H:" and hidden state, "#not-global" (allocated memory, locals),
  // "#function"; nullopt when some store into it is unknown, the global's
  // address is taken, it is not the program's own, or the access goes through
  // more than that one pointer. Empty: it only ever holds null.
  std::optional<std::set<std::string>> KnownPointees(const Path& through) const;
  // Every type an access may designate in the own storage of the global
  // `usr` (Declaration.storage_types), or null when its storage may hold
  // objects of any type.
  const std::set<std::string, std::less<>>* GlobalStorageTypes(
      const std::string& usr) const {
    auto it = storage_types_.find(usr);
    if (it == storage_types_.end() || !it->second.typed || it->second.untyped)
      return nullptr;
    return &it->second.types;
  }
  const std::map<std::string, const prism::v1::Declaration*>& fields() const {
    return fields_;
  }
  bool complete() const { return complete_; }
  // Why complete() is false: one line per translation unit that failed.
  const std::vector<std::string>& incomplete_reasons() const {
    return incomplete_reasons_;
  }
  const std::vector<prism::v1::Diagnostic>& diagnostics() const {
    return diagnostics_;
  }
  // Functions called without a body or a model, given the conservative default.
  const std::set<std::string>& unknown_functions() const {
    return unknown_functions_;
  }

 private:
  class BodySolver;
  std::vector<CallTarget> CalleesOf(const prism::v1::Call& call) const;
  CallTarget TargetByName(const std::string& name) const;
  void SolveFunction(const FunctionNode& function, Solved* out);
  // Solves `components` (callees' first) on up to `threads` threads, each as
  // soon as every component it calls into is solved.
  void SolveInDependencyOrder(
      const std::vector<std::vector<std::string>>& components,
      const std::map<std::string, std::vector<std::string>>& callers,
      int threads, std::atomic<size_t>* solves);
  // Solves one strongly connected component to its fixpoint (or assumes the
  // worst); its callees' components are solved. Touches only its members'
  // entries of solved_, which exist already.
  void SolveComponent(
      const std::vector<std::string>& component,
      const std::map<std::string, std::vector<std::string>>& callers,
      std::atomic<size_t>* solves);
  // The fixpoint itself, without the memo.
  void SolveComponentFixpoint(
      const std::vector<std::string>& component,
      const std::set<std::string>& members,
      const std::map<std::string, std::vector<std::string>>& callers,
      std::atomic<size_t>* solves);
  // The digest of everything solving `component` reads (solved_memo.h);
  // its callees in other components are solved.
  std::string ComponentKey(const std::vector<std::string>& component,
                           const std::set<std::string>& members) const;
  // Takes `component`'s summaries from the memo; false when it has none
  // under `key` that decode.
  bool ReuseComponent(const std::vector<std::string>& component,
                      const std::string& key);
  // Keeps the solved `component` in the memo under `key`.
  void KeepComponent(const std::vector<std::string>& component,
                     const std::string& key);
  // What any code may do: write <unknown> and everything its parameters reach,
  // keep its pointer parameters anywhere, return anything.
  static void AssumeWorst(const FunctionNode& function, Solved* out);

  const ModelTable* models_;
  std::map<std::string, FunctionNode> functions_;
  std::map<std::string, std::vector<const FunctionNode*>>
      address_taken_by_type_;
  // Functions whose address was cast to another type: candidates for every
  // indirect call whatever its type.
  std::vector<const FunctionNode*> address_cast_;
  // Function-pointer types that may hold a function from outside the program
  // (summary.proto ForeignFunctionPointer), with the first reason.
  std::map<std::string, std::string> foreign_function_types_;
  // Methods with bodies by unqualified name ("~" for every destructor): the
  // overrides a virtual call may run.
  std::map<std::string, std::vector<const FunctionNode*>> methods_by_name_;
  std::map<std::string, const prism::v1::Declaration*> globals_;
  std::map<std::string, const prism::v1::Declaration*> fields_;
  std::set<std::string> address_taken_globals_;
  // Globals whose pointers KnownPointees may tell: defined by the program, no
  // address taken, no initial pointer unknown (Declaration fields).
  std::set<std::string> pointee_globals_;
  // Every pointer store into a global's own storage, and every write of a
  // part of it, by the global's USR (global_pointees.cc).
  struct GlobalPointerStore {
    std::vector<std::string> place;
    std::set<std::string> pointees;
    bool unknown = false;      // Some stored value may be anything.
    bool whole_write = false;  // A write access, not a pointer store.
  };
  std::map<std::string, std::vector<GlobalPointerStore>> global_pointer_stores_;
  // Fills global_pointer_stores_ once every function is solved (call results
  // resolve to what the callees return).
  void CollectGlobalPointees();
  bool ComputeStreamsHoldLibraryMemoryOnly() const;
  bool ComputeStandardStreamsApart() const;
  bool streams_hold_library_memory_only_ = false;
  bool standard_streams_apart_ = false;
  struct StorageTypes {
    bool typed = false;    // Some TU listed its types.
    bool untyped = false;  // Some TU may keep objects of any type in it.
    std::set<std::string, std::less<>> types;  // Finds string_views.
  };
  std::map<std::string, StorageTypes> storage_types_;  // By global key.
  // Shared with the memo (solved_memo.h), which may hand the same summaries
  // to later links: a summary is never changed once its component is solved.
  std::map<std::string, std::shared_ptr<Solved>> solved_;
  // With a memo: the digest of each function's solved summary, which its
  // callers' component keys name.
  std::map<std::string, std::string> solved_digests_;
  SolvedMemo* memo_ = nullptr;
  std::map<std::string, std::vector<std::string>> call_edges_;
  std::set<std::string> unknown_functions_;
  std::vector<prism::v1::Diagnostic> diagnostics_;
  bool complete_ = true;
  std::vector<std::string> incomplete_reasons_;
};

}  // namespace prism::analyzer

#endif  // PRISM_SERVICES_ANALYZER_ENGINE_LINK_H_
