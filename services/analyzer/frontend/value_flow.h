// Intra-procedural value flow of one function: what lvalues an expression
// designates (as MemoryPaths) and what pointer values it may evaluate to (as
// ValueSources), following local variables flow-insensitively: a local stands
// for every value ever assigned to it, so `struct conn *c = arg; c->x = 1;`
// designates {PARAMETER 0, ["*", "x"]}.
//
// The collectors (function_collectors.h) register what the flow needs while
// they walk the body — tracked variables, assignments, call sites (whose
// indices BASE_RETURN refers to) and values that escape — then Solve() computes
// the fixpoint and the collectors query it to write their facts. The
// conventions of the paths are documented in summary.proto.
//
// Thread-safety: one instance per function, used by one thread.
#ifndef PRISM_SERVICES_ANALYZER_FRONTEND_VALUE_FLOW_H_
#define PRISM_SERVICES_ANALYZER_FRONTEND_VALUE_FLOW_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clang/AST/Decl.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/Expr.h"
#include "prism/v1/summary.pb.h"
#include "services/analyzer/frontend/summary_context.h"

namespace prism::frontend {

using v1::MemoryPath;

// Paths and value sources, before they become protos.

constexpr size_t kMaxSelectors =
    8;  // Longer chains are truncated to a covering prefix.

struct Path {
  MemoryPath::Base base = MemoryPath::BASE_UNKNOWN;
  // Identity of a local variable, parameter variable or allocation site (FRESH
  // and the parameter variables themselves); never emitted.
  const void* object = nullptr;
  unsigned order =
      0;  // Where `object` is (raw location): a stable output order.
  // The path stands for itself and everything below it (a chain cut at
  // kMaxSelectors, or a loop through a local variable, `p = p->next`).
  bool truncated = false;
  // A dereference was absorbed by the truncated path (With): what it names
  // may lie beyond the object the path stops at, through a pointer held there.
  bool absorbed_dereference = false;
  std::string usr;
  std::string name;
  int index = 0;
  std::vector<std::string> selectors;
  std::vector<std::string>
      records;  // Record of each field selector, "" for "*" and "[]".

  std::string Key() const {
    std::string key =
        absl::StrCat(static_cast<int>(base), "|", usr, "|", index, "|");
    if (base == MemoryPath::BASE_FRESH ||
        base == MemoryPath::BASE_ESCAPED_LOCAL ||
        (base == MemoryPath::BASE_PARAMETER && object)) {
      absl::StrAppend(&key, order, ":", reinterpret_cast<uintptr_t>(object),
                      "|");
    }
    absl::StrAppend(&key, absl::StrJoin(selectors, "/"),
                    truncated ? "/..." : "", absorbed_dereference ? "*" : "");
    return key;
  }

  Path With(const std::string& selector, const std::string& record = "") const {
    Path result = *this;
    // Anything is anything: selectors after an unknown base carry no
    // information.
    // A truncated path already stands for everything below it.
    if (result.base == MemoryPath::BASE_UNKNOWN) return result;
    if (result.truncated) {
      if (selector == "*" || selector == "[]")
        result.absorbed_dereference = true;
      return result;
    }
    if (result.selectors.size() >= kMaxSelectors) {
      result.truncated = true;
      result.absorbed_dereference = selector == "*" || selector == "[]";
      return result;
    }
    result.selectors.push_back(selector);
    result.records.push_back(record);
    return result;
  }
};

inline unsigned OrderOf(const clang::Decl* decl) {
  return decl->getLocation().getRawEncoding();
}
inline unsigned OrderOf(const clang::Stmt* stmt) {
  return stmt->getBeginLoc().getRawEncoding();
}

inline Path UnknownPath() { return Path(); }

struct Source {
  enum Kind { kAddressOf, kLoadedFrom, kFunction, kUnknown } kind = kUnknown;
  Path path;
  std::string function_usr;
  // Empty: the value itself. Otherwise a pointer held inside the value (an
  // aggregate, or the pointee of a pointer to local memory), at these
  // selectors (summary.proto, ValueSource.within).
  std::vector<std::string> within;

