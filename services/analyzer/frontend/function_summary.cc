#include "services/analyzer/frontend/function_summary.h"

#include <memory>
#include <vector>

#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "services/analyzer/frontend/function_collectors.h"
#include "services/analyzer/frontend/statement_order.h"
#include "services/analyzer/frontend/value_flow.h"

namespace prism::frontend {
namespace {

// Walks one function body once, in source order, handing every node to every
// collector. Nested functions (lambdas, local classes, blocks) are not part of
// this body: the TU collector summarizes them on their own.
class FunctionSummarizer
    : public clang::RecursiveASTVisitor<FunctionSummarizer> {
 public:
  FunctionSummarizer(SummaryContext& context,
                     const clang::FunctionDecl* function)
      : flow_(context, function), function_(function) {
    // LocalFlowCollector first: it registers construction targets the others
    // read.
    collectors_.push_back(std::make_unique<LocalFlowCollector>(flow_, order_));
    collectors_.push_back(std::make_unique<AccessCollector>(flow_, order_));
    collectors_.push_back(std::make_unique<CallCollector>(flow_, order_));
    collectors_.push_back(std::make_unique<StoreCollector>(flow_, order_));
    collectors_.push_back(std::make_unique<ReturnCollector>(flow_, order_));
  }

  void Run(v1::Function* out) {
    const clang::Stmt* body = function_->getBody();
    if (body == nullptr) return;
    // Constructors: member and base initializers run before the body.
    if (const auto* ctor =
            llvm::dyn_cast<clang::CXXConstructorDecl>(function_)) {
      Path self;
      self.base = MemoryPath::BASE_THIS;
      self.name = "this";
      for (const clang::CXXCtorInitializer* init : ctor->inits()) {
        if (init->getInit() == nullptr) continue;
        Path target = self;
        if (const clang::FieldDecl* field = init->getAnyMember()) {
          target = FieldPath(self, field);
        }
        for (auto& collector : collectors_)
          collector->VisitInitializer(init, target);
        TraverseStmt(init->getInit());
      }
    }
    TraverseStmt(const_cast<clang::Stmt*>(body));
    for (auto& collector : collectors_) collector->EndBody();
    flow_.Solve();
    for (auto& collector : collectors_) collector->Emit(out);
    order_.EmitLoops(out);
  }

  bool shouldVisitTemplateInstantiations() const { return true; }
  bool shouldVisitImplicitCode() const { return true; }

  bool TraverseLambdaExpr(clang::LambdaExpr* lambda) {
    WalkUpFromLambdaExpr(lambda);
    for (clang::Expr* init : lambda->capture_inits()) {
      if (init != nullptr) TraverseStmt(init);
    }
    return true;
  }
  // Default arguments and default member initializers run where they are used.
  bool TraverseCXXDefaultArgExpr(clang::CXXDefaultArgExpr* expr) {
    WalkUpFromCXXDefaultArgExpr(expr);
    return TraverseStmt(expr->getExpr());
  }
  bool TraverseCXXDefaultInitExpr(clang::CXXDefaultInitExpr* expr) {
    WalkUpFromCXXDefaultInitExpr(expr);
    return TraverseStmt(expr->getExpr());
  }
  bool TraverseCXXRecordDecl(clang::CXXRecordDecl*) { return true; }
  bool TraverseRecordDecl(clang::RecordDecl*) { return true; }
  bool TraverseBlockExpr(clang::BlockExpr*) { return true; }
  // `auto [c, k] = pair;` over a tuple-like type: each binding is a hidden
  // reference variable initialized by get<N>(e), which the default traversal
  // skips.
  bool TraverseBindingDecl(clang::BindingDecl* binding) {
    if (clang::VarDecl* holding = binding->getHoldingVar())
      TraverseDecl(holding);
    return RecursiveASTVisitor::TraverseBindingDecl(binding);
  }
  bool TraverseFunctionDecl(clang::FunctionDecl*) { return true; }

  // Every statement and expression, before and after its children.
  bool dataTraverseStmtPre(clang::Stmt* stmt) {
    order_.Enter(stmt);
    return true;
  }
  bool dataTraverseStmtPost(clang::Stmt* stmt) {
    order_.Leave(stmt);
    return true;
  }

  bool VisitStmt(clang::Stmt* stmt) {
    for (auto& collector : collectors_) collector->Visit(stmt);
    return true;
  }
  bool VisitVarDecl(clang::VarDecl* var) {
    for (auto& collector : collectors_) collector->VisitVariable(var);
    return true;
  }

 private:
  StatementOrder order_;
  ValueFlow flow_;
  const clang::FunctionDecl* function_;
  std::vector<std::unique_ptr<Collector>> collectors_;
};

}  // namespace

void SummarizeFunctionBody(SummaryContext& context,
                           const clang::FunctionDecl* function,
                           v1::Function* out) {
  FunctionSummarizer summarizer(context, function);
  summarizer.Run(out);
}

}  // namespace prism::frontend
