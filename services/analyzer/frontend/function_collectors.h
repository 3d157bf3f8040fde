// The collectors of one function body, one class per kind of fact (in the
// clang-tidy spirit: each says which nodes it looks at and what it records).
// FunctionSummarizer (function_summary.cc) walks the body once, in source
// order, and hands every node to every collector; collectors only record what
// they saw (and register with the ValueFlow what it needs), then, once the flow
// is solved, Emit writes their facts into the prism.v1.Function.
//
//   LocalFlowCollector  local variables, assignments, escaping values (feeds
//   ValueFlow) AccessCollector     reads and writes of non-local memory ->
//   Function.accesses CallCollector       calls, constructors, destructors ->
//   Function.calls StoreCollector      pointer values stored into memory ->
//   Function.stores ReturnCollector     pointer values returned ->
//   Function.returns
//
// Thread-safety: one set of collectors per function, used by one thread.
#ifndef PRISM_SERVICES_ANALYZER_FRONTEND_FUNCTION_COLLECTORS_H_
#define PRISM_SERVICES_ANALYZER_FRONTEND_FUNCTION_COLLECTORS_H_

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "clang/AST/DeclCXX.h"
#include "clang/AST/Expr.h"
#include "clang/AST/Stmt.h"
#include "prism/v1/summary.pb.h"
#include "services/analyzer/frontend/statement_order.h"
#include "services/analyzer/frontend/value_flow.h"

namespace prism::frontend {

class Collector {
 public:
  Collector(ValueFlow& flow, const StatementOrder& order)
      : flow_(flow), order_(order) {}
  virtual ~Collector() = default;
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  // Every statement and expression of the body, in pre-order.
  virtual void Visit(const clang::Stmt* stmt) {}
  // Every variable declared in the body (before its initializer is visited).
  virtual void VisitVariable(const clang::VarDecl* var) {}
  // A constructor's member or base initializer (before its expression is
  // visited); `target` is the member ({THIS, [field]}) or the base ({THIS}).
  virtual void VisitInitializer(const clang::CXXCtorInitializer* init,
                                const Path& target) {}
  // The walk is over (before the flow is solved).
  virtual void EndBody() {}
  // The flow is solved: write the facts.
  virtual void Emit(v1::Function* out) = 0;

 protected:
  ValueFlow& flow_;
  const StatementOrder& order_;  // Where in the body each node runs.
};

class LocalFlowCollector : public Collector {
 public:
  using Collector::Collector;
  void Visit(const clang::Stmt* stmt) override;
  void VisitVariable(const clang::VarDecl* var) override;
  void VisitInitializer(const clang::CXXCtorInitializer* init,
                        const Path& target) override;
  void Emit(v1::Function*) override {}
};

class AccessCollector : public Collector {
 public:
  using Collector::Collector;
  void Visit(const clang::Stmt* stmt) override;
  void VisitInitializer(const clang::CXXCtorInitializer* init,
                        const Path& target) override;
  void Emit(v1::Function* out) override;

 private:
  struct Event {
    const clang::Expr* lvalue =
        nullptr;  // Or, with through_pointer, a pointer to it.
    bool through_pointer = false;
    bool read = false;
    bool write = false;
    bool force_atomic = false;
    bool unknown = false;  // An access to anything (inline asm).
    bool has_path = false;
    Path path;  // When there is no expression (member initializers).
    clang::QualType type;
    clang::SourceLocation location;
    uint32_t order = 0;  // StatementOrder; 0: anywhere.
  };
  void Add(const clang::Expr* lvalue, bool read, bool write,
           clang::SourceLocation location, bool through_pointer = false,
           bool force_atomic = false);
  std::vector<Event> events_;
  uint32_t visiting_order_ = 0;  // Of the node Visit is looking at.
};

class CallCollector : public Collector {
 public:
  using Collector::Collector;
  void Visit(const clang::Stmt* stmt) override;
  void VisitVariable(const clang::VarDecl* var) override;
  void EndBody() override;
  void Emit(v1::Function* out) override;

 private:
  void VisitCall(const clang::CallExpr* call);
  void VisitConstruct(const clang::CXXConstructExpr* construct);
  void VisitDelete(const clang::CXXDeleteExpr* expr);
  // The lvalues an integer value was read from (ArgumentValue's
  // integer_loaded_from), following the values assigned to integer locals
  // (each once: `visited`).
  void IntegerLoadedFrom(const clang::Expr* expr, int depth,
                         std::set<const clang::VarDecl*>* visited, Paths* out);
  std::vector<CallSite>
      pending_destructors_;  // Locals' destructors run at scope exit.
  // Values assigned to local variables of integer type (descriptors).
  std::map<const clang::VarDecl*, std::vector<const clang::Expr*>>
      integer_values_;
};

class StoreCollector : public Collector {
 public:
  using Collector::Collector;
  void Visit(const clang::Stmt* stmt) override;
  void VisitInitializer(const clang::CXXCtorInitializer* init,
                        const Path& target) override;
  void Emit(v1::Function* out) override;

 private:
  struct Store {
    const clang::Expr* lhs =
        nullptr;  // Or a known target (member initializers).
    Path target;
    const clang::Expr* rhs = nullptr;
    bool rhs_moves_lhs = false;  // Assignment::rhs_moves_lhs.
    clang::SourceLocation location;
    uint32_t order = 0;  // StatementOrder; 0: anywhere.
  };
  std::vector<Store> stores_;
};

class ReturnCollector : public Collector {
 public:
  using Collector::Collector;
  void Visit(const clang::Stmt* stmt) override;
  void Emit(v1::Function* out) override;

 private:
  std::vector<const clang::Expr*> returns_;
};

// A call of a trivial copy/move assignment operator: a plain memory copy, not a
// call.
bool IsTrivialAssignment(const clang::CallExpr* call);
// The pointer lvalue `stmt` moves by arithmetic in place (`p += n`, `p -= n`,
// `++p`, `p--`), or null.
const clang::Expr* MovedPointer(const clang::Stmt* stmt);

}  // namespace prism::frontend

#endif  // PRISM_SERVICES_ANALYZER_FRONTEND_FUNCTION_COLLECTORS_H_