  std::string Key() const {
    std::string place =
        within.empty() ? "" : absl::StrCat("@", absl::StrJoin(within, "/"));
    switch (kind) {
      case kAddressOf:
        return "&" + path.Key() + place;
      case kLoadedFrom:
        return "=" + path.Key() + place;
      case kFunction:
        return "f" + function_usr + place;
      case kUnknown:
        break;
    }
    return "?" + place;
  }
};

// An ordered set of sources: deterministic output.
using Sources = std::map<std::string, Source>;
using Paths = std::map<std::string, Path>;

inline void Add(Sources& set, Source source) {
  std::string key = source.Key();
  set.emplace(std::move(key), std::move(source));
}
inline void AddAll(Sources& set, const Sources& more) {
  for (const auto& [key, source] : more) set.emplace(key, source);
}
inline void Add(Paths& set, Path path) {
  std::string key = path.Key();
  set.emplace(std::move(key), std::move(path));
}
inline Source Unknown() { return Source(); }
// `source` placed at `prefix` inside an enclosing value.
inline Source Placed(Source source, const std::vector<std::string>& prefix) {
  source.within.insert(source.within.begin(), prefix.begin(), prefix.end());
  return source;
}
inline Source AddressOf(Path path) {
  Source source;
  source.kind = Source::kAddressOf;
  source.path = std::move(path);
  return source;
}
inline Source LoadedFrom(Path path) {
  Source source;
  source.kind = Source::kLoadedFrom;
  source.path = std::move(path);
  return source;
}
inline Source FunctionSource(std::string usr) {
  Source source;
  source.kind = Source::kFunction;
  source.function_usr = std::move(usr);
  return source;
}

// Whether an object of `type` may hold a pointer somewhere in it.
bool MayHoldPointers(clang::QualType type, int depth = 0);

inline bool CarriesPointer(clang::QualType type) {
  if (type.isNull()) return true;
  type = type.getCanonicalType();
  return type->isPointerType() || type->isBlockPointerType() ||
         type->isMemberPointerType() || type->isRecordType() ||
         type->isArrayType() || type->isFunctionType() ||
         type->isReferenceType() || type->isDependentType();
}

inline bool IsAllocator(const clang::FunctionDecl* callee) {
  if (callee == nullptr || !callee->getIdentifier()) return false;
  llvm::StringRef name = callee->getName();
  return name == "malloc" || name == "calloc" || name == "strdup" ||
         name == "strndup" || name == "aligned_alloc" || name == "valloc" ||
         name == "memalign" || name == "__builtin_malloc" ||
         name == "__builtin_calloc" || name == "__strdup" ||
         name == "g_malloc" || name == "xmalloc" || name == "xcalloc";
}

// `base` + the selector of `field`. Members of a union, bit-fields and unnamed
// members (anonymous structs, lambda captures) add no selector: the enclosing
// object covers what shares storage.
inline Path FieldPath(const Path& base, const clang::FieldDecl* field) {
  const clang::RecordDecl* record = field->getParent();
  if (record->isUnion() || field->isBitField() || field->getName().empty())
    return base;
  return base.With(std::string(field->getName()), RecordName(record));
}

// A call site of the function: explicit calls and the constructor/destructor
// calls C++ runs.
struct CallSite {
  const clang::Expr* expr = nullptr;  // The call expression, if any.
  const clang::FunctionDecl* callee = nullptr;
  const clang::Expr* callee_expr =
      nullptr;  // Indirect calls: the function pointer.
  clang::QualType indirect_type;
  std::vector<const clang::Expr*> arguments;
  const clang::Expr* this_expr = nullptr;  // Object (glvalue) or pointer to it.
  bool this_is_pointer = false;
  bool has_this_source = false;
  Sources this_source;  // For implicit calls whose object has no expression.
  bool is_virtual = false;
  clang::SourceLocation location;
};

struct Assignment {
  const clang::Expr* lhs = nullptr;     // Or:
  const clang::VarDecl* var = nullptr;  // a tracked variable's initialization.
  const clang::Expr* rhs = nullptr;
  bool rhs_is_address =
      false;  // Reference binding: the value is the address of rhs.
  bool rhs_moves_lhs = false;  // `p += n`, `p++`: p's value, moved.
};

class ValueFlow {
 public:
  ValueFlow(SummaryContext& context, const clang::FunctionDecl* function);

