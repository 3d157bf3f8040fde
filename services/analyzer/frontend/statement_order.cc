#include "services/analyzer/frontend/statement_order.h"

#include "clang/AST/Attr.h"
#include "clang/AST/Decl.h"
#include "clang/AST/Expr.h"
#include "clang/AST/StmtCXX.h"

namespace prism::frontend {
namespace {

bool IsLoop(const clang::Stmt* stmt) {
  return llvm::isa<clang::WhileStmt>(stmt) || llvm::isa<clang::DoStmt>(stmt) ||
         llvm::isa<clang::ForStmt>(stmt) ||
         llvm::isa<clang::CXXForRangeStmt>(stmt);
}

// Calls after which control may come back to an earlier point of the body
// without a loop or goto in the text: the function "returns twice".
bool ReturnsTwice(const clang::Stmt* stmt) {
  const auto* call = llvm::dyn_cast<clang::CallExpr>(stmt);
  if (call == nullptr) return false;
  const clang::FunctionDecl* callee = call->getDirectCallee();
  if (callee == nullptr || callee->getIdentifier() == nullptr) return false;
  if (callee->hasAttr<clang::ReturnsTwiceAttr>()) return true;
  const llvm::StringRef name = callee->getName();
  return name == "setjmp" || name == "_setjmp" || name == "sigsetjmp" ||
         name == "__sigsetjmp" || name == "savectx" || name == "vfork" ||
         name == "getcontext";
}

}  // namespace

void StatementOrder::Enter(const clang::Stmt* stmt) {
  saved_.push_back(current_);
  const bool expression = llvm::isa<clang::Expr>(stmt);
  // A new full statement: a statement, or an expression not inside another
  // expression; nothing inside a statement expression, whose parts run in
  // the middle of the enclosing expression.
  if (statement_expressions_ == 0 && (!expression || expression_depth_ == 0))
    current_ = ++next_;
  numbers_[stmt] = current_;
  if (IsLoop(stmt)) loop_starts_[stmt] = current_;
  if (const auto* label = llvm::dyn_cast<clang::LabelStmt>(stmt))
    labels_[label->getDecl()] = current_;
  if (const auto* jump = llvm::dyn_cast<clang::GotoStmt>(stmt)) {
    // Backward: everything from the label to here may run again.
    auto it = labels_.find(jump->getLabel());
    if (it != labels_.end()) loops_.emplace_back(it->second, current_);
  }
  if (llvm::isa<clang::IndirectGotoStmt>(stmt) || ReturnsTwice(stmt))
    whole_body_repeats_ = true;
  if (expression) ++expression_depth_;
  if (llvm::isa<clang::StmtExpr>(stmt)) ++statement_expressions_;
}

void StatementOrder::Leave(const clang::Stmt* stmt) {
  if (llvm::isa<clang::StmtExpr>(stmt)) --statement_expressions_;
  if (llvm::isa<clang::Expr>(stmt)) --expression_depth_;
  if (auto it = loop_starts_.find(stmt); it != loop_starts_.end())
    loops_.emplace_back(it->second, next_);
  current_ = saved_.back();
  saved_.pop_back();
}

uint32_t StatementOrder::Of(const clang::Stmt* stmt) const {
  if (stmt == nullptr) return 0;
  auto it = numbers_.find(stmt);
  return it == numbers_.end() ? 0 : it->second;
}

void StatementOrder::EmitLoops(v1::Function* out) const {
  if (whole_body_repeats_) {
    v1::StatementRange* range = out->add_loops();
    range->set_first(1);
    range->set_last(next_);
    return;
  }
  for (const auto& [first, last] : loops_) {
    v1::StatementRange* range = out->add_loops();
    range->set_first(first);
    range->set_last(last);
  }
}

}  // namespace prism::frontend
