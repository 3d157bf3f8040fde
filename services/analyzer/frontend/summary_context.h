// What every collector of one translation unit shares: the AST, the directory
// paths are reported relative to, and cached names (USRs, files) that are
// costly to compute; plus the small naming and type predicates the collectors
// agree on.
//
// Thread-safety: a SummaryContext belongs to one translation unit and one
// thread.
#ifndef PRISM_SERVICES_ANALYZER_FRONTEND_SUMMARY_CONTEXT_H_
#define PRISM_SERVICES_ANALYZER_FRONTEND_SUMMARY_CONTEXT_H_

#include <set>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/Expr.h"
#include "prism/v1/summary.pb.h"

namespace prism::frontend {

// What every collector of one TU shares: the AST, where paths are reported
// relative to, and caches of names that are costly to compute.
class SummaryContext {
 public:
  // `typed_aliasing`: C compiled with strict aliasing, where an access may
  // only touch objects of the type it designates (Access.designated_type).
  SummaryContext(clang::ASTContext& ast, std::string directory,
                 bool typed_aliasing = false)
      : ast_(ast),
        directory_(std::move(directory)),
        typed_aliasing_(typed_aliasing) {}

  clang::ASTContext& ast() const { return ast_; }
  bool typed_aliasing() const { return typed_aliasing_; }
  // Access.designated_type of an access of `lvalue`: the object its last
  // dereference designates; "" when the access may touch any object.
  std::string DesignatedType(const clang::Expr* lvalue);
  // The same for an access of type `type` through a pointer (`*p`).
  std::string DesignatedTypeThroughPointer(clang::QualType type);
  // The same for an access of a member of a `type` (`p->x`): the struct's
  // name, or "" when it is not a typed struct.
  std::string DesignatedStruct(clang::QualType type);
  // Declaration.storage_types of an object of `type`, added to `out`; false
  // when its storage may hold objects of types it cannot name (a type Prism
  // does not know, an incomplete type, or aliasing that is not typed).
  bool AddStorageTypes(clang::QualType type, std::set<std::string>* out);

  // Clang's USR of a declaration ("" when Clang cannot make one).
  std::string Usr(const clang::Decl* decl);
  // Qualified name for reports; lambdas are named after their enclosing
  // function and position: "Server::start()::<lambda at server.cc:12:5>".
  std::string FunctionName(const clang::FunctionDecl* function);
  // A global variable's name as reports print it: "stats", "Server::count".
  std::string VariableName(const clang::VarDecl* var);
  // The expansion location of `loc`, its file relative to the build directory.
  v1::SourceLocation Location(clang::SourceLocation loc);
  // Canonical function type spelling, the same for compatible types in every
  // TU. A lambda's call operator is spelled like the free function its
  // captureless conversion yields.
  std::string FunctionType(const clang::FunctionDecl* function);

 private:
  clang::ASTContext& ast_;
  std::string directory_;
  bool typed_aliasing_;
  absl::flat_hash_map<unsigned, std::string>
      file_names_;  // FileID hash -> reported path
  absl::flat_hash_map<const clang::Decl*, std::string> usrs_;
};

// A record's name as field declarations and selector_records spell it:
// qualified, or the typedef's name for `typedef struct { ... } conn;`.
std::string RecordName(const clang::RecordDecl* record);

// True for _Atomic types, std::atomic<T> and arrays of them.
bool IsAtomicType(clang::QualType type);

}  // namespace prism::frontend

#endif  // PRISM_SERVICES_ANALYZER_FRONTEND_SUMMARY_CONTEXT_H_
