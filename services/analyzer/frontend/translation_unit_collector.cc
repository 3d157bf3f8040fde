#include "services/analyzer/frontend/translation_unit_collector.h"

#include <map>
#include <set>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"

namespace prism::frontend {
namespace {

constexpr char kHandlerAnnotation[] = "prism_handler";
constexpr char kNoConflictPrefix[] = "prism_no_conflict:";

// The reason of PRISM_NO_CONFLICT("reason") on any declaration of `decl`, or
// "".
std::string OverrideReason(const clang::Decl* decl) {
  for (const clang::Decl* redecl : decl->redecls()) {
    for (const auto* attr : redecl->specific_attrs<clang::AnnotateAttr>()) {
      llvm::StringRef text = attr->getAnnotation();
      if (text.startswith(kNoConflictPrefix)) {
        std::string reason =
            text.drop_front(sizeof(kNoConflictPrefix) - 1).str();
        return reason.empty() ? "no reason given" : reason;
      }
    }
  }
  return "";
}

bool HasHandlerAnnotation(const clang::FunctionDecl* function) {
  for (const clang::FunctionDecl* redecl : function->redecls()) {
    for (const auto* attr : redecl->specific_attrs<clang::AnnotateAttr>()) {
      if (attr->getAnnotation() == kHandlerAnnotation) return true;
    }
  }
  return false;
}

// Functions, declarations and address-taken facts of the whole TU.
class TranslationUnitCollector
    : public clang::RecursiveASTVisitor<TranslationUnitCollector> {
 public:
  TranslationUnitCollector(SummaryContext& context,
                           v1::TranslationUnitSummary* out)
      : context_(context), out_(out), sm_(context.ast().getSourceManager()) {}

  bool shouldVisitTemplateInstantiations() const { return true; }
  bool shouldVisitImplicitCode() const { return true; }

  void Run() {
    TraverseDecl(context_.ast().getTranslationUnitDecl());
    Finish();
  }

  bool VisitFunctionDecl(clang::FunctionDecl* function) {
    if (!function->doesThisDeclarationHaveABody()) return true;
    if (function->isDependentContext() || function->getBody() == nullptr)
      return true;
    Summarize(function, function->getBeginLoc());
    return true;
  }

  bool VisitLambdaExpr(clang::LambdaExpr* lambda) {
    clang::CXXMethodDecl* op = lambda->getCallOperator();
    if (op == nullptr || op->isDependentContext() || op->getBody() == nullptr)
      return true;
    Summarize(op, lambda->getIntroducerRange().getBegin());
    return true;
  }

  bool VisitCallExpr(clang::CallExpr* call) {
    const clang::Expr* callee = call->getCallee();
    if (callee != nullptr) {
      if (const auto* ref = llvm::dyn_cast<clang::DeclRefExpr>(
              callee->IgnoreParenImpCasts())) {
        direct_callees_.insert(ref);
      }
    }
    if (const clang::FunctionDecl* function = call->getDirectCallee())
      Reference(function);
    // A captureless lambda converted to a function pointer: its call operator
    // is a callback.
    if (const auto* member = llvm::dyn_cast<clang::CXXMemberCallExpr>(call)) {
      if (const auto* conversion =
              llvm::dyn_cast_or_null<clang::CXXConversionDecl>(
                  member->getMethodDecl())) {
        if (conversion->getParent()->isLambda()) {
          if (const clang::CXXMethodDecl* op =
                  conversion->getParent()->getLambdaCallOperator()) {
            address_taken_.insert(op->getCanonicalDecl());
          }
        }
      }
    }
    return true;
  }

  bool VisitDeclRefExpr(clang::DeclRefExpr* ref) {
    if (const auto* function =
            llvm::dyn_cast<clang::FunctionDecl>(ref->getDecl())) {
      Reference(function);
      if (!direct_callees_.contains(ref))
        address_taken_.insert(function->getCanonicalDecl());
    } else if (const auto* var =
                   llvm::dyn_cast<clang::VarDecl>(ref->getDecl())) {
      if (var->hasGlobalStorage() && !llvm::isa<clang::ParmVarDecl>(var)) {
        referenced_globals_.insert(var->getCanonicalDecl());
        Global(var);
      }
    }
    return true;
  }

  bool VisitMemberExpr(clang::MemberExpr* member) {
    if (const auto* method =
            llvm::dyn_cast<clang::CXXMethodDecl>(member->getMemberDecl())) {
      Reference(method);
    } else if (const auto* var =
                   llvm::dyn_cast<clang::VarDecl>(member->getMemberDecl())) {
      referenced_globals_.insert(var->getCanonicalDecl());
      Global(var);
    }
    return true;
  }

  bool VisitCXXConstructExpr(clang::CXXConstructExpr* construct) {
    if (construct->getConstructor() != nullptr)
      Reference(construct->getConstructor());
    return true;
  }

  bool VisitCXXBindTemporaryExpr(clang::CXXBindTemporaryExpr* expr) {
    if (expr->getTemporary() != nullptr &&
        expr->getTemporary()->getDestructor() != nullptr) {
      Reference(expr->getTemporary()->getDestructor());
    }
    return true;
  }

  bool VisitCXXDeleteExpr(clang::CXXDeleteExpr* expr) {
    clang::QualType type = expr->getDestroyedType();
    if (!type.isNull()) {
      if (const clang::CXXRecordDecl* record = type->getAsCXXRecordDecl()) {
        if (record->hasDefinition() && record->getDestructor() != nullptr) {
          Reference(record->getDestructor());
        }
      }
    }
    return true;
  }

  bool VisitVarDecl(clang::VarDecl* var) {
    if (var->hasGlobalStorage() && !llvm::isa<clang::ParmVarDecl>(var) &&
        !var->isTemplated()) {
      Global(var);
    }
    if (var->hasLocalStorage() && !var->getType()->isDependentType()) {
      if (const clang::CXXRecordDecl* record =
              var->getType()->getAsCXXRecordDecl()) {
        if (record->hasDefinition() && !record->hasTrivialDestructor() &&
            record->getDestructor() != nullptr) {
          Reference(record->getDestructor());
        }
      }
    }
    return true;
  }

  bool VisitFieldDecl(clang::FieldDecl* field) {
    if (field->getParent() == nullptr ||
        field->getParent()->isDependentContext())
      return true;
    std::string reason = OverrideReason(field);
    bool atomic = IsAtomicType(field->getType());
    if (reason.empty() && !atomic) return true;
    std::string name =
        RecordName(field->getParent()) + "::" + field->getNameAsString();
    if (!fields_seen_.insert(name).second) return true;
    v1::Declaration* declaration = out_->add_declarations();
    declaration->set_kind(v1::Declaration::KIND_FIELD);
    declaration->set_name(name);
    *declaration->mutable_location() = context_.Location(field->getLocation());
    declaration->set_atomic(atomic);
    declaration->set_override_reason(reason);
    return true;
  }

 private:
  void Summarize(const clang::FunctionDecl* function,
                 clang::SourceLocation begin) {
    if (!summarized_.insert(function).second) return;
    v1::Function* record = out_->add_functions();
    FillIdentity(function, record);
    *record->mutable_location() = context_.Location(begin);
    record->set_has_body(true);
    bodies_.emplace(record->usr(), out_->functions_size() - 1);
    SummarizeFunctionBody(context_, function, record);
  }

  void FillIdentity(const clang::FunctionDecl* function, v1::Function* record) {
    record->set_usr(context_.Usr(function));
    record->set_name(context_.FunctionName(function));
    const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(function);
    bool lambda = method != nullptr && method->getParent() != nullptr &&
                  method->getParent()->isLambda();
    record->set_internal_linkage(lambda || !function->isExternallyVisible());
    record->set_parameter_count(function->getNumParams());
    record->set_variadic(function->isVariadic());
    record->set_type(context_.FunctionType(function));
    record->set_annotated_handler(HasHandlerAnnotation(function));
  }

  void Reference(const clang::FunctionDecl* function) {
    referenced_.emplace(function->getCanonicalDecl(), function);
  }

  void Global(const clang::VarDecl* var) {
    globals_.emplace(var->getCanonicalDecl(), var);
  }

  void Finish() {
    // Functions referred to without a body in this TU, in USR order (stable
    // output).
    std::map<std::string, const clang::FunctionDecl*> bodyless;
    for (const auto& [canonical, function] : referenced_) {
      if (function->isDependentContext()) continue;
      std::string usr = context_.Usr(function);
      if (usr.empty() || bodies_.count(usr)) continue;
      bodyless.emplace(usr, function);
    }
    for (const auto& [usr, function] : bodyless) {
      v1::Function* record = out_->add_functions();
      FillIdentity(function, record);
      *record->mutable_location() = context_.Location(function->getLocation());
      record->set_has_body(false);
    }
    absl::flat_hash_set<std::string> taken;
    for (const clang::FunctionDecl* function : address_taken_)
      taken.insert(context_.Usr(function));
    for (v1::Function& record : *out_->mutable_functions()) {
      if (taken.contains(record.usr())) record.set_address_taken(true);
    }
    // Globals: every one declared outside system headers, and those the code
    // refers to.
    std::map<std::string, const clang::VarDecl*> globals;
    for (const auto& [canonical, var] : globals_) {
      const clang::VarDecl* definition = var->getDefinition();
      const clang::VarDecl* shown =
          definition != nullptr ? definition : canonical;
      bool system = sm_.isInSystemHeader(shown->getLocation());
      if (system && !referenced_globals_.count(canonical)) continue;
      globals.emplace(context_.Usr(canonical), canonical);
    }
    for (const auto& [usr, canonical] : globals) {
      const clang::VarDecl* definition = canonical->getDefinition();
      const clang::VarDecl* shown =
          definition != nullptr ? definition : canonical;
      v1::Declaration* declaration = out_->add_declarations();
      declaration->set_kind(v1::Declaration::KIND_GLOBAL);
      declaration->set_usr(usr);
      declaration->set_name(context_.VariableName(canonical));
      *declaration->mutable_location() =
          context_.Location(shown->getLocation());
      declaration->set_atomic(IsAtomicType(canonical->getType()));
      declaration->set_override_reason(OverrideReason(canonical));
    }
  }

  SummaryContext& context_;
  v1::TranslationUnitSummary* out_;
  const clang::SourceManager& sm_;
  absl::flat_hash_set<const clang::FunctionDecl*> summarized_;
  absl::flat_hash_set<const clang::DeclRefExpr*> direct_callees_;
  std::set<const clang::FunctionDecl*> address_taken_;
  std::map<const clang::FunctionDecl*, const clang::FunctionDecl*> referenced_;
  std::map<std::string, int> bodies_;
  std::map<const clang::VarDecl*, const clang::VarDecl*> globals_;
  std::set<const clang::VarDecl*> referenced_globals_;
  std::set<std::string> fields_seen_;
};

}  // namespace

void CollectTranslationUnit(SummaryContext& context,
                            v1::TranslationUnitSummary* out) {
  TranslationUnitCollector collector(context, out);
  collector.Run();
}

}  // namespace prism::frontend