  SummaryContext& context() const { return context_; }
  const clang::FunctionDecl* function() const { return function_; }

  // --- registration, while the collectors walk the body ---
  void TrackVariable(const clang::VarDecl* var) { tracked_.insert(var); }
  void AddAssignment(Assignment assignment) {
    assignments_.push_back(std::move(assignment));
  }
  // Registers a call site and returns its index (Call.index, BASE_RETURN's
  // index).
  int AddCall(CallSite site);
  // Values that leave the function to code that may keep them anywhere (asm
  // inputs): fresh objects they point to may be changed by others.
  void AddEscapingValue(const clang::Expr* expr) {
    escaping_values_.push_back(expr);
  }
  // Returned values: what fresh objects they point to hold is unknown to the
  // caller. (Handing the maker's stores over instead, which the link step's
  // FollowHeldPointers would make sound, blew the link step's memory up on
  // tmux's format.c: to be bounded first.)
  void AddReturnedValue(const clang::Expr* expr) {
    returned_values_.push_back(expr);
  }
  void AddEscapingAddress(const clang::Expr* expr) {
    escaping_addresses_.push_back(expr);
  }
  // The object a constructor call constructs, when known (a local, a member,
  // a base).
  void SetConstructionTarget(const clang::Expr* construct, Sources object) {
    construct_targets_[construct] = std::move(object);
  }
  const Sources* ConstructionTarget(const clang::Expr* construct) const {
    auto it = construct_targets_.find(construct);
    return it == construct_targets_.end() ? nullptr : &it->second;
  }
  const std::vector<CallSite>& calls() const { return calls_; }

  // Computes what every tracked variable and fresh object may hold.
  void Solve();

  // --- queries (meaningful after Solve) ---
  Paths LValuePaths(const clang::Expr* expr);  // What a glvalue designates.
  Sources ValueOf(
      const clang::Expr* expr);    // A prvalue's value; a glvalue's address.
  Sources Load(const Path& path);  // The value read from an lvalue.
  // A value handed to other code (a call's argument or object, a returned
  // value): `value`, plus what the local memory it points to holds
  // (within "*", ...), which the callee may read.
  Sources Passed(const Sources& value);
  Paths Deref(const Sources& sources, const std::string& selector);
  Sources AddressOfPaths(const Paths& paths);
  // Pointers moved by arithmetic (common/enclosing.h): each may point anywhere
  // in the object around what it pointed to. `stays_in_array`: an addition
  // to a pointer at an array element, which C keeps inside the array.
  Sources Moved(const Sources& pointers, bool stays_in_array);
  // What pointer arithmetic in place stores (`p += n`, `p--`): the operand's
  // value, moved.
  Sources MovedValue(const clang::Expr* moving);
  // The value read from a glvalue (a prvalue's own value).
  Sources Loaded(const clang::Expr* lvalue);
  // An integer operand known to be below zero (`p - -1` is not).
  bool NegativeConstant(const clang::Expr* expr) const;
  Paths VariablePaths(const clang::VarDecl* var);
  // Whether the address of the local object `path` lies in left the function
  // (handed to a call, stored, returned).
  bool AddressLeft(const Path& path) const {
    return path.object != nullptr && escaped_.count(path.object) > 0;
  }

