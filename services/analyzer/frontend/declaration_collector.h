// Declarations the link step needs facts about, found with AST matchers
// (clang-tidy style: RegisterMatchers says what to look for, run() records it):
// every global (file-level, file-static, function-static, class-static)
// declared outside system headers or used by the code, and every record field
// that is atomic or carries PRISM_NO_CONFLICT("reason").
//
// Thread-safety: one instance per TU, used by one thread.
#ifndef PRISM_SERVICES_ANALYZER_FRONTEND_DECLARATION_COLLECTOR_H_
#define PRISM_SERVICES_ANALYZER_FRONTEND_DECLARATION_COLLECTOR_H_

#include <map>
#include <set>
#include <string>

#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "prism/v1/summary.pb.h"
#include "services/analyzer/frontend/summary_context.h"

namespace prism::frontend {

class DeclarationCollector
    : public clang::ast_matchers::MatchFinder::MatchCallback {
 public:
  explicit DeclarationCollector(SummaryContext& context) : context_(context) {}

  void RegisterMatchers(clang::ast_matchers::MatchFinder* finder);
  void run(
      const clang::ast_matchers::MatchFinder::MatchResult& result) override;
  // Globals in USR order, then fields in the order they were declared.
  void Emit(v1::TranslationUnitSummary* out);

 private:
  SummaryContext& context_;
  std::map<const clang::VarDecl*, bool>
      globals_;  // canonical -> used by the code
  std::vector<const clang::FieldDecl*> fields_;
  std::set<std::string> field_names_;
  std::set<const clang::VarDecl*> address_taken_;  // canonical
  void AddressTaken(const clang::Expr* lvalue);
  bool IsConstantObject(clang::QualType type) const;
  // Whether an object of this type can hold no address: no pointer,
  // reference or member pointer anywhere in it, no vtable pointer, and no
  // integer as wide as a pointer (which may hold one cast to an integer).
  bool HoldsNoAddress(clang::QualType type, int depth = 0) const;
  // Declaration.initial_pointers_unknown for the global `canonical`.
  bool InitialPointersUnknown(const clang::VarDecl* canonical) const;
};

// The reason of PRISM_NO_CONFLICT("reason")
// (annotate("prism_no_conflict:reason")) on any declaration of `decl`, or "".
std::string OverrideReason(const clang::Decl* decl);

}  // namespace prism::frontend

#endif  // PRISM_SERVICES_ANALYZER_FRONTEND_DECLARATION_COLLECTOR_H_
