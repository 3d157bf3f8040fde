#include "services/analyzer/frontend/translation_unit_collector.h"

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMapContext.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "clang/Basic/SourceManager.h"
#include "services/analyzer/frontend/declaration_collector.h"

namespace prism::frontend {
namespace {

constexpr char kHandlerAnnotation[] = "prism_handler";
// How many pointers deep below memory handed to a bodyless function the
// front-end looks for function pointers it may overwrite.
constexpr int kHeldPointerDepth = 2;

// The function type a pointer, reference or block to a function designates.
const clang::FunctionType* FunctionPointee(clang::QualType type) {
  type = type.getCanonicalType();
  if (type->isPointerType() || type->isReferenceType() ||
      type->isBlockPointerType()) {
    type = type->getPointeeType().getCanonicalType();
  }
  return type->getAs<clang::FunctionType>();
}

// The function type of the function pointers a pointer points to (T** to T).
const clang::FunctionType* HeldFunctionPointer(clang::QualType type) {
  type = type.getCanonicalType();
  if (!type->isPointerType() && !type->isReferenceType()) return nullptr;
  clang::QualType held = type->getPointeeType().getCanonicalType();
  if (!held->isPointerType() && !held->isBlockPointerType()) return nullptr;
  return FunctionPointee(held);
}

// The function types of the function pointers held in an object of type
// `object` (its fields and elements, and, `depth` pointers deep, what its
// pointers lead to): what code given the object's address may overwrite.
void CollectHeldFunctionTypes(clang::QualType object, int depth,
                              std::set<const clang::RecordDecl*>* visited,
                              std::vector<const clang::FunctionType*>* out) {
  object = object.getCanonicalType();
  if (object.isNull() || object->isDependentType()) return;
  if (const clang::ArrayType* array = object->getAsArrayTypeUnsafe()) {
    CollectHeldFunctionTypes(array->getElementType(), depth, visited, out);
    return;
  }
  if (object->isPointerType() || object->isBlockPointerType()) {
    if (const clang::FunctionType* function = FunctionPointee(object)) {
      out->push_back(function);
    } else if (depth > 0) {
      CollectHeldFunctionTypes(object->getPointeeType(), depth - 1, visited,
                               out);
    }
    return;
  }
  const clang::RecordDecl* record = object->getAsRecordDecl();
  if (record == nullptr) return;
  record = record->getDefinition();
  if (record == nullptr || !visited->insert(record).second) return;
  if (const auto* cxx = llvm::dyn_cast<clang::CXXRecordDecl>(record)) {
    for (const clang::CXXBaseSpecifier& base : cxx->bases())
      CollectHeldFunctionTypes(base.getType(), depth, visited, out);
  }
  for (const clang::FieldDecl* field : record->fields())
    CollectHeldFunctionTypes(field->getType(), depth, visited, out);
}

std::string FunctionTypeName(const clang::FunctionType* type) {
  return clang::QualType(type, 0).getCanonicalType().getAsString();
}

bool HasHandlerAnnotation(const clang::FunctionDecl* function) {
  for (const clang::FunctionDecl* redecl : function->redecls()) {
    for (const auto* attr : redecl->specific_attrs<clang::AnnotateAttr>()) {
      if (attr->getAnnotation() == kHandlerAnnotation) return true;
    }
  }
  return false;
}

// Which functions the TU defines or refers to: identity, linkage, type, handler
// annotation, address taken; summarizes every body (function_summary.h).
class FunctionCollector : public clang::RecursiveASTVisitor<FunctionCollector> {
 public:
  FunctionCollector(SummaryContext& context, v1::TranslationUnitSummary* out)
      : context_(context), out_(out) {}

  bool shouldVisitTemplateInstantiations() const { return true; }
  bool shouldVisitImplicitCode() const { return true; }

  void Run() {
    TraverseDecl(context_.ast().getTranslationUnitDecl());
    Finish();
  }

  bool VisitFunctionDecl(clang::FunctionDecl* function) {
    // A virtual method defined elsewhere (another library) may run at any
    // virtual call of its name: the link step needs to know it exists, to
    // count it as unknown code. Library classes in system headers cannot
    // override the program's methods, so their declarations are left out.
    if (const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(function);
        method != nullptr && method->isVirtual() && !method->isPure() &&
        !method->hasBody() && !method->isDependentContext() &&
        !context_.ast().getSourceManager().isInSystemHeader(
            method->getLocation())) {
      Reference(method);
    }
    if (!function->doesThisDeclarationHaveABody()) return true;
    if (function->isDependentContext() || function->getBody() == nullptr)
      return true;
    candidates_.emplace_back(function, function->getBeginLoc());
    return true;
  }