 private:
  Sources RValue(const clang::Expr* expr);
  Paths MemberPaths(const clang::MemberExpr* member);
  Path Temporary(const clang::Expr* expr);
  // `through_call`: handed to a call, whose stores the link step knows;
  // otherwise (stored into shared memory, returned, given to asm) any code may
  // change it later.
  // `into`: the memory the sources were stored into (not through a call).
  void MarkEscapes(const Sources& sources, bool through_call = true,
                   const Path* into = nullptr);
  // What code other than this function may have stored at `path` (local
  // memory): nothing if its address never left, else what the calls it was
  // handed to stored (BASE_ESCAPED_LOCAL), or unknown.
  void AddStoredByOthers(const Path& path, Sources* result) const;
  // What this function stored at `path`, above or below it (Stored entries
  // and whole-variable values), as the value read from `path`.
  void AddStored(const Path& path, Sources* result);
  void AddPassedContents(const Source& pointer, int depth, Sources* result);
  void Store(const Path& path, const Sources& value);
  bool SolveOnce();
  void ApplyAssignment(const Assignment& assignment);
  void AddVariableSources(const void* var, const Sources& value);
  void AddWidened(Sources& sources, const Sources& value);
  bool IsVariable(const Path& path) const;

  SummaryContext& context_;
  const clang::FunctionDecl* function_;
  const clang::CXXRecordDecl* lambda_class_ = nullptr;
  std::map<const clang::VarDecl*, const clang::FieldDecl*> capture_fields_;
  const clang::FieldDecl* this_capture_ = nullptr;

  std::vector<Assignment> assignments_;
  std::vector<CallSite> calls_;
  absl::flat_hash_map<const clang::Expr*, int> call_index_;
  std::vector<const clang::Expr*> escaping_values_;
  std::vector<const clang::Expr*> returned_values_;
  std::vector<const clang::Expr*> escaping_addresses_;
  absl::flat_hash_map<const clang::Expr*, Sources> construct_targets_;

  absl::flat_hash_set<const clang::VarDecl*>
      tracked_;  // Locals and parameters.
  std::map<const void*, Sources> var_sources_;
  // Values stored into local memory other than a whole tracked variable, by
  // the object stored into (RootKey) and then by the full path's key: fields
  // of locals and of fresh objects.
  struct Stored {
    std::vector<std::string> selectors;
    Sources values;
  };
  std::map<std::string, std::map<std::string, Stored>> stored_;
  // Temporaries and compound literals: the expression whose value they hold.
  absl::flat_hash_map<const void*, const clang::Expr*> initializers_;
  absl::flat_hash_map<const void*, clang::QualType> object_types_;
  // Local objects whose address left the function; those that left other than
  // through a call.
  std::set<const void*> escaped_;
  std::set<const void*> escaped_to_memory_;
  // Local objects stored into global memory only, by their places there (the
  // global path stored into, then "*", truncated: everything reachable from
  // it); those stored anywhere else (a parameter's memory, unknown memory, a
  // return value) or at too many places are in published_anywhere_.
  std::map<const void*, std::map<std::string, Path>> published_at_;
  std::set<const void*> published_anywhere_;
  bool flow_incomplete_ = false;
  // Bounds the values the flow tracks; past it every load from local memory
  // is unknown (flow_incomplete_).
  static constexpr size_t kMaxFlowSize = 20000;
  size_t size_ = 0;
  int depth_ = 0;  // Recursion guard for pathological expressions.
};

// Whether an access to `path` is recorded: not for locals, by-value
// parameters and fresh memory.
bool Recordable(const Path& path);
void ToProto(const Path& path, MemoryPath* out);
void ToProto(const Sources& sources, v1::ArgumentValue* out);

}  // namespace prism::frontend

#endif  // PRISM_SERVICES_ANALYZER_FRONTEND_VALUE_FLOW_H_
