#include "services/analyzer/frontend/value_flow.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/Stmt.h"

namespace prism::frontend {

ValueFlow::ValueFlow(SummaryContext& context,
                     const clang::FunctionDecl* function)
    : context_(context), function_(function) {
  const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(function);
  if (method != nullptr && method->getParent() != nullptr &&
      method->getParent()->isLambda()) {
    lambda_class_ = method->getParent();
    llvm::DenseMap<const clang::VarDecl*, clang::FieldDecl*> captures;
    clang::FieldDecl* this_capture = nullptr;
    lambda_class_->getCaptureFields(captures, this_capture);
    for (const auto& [var, field] : captures) capture_fields_[var] = field;
    this_capture_ = this_capture;
  }
  for (const clang::ParmVarDecl* param : function->parameters())
    tracked_.insert(param);
}

int ValueFlow::AddCall(CallSite site) {
  int index = static_cast<int>(calls_.size());
  if (site.expr != nullptr) call_index_[site.expr] = index;
  calls_.push_back(std::move(site));
  return index;
}

// --- resolution
// ------------------------------------------------------------------------------

struct DepthGuard {
  explicit DepthGuard(int& depth) : depth(depth) { ++depth; }
  ~DepthGuard() { --depth; }
  int& depth;
};
constexpr int kMaxDepth = 200;

Paths ValueFlow::VariablePaths(const clang::VarDecl* var) {
  Paths result;
  // Variables of an enclosing function, captured by a lambda: fields of the
  // closure object.
  if (lambda_class_ != nullptr && var->hasLocalStorage() &&
      !tracked_.contains(var)) {
    auto it = capture_fields_.find(var);
    Path closure;
    closure.base = MemoryPath::BASE_THIS;
    closure.name = "this";
    if (it == capture_fields_.end()) {
      Add(result, closure);  // Unknown capture: the whole closure.
      return result;
    }
    Path field = closure.With(var->getNameAsString(), "");
    if (it->second->getType()->isReferenceType()) field = field.With("*");
    Add(result, field);
    return result;
  }
  if (var->hasGlobalStorage()) {
    Path global;
    global.base = MemoryPath::BASE_GLOBAL;
    global.usr = context_.Usr(var->getCanonicalDecl());
    global.name = context_.VariableName(var);
    Add(result, global);
    return result;
  }
  Path variable;
  if (const auto* param = llvm::dyn_cast<clang::ParmVarDecl>(var)) {
    variable.base = MemoryPath::BASE_PARAMETER;
    variable.index = static_cast<int>(param->getFunctionScopeIndex());
    variable.name = param->getNameAsString();
    variable.object = param;
    variable.order = OrderOf(param);
  } else {
    variable.base = MemoryPath::BASE_FRESH;
    variable.object = var;
    variable.order = OrderOf(var);
    variable.name = var->getNameAsString();
  }
  if (var->getType()->isReferenceType()) {
    // A reference stands for what it is bound to.
    if (!tracked_.contains(var) || llvm::isa<clang::ParmVarDecl>(var)) {
      Path pointee = variable;
      pointee.object = nullptr;
      if (variable.base == MemoryPath::BASE_PARAMETER) {
        Add(result, pointee.With("*"));
        return result;
      }
    }
    return Deref(Load(variable), "*");
  }
  Add(result, variable);
  return result;
}

Paths ValueFlow::MemberPaths(const clang::MemberExpr* member) {
  Paths result;
  const clang::ValueDecl* decl = member->getMemberDecl();
  if (const auto* var = llvm::dyn_cast<clang::VarDecl>(decl)) {
    return VariablePaths(var);  // Static data member.
  }
  Paths bases;
  if (member->isArrow()) {
    bases = Deref(ValueOf(member->getBase()), "*");
  } else {
    bases = LValuePaths(member->getBase());
  }
  const auto* field = llvm::dyn_cast<clang::FieldDecl>(decl);
  if (field == nullptr) return bases;  // Methods: the object itself.
  const clang::RecordDecl* record = field->getParent();
  // Union members and bit-fields share storage with their neighbours: report
  // the enclosing object, which covers them. Anonymous members add no selector.
  bool whole =
      record->isUnion() || field->isBitField() || field->getName().empty();
  std::string record_name = RecordName(record);
  for (auto& [key, base] : bases) {
    if (whole) {
      Add(result, base);
    } else {
      Add(result, base.With(std::string(field->getName()), record_name));
    }
  }
  return result;
}

Paths ValueFlow::Deref(const Sources& sources, const std::string& selector) {
  Paths result;
  for (const auto& [key, source] : sources) {
    switch (source.kind) {
      case Source::kAddressOf:
        Add(result, source.path);
        break;
      case Source::kLoadedFrom:
        Add(result, source.path.With(selector));
        break;
      case Source::kFunction:
        break;
      case Source::kUnknown:
        Add(result, UnknownPath());
        break;
    }
  }
  return result;
}

Sources ValueFlow::AddressOfPaths(const Paths& paths) {
  Sources result;
  for (const auto& [key, path] : paths) {
    if (path.base == MemoryPath::BASE_UNKNOWN) {
      Add(result, Unknown());
    } else {
      Add(result, AddressOf(path));
    }
  }
  return result;
}

Paths ValueFlow::LValuePaths(const clang::Expr* expr) {
  Paths result;
  if (expr == nullptr) {
    Add(result, UnknownPath());
    return result;
  }
  DepthGuard guard(depth_);
  if (depth_ > kMaxDepth) {
    Add(result, UnknownPath());
    return result;
  }
  expr = expr->IgnoreParens();
  if (const auto* ref = llvm::dyn_cast<clang::DeclRefExpr>(expr)) {
    const clang::ValueDecl* decl = ref->getDecl();
    if (const auto* var = llvm::dyn_cast<clang::VarDecl>(decl))
      return VariablePaths(var);
    if (llvm::isa<clang::FunctionDecl>(decl) ||
        llvm::isa<clang::EnumConstantDecl>(decl)) {
      return result;  // Not memory.
    }
    if (const auto* binding = llvm::dyn_cast<clang::BindingDecl>(decl)) {
      if (binding->getBinding() != nullptr)
        return LValuePaths(binding->getBinding());
    }
    Add(result, UnknownPath());
    return result;
  }
  if (const auto* member = llvm::dyn_cast<clang::MemberExpr>(expr))
    return MemberPaths(member);
  if (const auto* unary = llvm::dyn_cast<clang::UnaryOperator>(expr)) {
    switch (unary->getOpcode()) {
      case clang::UO_Deref:
        return Deref(ValueOf(unary->getSubExpr()), "*");
      case clang::UO_PreInc:
      case clang::UO_PreDec:
      case clang::UO_Extension:
      case clang::UO_Real:
      case clang::UO_Imag:
        return LValuePaths(unary->getSubExpr());
      default:
        break;
    }
  }
  if (const auto* subscript = llvm::dyn_cast<clang::ArraySubscriptExpr>(expr)) {
    return Deref(ValueOf(subscript->getBase()), "[]");
  }
  if (const auto* cast = llvm::dyn_cast<clang::CastExpr>(expr)) {
    if (expr->isGLValue()) return LValuePaths(cast->getSubExpr());
  }
  if (const auto* binary = llvm::dyn_cast<clang::BinaryOperator>(expr)) {
    if (binary->getOpcode() == clang::BO_Comma)
      return LValuePaths(binary->getRHS());
    if (binary->isAssignmentOp()) return LValuePaths(binary->getLHS());
    if (binary->getOpcode() == clang::BO_PtrMemD ||
        binary->getOpcode() == clang::BO_PtrMemI) {
      Add(result, UnknownPath());
      return result;
    }
  }
  if (const auto* conditional =
          llvm::dyn_cast<clang::AbstractConditionalOperator>(expr)) {
    result = LValuePaths(conditional->getTrueExpr());
    for (auto& [key, path] : LValuePaths(conditional->getFalseExpr()))
      result.emplace(key, path);
    return result;
  }
  if (const auto* call = llvm::dyn_cast<clang::CallExpr>(expr)) {
    auto it = call_index_.find(call);
    if (it == call_index_.end()) {
      Add(result, UnknownPath());
      return result;
    }
    Path returned;
    returned.base = MemoryPath::BASE_RETURN;
    returned.index = it->second;
    returned.name = call->getDirectCallee()
                        ? call->getDirectCallee()->getNameAsString()
                        : "";
    Add(result, returned.With("*"));
    return result;
  }
  if (llvm::isa<clang::StringLiteral>(expr) ||
      llvm::isa<clang::CompoundLiteralExpr>(expr) ||
      llvm::isa<clang::PredefinedExpr>(expr) ||
      llvm::isa<clang::CXXTemporaryObjectExpr>(expr) ||
      llvm::isa<clang::CXXConstructExpr>(expr) ||
      llvm::isa<clang::InitListExpr>(expr) ||
      llvm::isa<clang::LambdaExpr>(expr)) {
    Path fresh;
    fresh.base = MemoryPath::BASE_FRESH;
    fresh.object = expr;
    fresh.order = OrderOf(expr);
    fresh.name = "<temporary>";
    Add(result, fresh);
    return result;
  }
  if (const auto* temporary =
          llvm::dyn_cast<clang::MaterializeTemporaryExpr>(expr)) {
    const clang::Expr* sub = temporary->getSubExpr();
    if (sub->isGLValue()) return LValuePaths(sub);
    Path fresh;
    fresh.base = MemoryPath::BASE_FRESH;
    fresh.object = expr;
    fresh.order = OrderOf(expr);
    fresh.name = "<temporary>";
    Add(result, fresh);
    return result;
  }
  if (const auto* full = llvm::dyn_cast<clang::FullExpr>(expr)) {
    return LValuePaths(full->getSubExpr());
  }
  if (const auto* bind = llvm::dyn_cast<clang::CXXBindTemporaryExpr>(expr)) {
    return LValuePaths(bind->getSubExpr());
  }
  if (const auto* opaque = llvm::dyn_cast<clang::OpaqueValueExpr>(expr)) {
    if (opaque->getSourceExpr() != nullptr)
      return LValuePaths(opaque->getSourceExpr());
  }
  if (const auto* statement = llvm::dyn_cast<clang::StmtExpr>(expr)) {
    const clang::CompoundStmt* body = statement->getSubStmt();
    if (body != nullptr && !body->body_empty()) {
      if (const auto* last = llvm::dyn_cast<clang::Expr>(body->body_back())) {
        return LValuePaths(last);
      }
    }
  }
  if (const auto* default_arg =
          llvm::dyn_cast<clang::CXXDefaultArgExpr>(expr)) {
    return LValuePaths(default_arg->getExpr());
  }
  if (const auto* default_init =
          llvm::dyn_cast<clang::CXXDefaultInitExpr>(expr)) {
    return LValuePaths(default_init->getExpr());
  }
  if (const auto* this_expr = llvm::dyn_cast<clang::CXXThisExpr>(expr)) {
    (void)this_expr;  // `*this` as glvalue arrives through UO_Deref; be safe
                      // anyway.
    return Deref(ValueOf(expr), "*");
  }
  Add(result, UnknownPath());
  return result;
}

Sources ValueFlow::ValueOf(const clang::Expr* expr) {
  if (expr == nullptr) return {};
  if (expr->isGLValue()) {
    const clang::Expr* bare = expr->IgnoreParens();
    if (const auto* ref = llvm::dyn_cast<clang::DeclRefExpr>(bare)) {
      if (llvm::isa<clang::FunctionDecl>(ref->getDecl())) {
        Sources result;
        Add(result, FunctionSource(context_.Usr(ref->getDecl())));
        return result;
      }
    }
    return AddressOfPaths(LValuePaths(expr));
  }
  return RValue(expr);
}

namespace {

// A cast between pointers to two different structs (not a base and its derived
// class).
bool ReinterpretsRecord(clang::QualType from, clang::QualType to) {
  if (!from->isPointerType() || !to->isPointerType()) return false;
  const clang::RecordDecl* source = from->getPointeeType()->getAsRecordDecl();
  const clang::RecordDecl* target = to->getPointeeType()->getAsRecordDecl();
  if (source == nullptr || target == nullptr) return false;
  if (source->getCanonicalDecl() == target->getCanonicalDecl()) return false;
  const auto* source_class = llvm::dyn_cast<clang::CXXRecordDecl>(source);
  const auto* target_class = llvm::dyn_cast<clang::CXXRecordDecl>(target);
  if (source_class != nullptr && target_class != nullptr &&
      source_class->hasDefinition() && target_class->hasDefinition() &&
      (source_class->isDerivedFrom(target_class) ||
       target_class->isDerivedFrom(source_class))) {
    return false;
  }
  return true;
}

}  // namespace

Sources ValueFlow::RValue(const clang::Expr* expr) {
  Sources result;
  if (expr == nullptr) return result;
  DepthGuard guard(depth_);
  if (depth_ > kMaxDepth) {
    Add(result, Unknown());
    return result;
  }
  expr = expr->IgnoreParens();
  if (!CarriesPointer(expr->getType())) return result;
  if (const auto* cast = llvm::dyn_cast<clang::CastExpr>(expr)) {
    const clang::Expr* sub = cast->getSubExpr();
    switch (cast->getCastKind()) {
      case clang::CK_LValueToRValue:
      case clang::CK_AtomicToNonAtomic:
      case clang::CK_NonAtomicToAtomic: {
        if (sub->isGLValue()) {
          for (const auto& [key, path] : LValuePaths(sub))
            AddAll(result, Load(path));
          return result;
        }
        return ValueOf(sub);
      }
      case clang::CK_ArrayToPointerDecay: {
        for (const auto& [key, path] : LValuePaths(sub)) {
          if (path.base == MemoryPath::BASE_UNKNOWN) {
            Add(result, Unknown());
          } else {
            Add(result, AddressOf(path.With("[]")));
          }
        }
        return result;
      }
      case clang::CK_FunctionToPointerDecay:
      case clang::CK_BuiltinFnToFnPtr:
        return ValueOf(sub);
      case clang::CK_NullToPointer:
      case clang::CK_NullToMemberPointer:
        return result;
      case clang::CK_IntegralToPointer: {
        clang::Expr::EvalResult value;
        if (sub->EvaluateAsInt(value, context_.ast()) &&
            value.Val.getInt() == 0)
          return result;
        Add(result, Unknown());
        return result;
      }
      case clang::CK_ConstructorConversion:
      case clang::CK_UserDefinedConversion:
        return ValueOf(sub);
      default:
        if (!CarriesPointer(sub->getType())) {
          Add(result, Unknown());
          return result;
        }
        if (ReinterpretsRecord(sub->IgnoreParenCasts()->getType(),
                               expr->getType())) {
          // `(struct header *)conn`: the fields of one struct are read as
          // another's, so field names say nothing; whatever it points to is
          // covered as a whole.
          for (const auto& [key, source] : ValueOf(sub)) {
            if (source.kind == Source::kAddressOf ||
                source.kind == Source::kLoadedFrom) {
              Path whole = source.kind == Source::kAddressOf
                               ? source.path
                               : source.path.With("*");
              whole.truncated = whole.base != MemoryPath::BASE_UNKNOWN;
              Add(result, AddressOf(std::move(whole)));
            } else {
              Add(result, source);
            }
          }
          return result;
        }
        return ValueOf(sub);
    }
  }
  if (const auto* ref = llvm::dyn_cast<clang::DeclRefExpr>(expr)) {
    if (llvm::isa<clang::FunctionDecl>(ref->getDecl())) {
      Add(result, FunctionSource(context_.Usr(ref->getDecl())));
    }
    return result;  // Enumerators, non-type template parameters.
  }
  if (const auto* unary = llvm::dyn_cast<clang::UnaryOperator>(expr)) {
    switch (unary->getOpcode()) {
      case clang::UO_AddrOf: {
        const clang::Expr* sub = unary->getSubExpr()->IgnoreParens();
        if (const auto* ref = llvm::dyn_cast<clang::DeclRefExpr>(sub)) {
          if (llvm::isa<clang::FunctionDecl>(ref->getDecl())) {
            Add(result, FunctionSource(context_.Usr(ref->getDecl())));
            return result;
          }
        }
        Sources address = AddressOfPaths(LValuePaths(sub));
        // &local, where the local holds pointers (`touch(&c)` with
        // `struct conn *c = arg;`): the callee reaches through the local to
        // what it points to. A local copied from an lvalue L holds what L
        // holds, so &L stands for it; a local holding the address of memory
        // that is not the function's own cannot be named through its address,
        // so that is unknown. (An unknown the local holds only because its
        // address was passed to a call — `strtol(s, &end, 10)` — is what the
        // callee stores there, not something reached through it.)
        if (const auto* ref = llvm::dyn_cast<clang::DeclRefExpr>(sub)) {
          const auto* local = llvm::dyn_cast<clang::VarDecl>(ref->getDecl());
          if (local != nullptr && local->hasLocalStorage() &&
              !llvm::isa<clang::ParmVarDecl>(local) &&
              CarriesPointer(local->getType())) {
            Sources contents;
            for (const auto& [key, path] : LValuePaths(sub))
              AddAll(contents, Load(path));
            for (const auto& [key, held] : contents) {
              if (held.kind == Source::kLoadedFrom) {
                Source through;
                through.kind = Source::kAddressOf;
                through.path = held.path;
                Add(address, std::move(through));
              } else if (held.kind == Source::kAddressOf &&
                         held.path.base != MemoryPath::BASE_FRESH) {
                Add(address, Source());  // Unknown.
              }
            }
          }
        }
        return address;
      }
      case clang::UO_PostInc:
      case clang::UO_PostDec:
      case clang::UO_PreInc:
      case clang::UO_PreDec:
        return ValueOf(unary->getSubExpr());
      default:
        return ValueOf(unary->getSubExpr());
    }
  }
  if (const auto* binary = llvm::dyn_cast<clang::BinaryOperator>(expr)) {
    switch (binary->getOpcode()) {
      case clang::BO_Comma:
        return ValueOf(binary->getRHS());
      case clang::BO_Assign:
        return ValueOf(binary->getRHS());
      default:
        if (binary->isAssignmentOp()) return ValueOf(binary->getLHS());
        if (CarriesPointer(binary->getLHS()->getType()))
          AddAll(result, ValueOf(binary->getLHS()));
        if (CarriesPointer(binary->getRHS()->getType()))
          AddAll(result, ValueOf(binary->getRHS()));
        return result;
    }
  }
  if (const auto* conditional =
          llvm::dyn_cast<clang::AbstractConditionalOperator>(expr)) {
    if (const auto* binary_conditional =
            llvm::dyn_cast<clang::BinaryConditionalOperator>(conditional)) {
      result = ValueOf(binary_conditional->getCommon());
    } else {
      result = ValueOf(conditional->getTrueExpr());
    }
    AddAll(result, ValueOf(conditional->getFalseExpr()));
    return result;
  }
  if (const auto* call = llvm::dyn_cast<clang::CallExpr>(expr)) {
    const clang::FunctionDecl* callee = call->getDirectCallee();
    if (IsAllocator(callee)) {
      Path fresh;
      fresh.base = MemoryPath::BASE_FRESH;
      fresh.object = call;
      fresh.order = OrderOf(call);
      v1::SourceLocation where = context_.Location(call->getBeginLoc());
      fresh.name = absl::StrCat("<", callee->getName().str(), " at ",
                                where.line(), ":", where.column(), ">");
      Add(result, AddressOf(fresh));
      return result;
    }
    // A captureless lambda converted to a function pointer is its call
    // operator.
    if (const auto* conversion =
            llvm::dyn_cast_or_null<clang::CXXConversionDecl>(callee)) {
      if (conversion->getParent()->isLambda()) {
        if (const clang::CXXMethodDecl* op =
                conversion->getParent()->getLambdaCallOperator()) {
          Add(result, FunctionSource(context_.Usr(op)));
          return result;
        }
      }
    }
    auto it = call_index_.find(call);
    if (it == call_index_.end()) {
      Add(result, Unknown());
      return result;
    }
    Path returned;
    returned.base = MemoryPath::BASE_RETURN;
    returned.index = it->second;
    returned.name = callee ? callee->getNameAsString() : "";
    Add(result, LoadedFrom(returned));
    return result;
  }
  if (const auto* new_expr = llvm::dyn_cast<clang::CXXNewExpr>(expr)) {
    Path fresh;
    fresh.base = MemoryPath::BASE_FRESH;
    fresh.object = new_expr;
    fresh.order = OrderOf(new_expr);
    fresh.name = "<new>";
    Add(result, AddressOf(fresh));
    return result;
  }
  if (llvm::isa<clang::CXXThisExpr>(expr)) {
    if (lambda_class_ != nullptr) {
      Path closure;
      closure.base = MemoryPath::BASE_THIS;
      closure.name = "this";
      Path captured = closure.With("this");
      if (this_capture_ != nullptr &&
          !this_capture_->getType()->isPointerType()) {
        Add(result, AddressOf(captured));  // [*this]
      } else {
        Add(result, LoadedFrom(captured));
      }
      return result;
    }
    Path self;
    self.base = MemoryPath::BASE_THIS;
    self.name = "this";
    Add(result, AddressOf(self));
    return result;
  }
  if (const auto* lambda = llvm::dyn_cast<clang::LambdaExpr>(expr)) {
    if (const clang::CXXMethodDecl* op = lambda->getCallOperator()) {
      Add(result, FunctionSource(context_.Usr(op)));
    }
    for (const clang::Expr* init : lambda->capture_inits()) {
      if (init != nullptr) AddAll(result, ValueOf(init));
    }
    return result;
  }
  if (const auto* construct = llvm::dyn_cast<clang::CXXConstructExpr>(expr)) {
    const clang::CXXConstructorDecl* ctor = construct->getConstructor();
    if (ctor != nullptr && ctor->isCopyOrMoveConstructor() &&
        construct->getNumArgs() >= 1) {
      for (const auto& [key, path] : LValuePaths(construct->getArg(0))) {
        AddAll(result, Load(path));
      }
      return result;
    }
    for (const clang::Expr* arg : construct->arguments())
      AddAll(result, ValueOf(arg));
    return result;
  }
  if (const auto* list = llvm::dyn_cast<clang::InitListExpr>(expr)) {
    for (const clang::Expr* init : list->inits()) AddAll(result, ValueOf(init));
    return result;
  }
  if (const auto* full = llvm::dyn_cast<clang::FullExpr>(expr))
    return ValueOf(full->getSubExpr());
  if (const auto* bind = llvm::dyn_cast<clang::CXXBindTemporaryExpr>(expr)) {
    return ValueOf(bind->getSubExpr());
  }
  if (const auto* temporary =
          llvm::dyn_cast<clang::MaterializeTemporaryExpr>(expr)) {
    return ValueOf(temporary->getSubExpr());
  }
  if (const auto* opaque = llvm::dyn_cast<clang::OpaqueValueExpr>(expr)) {
    if (opaque->getSourceExpr() != nullptr)
      return ValueOf(opaque->getSourceExpr());
  }
  if (const auto* default_arg =
          llvm::dyn_cast<clang::CXXDefaultArgExpr>(expr)) {
    return ValueOf(default_arg->getExpr());
  }
  if (const auto* default_init =
          llvm::dyn_cast<clang::CXXDefaultInitExpr>(expr)) {
    return ValueOf(default_init->getExpr());
  }
  if (const auto* statement = llvm::dyn_cast<clang::StmtExpr>(expr)) {
    const clang::CompoundStmt* body = statement->getSubStmt();
    if (body != nullptr && !body->body_empty()) {
      if (const auto* last = llvm::dyn_cast<clang::Expr>(body->body_back())) {
        return ValueOf(last);
      }
    }
    return result;
  }
  if (const auto* choose = llvm::dyn_cast<clang::ChooseExpr>(expr)) {
    if (!choose->isConditionDependent())
      return ValueOf(choose->getChosenSubExpr());
  }
  if (llvm::isa<clang::IntegerLiteral>(expr) ||
      llvm::isa<clang::CXXNullPtrLiteralExpr>(expr) ||
      llvm::isa<clang::GNUNullExpr>(expr) ||
      llvm::isa<clang::ImplicitValueInitExpr>(expr) ||
      llvm::isa<clang::CXXScalarValueInitExpr>(expr) ||
      llvm::isa<clang::UnaryExprOrTypeTraitExpr>(expr) ||
      llvm::isa<clang::OffsetOfExpr>(expr)) {
    return result;
  }
  if (llvm::isa<clang::StringLiteral>(expr) ||
      llvm::isa<clang::AddrLabelExpr>(expr)) {
    Path fresh;
    fresh.base = MemoryPath::BASE_FRESH;
    fresh.object = expr;
    fresh.order = OrderOf(expr);
    fresh.name = "<literal>";
    Add(result, AddressOf(fresh));
    return result;
  }
  Add(result, Unknown());
  return result;
}

namespace {

// Memory of the function's own: a local (or allocated) object, or the by-value
// copy of a parameter (`v.p` with v a struct parameter; the parameter's pointee
// has no `object`).
bool IsLocalMemory(const Path& path) {
  return path.base == MemoryPath::BASE_FRESH ||
         (path.base == MemoryPath::BASE_PARAMETER && path.object != nullptr);
}

}  // namespace

bool ValueFlow::IsVariable(const Path& path) const {
  return path.selectors.empty() && path.object != nullptr &&
         IsLocalMemory(path) &&
         tracked_.contains(static_cast<const clang::VarDecl*>(path.object));
}

// What was stored into `path`'s sub-objects (a whole struct read after its
// fields were set).
void ValueFlow::AddStoredBelow(const Path& path, Sources* result) const {
  std::string key = path.Key();
  for (auto it = field_sources_.upper_bound(key);
       it != field_sources_.end() && it->first.compare(0, key.size(), key) == 0;
       ++it) {
    if (!path.selectors.empty() && it->first[key.size()] != '/') continue;
    AddAll(*result, it->second);
  }
}

Sources ValueFlow::Load(const Path& path) {
  Sources result;
  if (path.base == MemoryPath::BASE_UNKNOWN) {
    Add(result, Unknown());
    return result;
  }
  if (!IsLocalMemory(path)) {
    Add(result, LoadedFrom(path));
    return result;
  }
  if (IsVariable(path)) {
    auto it = var_sources_.find(path.object);
    if (it != var_sources_.end()) result = it->second;
  } else {
    // A field of a local object: what this function stored there (into it, or
    // into an enclosing object as a whole).
    Path prefix = path;
    std::vector<std::string> rest;
    while (true) {
      auto it = field_sources_.find(prefix.Key());
      if (it != field_sources_.end()) {
        for (const auto& [key, source] : it->second) {
          if (rest.empty()) {
            Add(result, source);
          } else if (source.kind == Source::kLoadedFrom) {
            Path moved = source.path;
            for (auto r = rest.rbegin(); r != rest.rend(); ++r)
              moved = moved.With(*r);
            Add(result, LoadedFrom(moved));
          } else {
            Add(result, Unknown());
          }
        }
      }
      if (prefix.selectors.empty()) break;
      rest.push_back(prefix.selectors.back());
      prefix.selectors.pop_back();
      prefix.records.pop_back();
    }
    if (path.base == MemoryPath::BASE_PARAMETER) {
      Path caller = path;  // The field as the caller passed it.
      caller.object = nullptr;
      caller.order = 0;
      Add(result, LoadedFrom(caller));
    }
  }
  AddStoredBelow(path, &result);
  // Escaped: a callee may have stored anything into it.
  if (escaped_.count(path.object) || flow_incomplete_) Add(result, Unknown());
  return result;
}

void ValueFlow::MarkEscapes(const Sources& sources) {
  for (const auto& [key, source] : sources) {
    if (source.kind != Source::kAddressOf || source.path.object == nullptr)
      continue;
    if (IsLocalMemory(source.path)) escaped_.insert(source.path.object);
  }
}

namespace {

// Same base object, `prefix`'s selectors a proper prefix of `path`'s.
bool ExtendsPath(const Path& prefix, const Path& path) {
  if (prefix.base != path.base || prefix.usr != path.usr ||
      prefix.index != path.index || prefix.object != path.object ||
      prefix.truncated || prefix.selectors.size() >= path.selectors.size()) {
    return false;
  }
  for (size_t i = 0; i < prefix.selectors.size(); ++i) {
    if (prefix.selectors[i] != path.selectors[i]) return false;
  }
  return true;
}

}  // namespace

// A variable that receives a value loaded from below one of its own earlier
// values is walking a structure (`p = p->next`): instead of unrolling the loop
// selector by selector, its value becomes "anything below the first step", a
// truncated path, which covers every iteration.
void ValueFlow::AddVariableSources(const void* var, const Sources& value) {
  Sources& sources = var_sources_[var];
  for (const auto& [key, source] : value) {
    if (source.kind != Source::kLoadedFrom || source.path.truncated) {
      sources.emplace(key, source);
      continue;
    }
    const Source* widened = nullptr;
    for (const auto& [existing_key, existing] : sources) {
      if (existing.kind == Source::kLoadedFrom &&
          ExtendsPath(existing.path, source.path)) {
        widened = &existing;
        break;
      }
    }
    if (widened == nullptr) {
      sources.emplace(key, source);
      continue;
    }
    Path cut = widened->path;
    size_t step = cut.selectors.size();
    cut.selectors.push_back(source.path.selectors[step]);
    cut.records.push_back(
        step < source.path.records.size() ? source.path.records[step] : "");
    cut.truncated = true;
    Add(sources, LoadedFrom(std::move(cut)));
  }
}

void ValueFlow::ApplyAssignment(const Assignment& assignment) {
  Sources value = assignment.rhs_is_address
                      ? AddressOfPaths(LValuePaths(assignment.rhs))
                      : ValueOf(assignment.rhs);
  if (assignment.var != nullptr) {
    if (assignment.fields.empty()) {
      AddVariableSources(assignment.var, value);
    } else {
      Path path;
      path.base = MemoryPath::BASE_FRESH;
      path.object = assignment.var;
      path.order = OrderOf(assignment.var);
      for (const std::string& field : assignment.fields)
        path = path.With(field);
      AddAll(field_sources_[path.Key()], value);
    }
    return;
  }
  for (const auto& [key, path] : LValuePaths(assignment.lhs)) {
    if (IsVariable(path)) {
      AddVariableSources(path.object, value);
    } else if (IsLocalMemory(path)) {
      AddAll(field_sources_[path.Key()], value);
    } else {
      MarkEscapes(value);
    }
  }
}

bool ValueFlow::SolveOnce() {
  auto size = [this]() {
    size_t total = escaped_.size();
    for (const auto& [key, set] : var_sources_) total += set.size();
    for (const auto& [key, set] : field_sources_) total += set.size();
    return total;
  };
  size_t before = size();
  for (const Assignment& assignment : assignments_) ApplyAssignment(assignment);
  for (const CallSite& site : calls_) {
    for (const clang::Expr* arg : site.arguments) MarkEscapes(ValueOf(arg));
    if (site.this_expr != nullptr) {
      MarkEscapes(site.this_is_pointer
                      ? ValueOf(site.this_expr)
                      : AddressOfPaths(LValuePaths(site.this_expr)));
    }
  }
  for (const clang::Expr* value : escaping_values_) MarkEscapes(ValueOf(value));
  for (const clang::Expr* lvalue : escaping_addresses_) {
    MarkEscapes(AddressOfPaths(LValuePaths(lvalue)));
  }
  return size() != before;
}

void ValueFlow::Solve() {
  // Parameters start as the caller's values.
  for (const clang::ParmVarDecl* param : function_->parameters()) {
    Path value;
    value.base = MemoryPath::BASE_PARAMETER;
    value.index = static_cast<int>(param->getFunctionScopeIndex());
    value.name = param->getNameAsString();
    if (param->getType()->isReferenceType()) {
      Add(var_sources_[param], AddressOf(value.With("*")));
    } else {
      Add(var_sources_[param], LoadedFrom(value));
    }
  }
  constexpr int kMaxIterations = 24;
  for (int i = 0; i < kMaxIterations; ++i) {
    if (!SolveOnce()) return;
  }
  flow_incomplete_ =
      true;  // Be conservative: every load from a local may be anything.
}

bool Recordable(const Path& path) {
  switch (path.base) {
    case MemoryPath::BASE_FRESH:
      return false;
    case MemoryPath::BASE_PARAMETER:
    case MemoryPath::BASE_RETURN:
      // The variable itself and fields of a by-value struct are local; anything
      // reached through a pointer (even one inside a by-value struct, `v.p->x`)
      // is not.
      for (const std::string& selector : path.selectors) {
        if (selector == "*" || selector == "[]") return true;
      }
      return path.truncated;
    default:
      return true;
  }
}

void ToProto(const Path& path, MemoryPath* out) {
  out->set_base(path.base);
  if (path.truncated) out->set_truncated(true);
  if (!path.usr.empty()) out->set_global_usr(path.usr);
  if (!path.name.empty()) out->set_name(path.name);
  if (path.base == MemoryPath::BASE_PARAMETER ||
      path.base == MemoryPath::BASE_RETURN) {
    out->set_parameter_index(path.index);
  }
  bool any_record = false;
  for (const std::string& record : path.records) any_record |= !record.empty();
  for (size_t i = 0; i < path.selectors.size(); ++i) {
    out->add_selectors(path.selectors[i]);
    if (any_record)
      out->add_selector_records(i < path.records.size() ? path.records[i] : "");
  }
}

void ToProto(const Sources& sources, v1::ArgumentValue* out) {
  for (const auto& [key, source] : sources) {
    v1::ValueSource* value = out->add_sources();
    switch (source.kind) {
      case Source::kAddressOf:
        ToProto(source.path, value->mutable_address_of());
        break;
      case Source::kLoadedFrom:
        ToProto(source.path, value->mutable_loaded_from());
        break;
      case Source::kFunction:
        value->set_function_usr(source.function_usr);
        break;
      case Source::kUnknown:
        value->set_unknown(true);
        break;
    }
  }
}

}  // namespace prism::frontend