  bool VisitLambdaExpr(clang::LambdaExpr* lambda) {
    clang::CXXMethodDecl* op = lambda->getCallOperator();
    if (op == nullptr || op->isDependentContext() || op->getBody() == nullptr)
      return true;
    candidates_.emplace_back(op, lambda->getIntroducerRange().getBegin());
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
    if (const clang::FunctionDecl* function = call->getDirectCallee()) {
      Reference(function);
      ForeignThroughCall(call, function);
    }
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

  // A function's address converted to another type (an explicit cast, or an
  // implicit conversion between compatible C types: an unprototyped
  // function) may be called through a pointer of any type. Any other value
  // converted to a function pointer, and memory holding function pointers
  // reached through a pointer of another type, may hold a function from
  // outside the program (summary.proto ForeignFunctionPointer).
  bool IntegerConstant(const clang::Expr& operand) const {
    const clang::Expr* value = operand.IgnoreParenCasts();
    return value->getType()->isIntegerType() && !value->isValueDependent() &&
           value->isIntegerConstantExpr(context_.ast());
  }

  bool VisitCastExpr(clang::CastExpr* cast) {
    switch (cast->getCastKind()) {
      case clang::CK_FunctionToPointerDecay:
      case clang::CK_LValueToRValue:
      case clang::CK_NullToPointer:
      case clang::CK_NullToMemberPointer:
      case clang::CK_ToVoid:
        return true;
      default:
        break;
    }
    const clang::Expr* operand = cast->getSubExpr();
    const clang::QualType to = cast->getType().getCanonicalType();
    if (operand->getType().getCanonicalType() == to) return true;
    const clang::Expr* sub = operand->IgnoreParenImpCasts();
    if (const auto* address = llvm::dyn_cast<clang::UnaryOperator>(sub)) {
      if (address->getOpcode() == clang::UO_AddrOf)
        sub = address->getSubExpr()->IgnoreParenImpCasts();
    }
    const clang::FunctionType* target = FunctionPointee(to);
    if (const auto* ref = llvm::dyn_cast<clang::DeclRefExpr>(sub)) {
      if (const auto* function =
              llvm::dyn_cast<clang::FunctionDecl>(ref->getDecl())) {
        clang::QualType pointee = to;
        if (pointee->isPointerType())
          pointee = pointee->getPointeeType().getCanonicalType();
        if (pointee != function->getType().getCanonicalType())
          address_cast_.insert(function->getCanonicalDecl());
        return true;
      }
    }
    // An integer constant (`SIG_IGN`, `(handler_fn)1`) is no function: no
    // code lives at an address written in the source, a call through it
    // runs nothing.
    if (target != nullptr &&
        !operand->isNullPointerConstant(
            context_.ast(), clang::Expr::NPC_ValueDependentIsNotNull) &&
        !IntegerConstant(*operand)) {
      AddForeign(
          target, "",
          absl::StrCat("cast from '", operand->getType().getAsString(), "'"),
          cast->getExprLoc());
    }
    if (const clang::FunctionType* held =
            HeldFunctionPointer(operand->getType())) {
      const clang::FunctionType* still = HeldFunctionPointer(to);
      if (still == nullptr ||
          FunctionTypeName(still) != FunctionTypeName(held)) {
        AddForeign(held, "",
                   absl::StrCat("its memory reached through a '",
                                cast->getType().getAsString(), "'"),
                   cast->getExprLoc());
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
    }
    return true;
  }

  bool VisitMemberExpr(clang::MemberExpr* member) {
    if (const auto* method =
            llvm::dyn_cast<clang::CXXMethodDecl>(member->getMemberDecl())) {
      Reference(method);
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

  // Whether nothing reads what `call` returns: a statement of its own
  // (`signal(SIGPIPE, SIG_IGN);`), a branch of an `if`, or cast to void.
  bool ResultDiscarded(const clang::CallExpr& call) const {
    const auto parents = context_.ast().getParents(call);
    if (parents.size() != 1) return false;
    if (parents[0].get<clang::CompoundStmt>() != nullptr) return true;
    if (const auto* cast = parents[0].get<clang::CStyleCastExpr>())
      return cast->getType()->isVoidType();
    if (const auto* branch = parents[0].get<clang::IfStmt>())
      return branch->getThen() == &call || branch->getElse() == &call;
    return false;
  }

  // A function with no body here returning a function pointer, or given the
  // address of one, may hand back a function from outside the program, if it
  // has no body anywhere (the link step decides).
  void ForeignThroughCall(const clang::CallExpr* call,
                          const clang::FunctionDecl* callee) {
    if (callee->hasBody() || callee->getBuiltinID() != 0) return;
    const std::string usr = context_.Usr(callee);
    if (usr.empty()) return;
    const std::string name = callee->getQualifiedNameAsString();
    if (const clang::FunctionType* returned =
            FunctionPointee(callee->getReturnType());
        returned != nullptr && !ResultDiscarded(*call)) {
      AddForeign(returned, usr, absl::StrCat("returned by ", name),
                 call->getExprLoc());
    }
    int position = 0;
    for (const clang::Expr* argument : call->arguments()) {
      ++position;
      const clang::Expr* original = argument->IgnoreParenImpCasts();
      if (const clang::FunctionType* held =
              HeldFunctionPointer(original->getType())) {
        AddForeign(held, usr, absl::StrCat("its address given to ", name),
                   argument->getExprLoc(), position);
        continue;
      }
      // Function pointers inside the memory handed over (`read(fd, &ops,
      // sizeof ops)`, a struct of callbacks filled by a plugin loader).
      const clang::QualType type = original->getType().getCanonicalType();
      if (!type->isPointerType() && !type->isReferenceType()) continue;
      std::set<const clang::RecordDecl*> visited;
      std::vector<const clang::FunctionType*> held;
      CollectHeldFunctionTypes(type->getPointeeType(), kHeldPointerDepth,
                               &visited, &held);
      for (const clang::FunctionType* function : held) {
        AddForeign(function, usr,
                   absl::StrCat("held in memory given to ", name),
                   argument->getExprLoc(), position);
      }
    }
  }

  void AddForeign(const clang::FunctionType* type, const std::string& callee,
                  std::string why, clang::SourceLocation location,
                  int argument_position = 0) {
    auto [it, inserted] = foreign_.try_emplace(
        std::make_tuple(FunctionTypeName(type), callee, argument_position));
    if (!inserted) return;
    it->second.set_type(FunctionTypeName(type));
    it->second.set_from_callee_usr(callee);
    it->second.set_argument_position(argument_position);
    it->second.set_why(std::move(why));
    *it->second.mutable_location() = context_.Location(location);
  }

  void Reference(const clang::FunctionDecl* function) {
    referenced_.emplace(function->getCanonicalDecl(), function);
  }

  void Finish() {
    // Bodies in system headers (inline functions, template instantiations) only
    // when this TU refers to them: an unreferenced copy can run only through
    // another TU, whose own summary has it. Skipping one never hides an effect
    // (a missing body is unknown code).
    const clang::SourceManager& sm = context_.ast().getSourceManager();
    for (const auto& [function, begin] : candidates_) {
      if (sm.isInSystemHeader(function->getLocation()) &&
          !referenced_.count(function->getCanonicalDecl()) &&
          !address_taken_.count(function->getCanonicalDecl())) {
        continue;
      }
      Summarize(function, begin);
    }
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
    absl::flat_hash_set<std::string> cast;
    for (const clang::FunctionDecl* function : address_cast_)
      cast.insert(context_.Usr(function));
    for (v1::Function& record : *out_->mutable_functions()) {
      if (taken.contains(record.usr())) record.set_address_taken(true);
      if (cast.contains(record.usr())) record.set_address_cast(true);
    }
    for (auto& [key, foreign] : foreign_) {
      *out_->add_foreign_function_pointers() = std::move(foreign);
    }
  }

  SummaryContext& context_;
  v1::TranslationUnitSummary* out_;
  absl::flat_hash_set<const clang::FunctionDecl*> summarized_;
  std::vector<std::pair<const clang::FunctionDecl*, clang::SourceLocation>>
      candidates_;
  absl::flat_hash_set<const clang::DeclRefExpr*> direct_callees_;
  std::set<const clang::FunctionDecl*> address_taken_;
  std::set<const clang::FunctionDecl*> address_cast_;
  std::map<const clang::FunctionDecl*, const clang::FunctionDecl*> referenced_;
  std::map<std::string, int> bodies_;
  // (type, callee USR): sorted, so the output is deterministic.
  // By (type, callee, argument position).
  std::map<std::tuple<std::string, std::string, int>,
           v1::ForeignFunctionPointer>
      foreign_;
};

}  // namespace

void CollectTranslationUnit(SummaryContext& context,
                            v1::TranslationUnitSummary* out) {
  FunctionCollector functions(context, out);
  functions.Run();
  DeclarationCollector declarations(context);
  clang::ast_matchers::MatchFinder finder;
  declarations.RegisterMatchers(&finder);
  finder.matchAST(context.ast());
  declarations.Emit(out);
}

}  // namespace prism::frontend
