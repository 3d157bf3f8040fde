#include "services/analyzer/frontend/value_flow.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/Stmt.h"
#include "services/analyzer/common/enclosing.h"
#include "services/analyzer/common/within.h"

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

// A temporary object (a literal, a materialized prvalue), named by where it is
// so that the link step tells temporaries apart.
Path ValueFlow::Temporary(const clang::Expr* expr) {
  Path fresh;
  fresh.base = MemoryPath::BASE_FRESH;
  fresh.object = expr;
  fresh.order = OrderOf(expr);
  v1::SourceLocation where = context_.Location(expr->getBeginLoc());
  fresh.name =
      absl::StrCat("<temporary at ", where.line(), ":", where.column(), ">");
  object_types_[expr] = expr->getType();
  return fresh;
}

Paths ValueFlow::Deref(const Sources& sources, const std::string& selector) {
  Paths result;
  for (const auto& [key, source] : sources) {
    switch (source.kind) {
      case Source::kAddressOf:
        Add(result, source.path);
        break;
      case Source::kLoadedFrom:
        // Through a pointer read from memory, `p[i]` is `*(p + i)`: a
        // dereference ("[]" stays for the elements of an array object), so
        // the link step sees that a global pointer is followed.
        Add(result, source.path.With("*"));
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

namespace {

enclosing::Base BaseBinding(const Path& path) {
  switch (path.base) {
    case MemoryPath::BASE_PARAMETER:
      // The parameter variable itself is the function's own; below it, the
      // caller's argument.
      return path.object != nullptr ? enclosing::Base::kResolved
                                    : enclosing::Base::kFirstDereferenceBound;
    case MemoryPath::BASE_RETURN:
      return enclosing::Base::kFirstDereferenceBound;
    case MemoryPath::BASE_THIS:
      return enclosing::Base::kBaseBound;
    default:
      return enclosing::Base::kResolved;
  }
}

// A pointer read from a union that also has a member holding no pointer
// (`u.ptr` after `u.bits = (uintptr_t)c`): its bits may have been written as an
// integer, whose origin the analysis does not follow.
bool PunnedPointer(const clang::Expr* lvalue) {
  const auto* member =
      llvm::dyn_cast<clang::MemberExpr>(lvalue->IgnoreParenImpCasts());
  if (member == nullptr) return false;
  const auto* field = llvm::dyn_cast<clang::FieldDecl>(member->getMemberDecl());
  if (field == nullptr || !field->getParent()->isUnion()) return false;
  for (const clang::FieldDecl* other : field->getParent()->fields()) {
    if (!CarriesPointer(other->getType())) return true;
  }
  return false;
}

}  // namespace

Sources ValueFlow::Moved(const Sources& pointers, bool stays_in_array) {
  Sources result;
  for (const auto& [key, source] : pointers) {
    if (!source.within.empty()) {
      // What the local memory it points to holds, at a place now shifted by
      // an unknown amount.
      Source shifted = source;
      shifted.within.insert(shifted.within.begin() + 1, within::kAnyPlace);
      Add(result, std::move(shifted));
      continue;
    }
    if ((source.kind != Source::kAddressOf &&
         source.kind != Source::kLoadedFrom) ||
        source.path.base == MemoryPath::BASE_UNKNOWN) {
      Add(result, source);
      continue;
    }
    if (stays_in_array && source.kind == Source::kAddressOf &&
        !source.path.selectors.empty() &&
        source.path.selectors.back() == "[]") {
      Add(result, source);  // Elements are not told apart.
      continue;
    }
    // The address the pointer holds, as a path: what it points to.
    Path object =
        source.kind == Source::kAddressOf ? source.path : source.path.With("*");
    if (source.kind == Source::kLoadedFrom &&
        object.selectors.size() == source.path.selectors.size()) {
      // Loaded from anywhere below a cut path, which covers what it points
      // to and the objects around that, reached the same way.
      Add(result, source);
      continue;
    }
    object.selectors.push_back(enclosing::kEnclosingObject);
    object.records.resize(object.selectors.size() - 1, "");
    object.records.push_back("");
    enclosing::CutToEnclosing(&object.selectors, &object.records,
                              BaseBinding(object));
    object.truncated = true;
    Source moved = source;
    moved.kind = Source::kAddressOf;
    moved.path = std::move(object);
    Add(result, std::move(moved));
  }
  return result;
}

Sources ValueFlow::Loaded(const clang::Expr* lvalue) {
  if (!lvalue->isGLValue()) return ValueOf(lvalue);
  Sources result;
  for (const auto& [key, path] : LValuePaths(lvalue))
    AddAll(result, Load(path));
  return result;
}

Sources ValueFlow::MovedValue(const clang::Expr* moving) {
  if (const auto* binary = llvm::dyn_cast<clang::BinaryOperator>(moving)) {
    return Moved(Loaded(binary->getLHS()),
                 binary->getOpcode() == clang::BO_AddAssign &&
                     !NegativeConstant(binary->getRHS()));
  }
  const auto* unary = llvm::cast<clang::UnaryOperator>(moving);
  return Moved(Loaded(unary->getSubExpr()), unary->isIncrementOp());
}

bool ValueFlow::NegativeConstant(const clang::Expr* expr) const {
  clang::Expr::EvalResult value;
  if (expr == nullptr || expr->isValueDependent() ||
      !expr->EvaluateAsInt(value, context_.ast())) {
    return false;
  }
  return value.Val.getInt().isNegative();
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
    if (NegativeConstant(subscript->getIdx())) {  // `p[-1]`: before p.
      return Deref(Moved(ValueOf(subscript->getBase()), false), "[]");
    }
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
    // A struct returned by value (`wrap(arg).c`, C) is the returned value
    // itself, like a by-value parameter; a returned reference designates what
    // it refers to.
    if (call->isPRValue()) {
      Add(result, returned);
    } else {
      Add(result, returned.With("*"));
    }
    return result;
  }
  if (llvm::isa<clang::StringLiteral>(expr) ||
      llvm::isa<clang::CompoundLiteralExpr>(expr) ||
      llvm::isa<clang::PredefinedExpr>(expr) ||
      llvm::isa<clang::CXXTemporaryObjectExpr>(expr) ||
      llvm::isa<clang::CXXConstructExpr>(expr) ||
      llvm::isa<clang::InitListExpr>(expr) ||
      llvm::isa<clang::LambdaExpr>(expr)) {
    Path fresh = Temporary(expr);
    // The temporary holds the expression's value (a compound literal: its
    // initializer's).
    if (const auto* literal =
            llvm::dyn_cast<clang::CompoundLiteralExpr>(expr)) {
      initializers_[expr] = literal->getInitializer();
    } else if (!llvm::isa<clang::StringLiteral>(expr) &&
               !llvm::isa<clang::PredefinedExpr>(expr)) {
      initializers_[expr] = expr;
    }
    Add(result, fresh);
    return result;
  }
  if (const auto* temporary =
          llvm::dyn_cast<clang::MaterializeTemporaryExpr>(expr)) {
    const clang::Expr* sub = temporary->getSubExpr();
    if (sub->isGLValue()) return LValuePaths(sub);
    Path fresh = Temporary(expr);
    initializers_[expr] = sub;  // `begin()` materialized: the iterator's value.
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

bool IsLocalMemory(const Path& path);

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
          if (PunnedPointer(sub)) Add(result, Unknown());
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
        // What a local holds travels with its address where the address is
        // handed to other code (Passed).
        return AddressOfPaths(LValuePaths(sub));
      }
      case clang::UO_PostInc:
      case clang::UO_PostDec:
      case clang::UO_PreInc:
      case clang::UO_PreDec:
        // The value stored back (and, covering it, the value before).
        if (unary->getType()->isPointerType()) return MovedValue(unary);
        return Loaded(unary->getSubExpr());
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
      case clang::BO_AddAssign:
      case clang::BO_SubAssign:
        if (binary->getType()->isPointerType()) return MovedValue(binary);
        return Loaded(binary->getLHS());
      case clang::BO_Add:
      case clang::BO_Sub:
        if (binary->getType()->isPointerType()) {
          const bool pointer_left =
              binary->getLHS()->getType()->isPointerType();
          const clang::Expr* pointer =
              pointer_left ? binary->getLHS() : binary->getRHS();
          const clang::Expr* offset =
              pointer_left ? binary->getRHS() : binary->getLHS();
          return Moved(ValueOf(pointer), binary->getOpcode() == clang::BO_Add &&
                                             !NegativeConstant(offset));
        }
        [[fallthrough]];
      default:
        if (binary->isAssignmentOp()) return Loaded(binary->getLHS());
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
  if (const auto* member = llvm::dyn_cast<clang::MemberExpr>(expr)) {
    // A member of a struct prvalue (`wrap(arg).c`, C): read from the value.
    for (const auto& [key, path] : MemberPaths(member))
      AddAll(result, Load(path));
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
    // The closure holds each capture in a field named after the variable
    // (`this` for the enclosing object), as the call operator's paths say.
    auto capture = lambda->capture_begin();
    for (const clang::Expr* init : lambda->capture_inits()) {
      if (capture == lambda->capture_end()) break;
      std::vector<std::string> place;
      if (capture->capturesThis()) {
        place.push_back("this");
      } else if (capture->capturesVariable()) {
        place.push_back(capture->getCapturedVar()->getNameAsString());
      } else {
        place.push_back(within::kAnyPlace);
      }
      ++capture;
      if (init == nullptr) continue;
      for (const auto& [key, source] : ValueOf(init))
        Add(result, Placed(source, place));
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
    // Any other constructor may keep its arguments, what local memory they
    // point to holds (`iterator(const T& i)` copies *i), or pointers reached
    // from them (`iterator(v._M_start)`), anywhere in the object.
    const std::vector<std::string> anywhere = {within::kAnyPlace};
    for (const clang::Expr* arg : construct->arguments()) {
      for (const auto& [key, passed] : Passed(ValueOf(arg))) {
        Source source = passed;
        source.within.clear();
        Add(result, Placed(source, anywhere));
        if (source.kind == Source::kUnknown ||
            source.kind == Source::kFunction ||
            (source.kind == Source::kAddressOf && IsLocalMemory(source.path))) {
          continue;  // Local memory's contents are among the passed values.
        }
        Path reached = source.kind == Source::kAddressOf
                           ? source.path
                           : source.path.With("*");
        reached.truncated = reached.base != MemoryPath::BASE_UNKNOWN;
        Add(result, Placed(LoadedFrom(std::move(reached)), anywhere));
      }
    }
    return result;
  }
  if (const auto* list = llvm::dyn_cast<clang::InitListExpr>(expr)) {
    // Each element at its place: a field, "[]" for array elements, nothing
    // for a union member or a base class (their members' paths carry no
    // selector of their own).
    if (!list->isSemanticForm() && list->getSemanticForm() != nullptr)
      list = list->getSemanticForm();
    auto add_at = [&](const clang::Expr* init, std::vector<std::string> place) {
      if (init == nullptr) return;
      for (const auto& [key, source] : ValueOf(init))
        Add(result, Placed(source, place));
    };
    const clang::RecordDecl* record =
        list->getType().isNull() ? nullptr : list->getType()->getAsRecordDecl();
    if (record != nullptr) {
      unsigned i = 0;
      if (const auto* cxx = llvm::dyn_cast<clang::CXXRecordDecl>(record)) {
        if (cxx->hasDefinition()) {
          for (unsigned b = 0;
               b < cxx->getNumBases() && i < list->getNumInits(); ++b) {
            add_at(list->getInit(i++), {});
          }
        }
      }
      for (const clang::FieldDecl* field : record->fields()) {
        if (field->isUnnamedBitfield()) continue;
        if (i >= list->getNumInits()) break;
        std::vector<std::string> place;
        if (!record->isUnion() && !field->isBitField() &&
            !field->getName().empty()) {
          place.push_back(std::string(field->getName()));
        }
        add_at(list->getInit(i++), std::move(place));
        if (record->isUnion()) break;
      }
      for (; i < list->getNumInits(); ++i)  // Unmatched: anywhere.
        add_at(list->getInit(i), {within::kAnyPlace});
      return result;
    }
    const bool array =
        !list->getType().isNull() && list->getType()->isArrayType();
    for (const clang::Expr* init : list->inits()) {
      if (array) {
        add_at(init, {"[]"});
      } else {
        add_at(init, {});  // A scalar in braces: `int *p = { &x };`.
      }
    }
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
  // A string literal not decayed to a pointer initializes a char array: it
  // copies characters, no pointer.
  if (llvm::isa<clang::StringLiteral>(expr)) return result;
  if (llvm::isa<clang::AddrLabelExpr>(expr)) {
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

bool MayHoldPointers(clang::QualType type, int depth) {
  if (type.isNull() || depth > 8) return true;
  type = type.getCanonicalType();
  if (type->isDependentType() || type->isIncompleteType()) return true;
  if (const clang::ArrayType* array = type->getAsArrayTypeUnsafe())
    return MayHoldPointers(array->getElementType(), depth + 1);
  if (const clang::RecordDecl* record = type->getAsRecordDecl()) {
    if (const auto* cxx = llvm::dyn_cast<clang::CXXRecordDecl>(record)) {
      if (!cxx->hasDefinition()) return true;
      if (cxx->isDynamicClass()) return true;  // A vtable pointer.
      for (const clang::CXXBaseSpecifier& base : cxx->bases()) {
        if (MayHoldPointers(base.getType(), depth + 1)) return true;
      }
    }
    for (const clang::FieldDecl* field : record->fields()) {
      if (MayHoldPointers(field->getType(), depth + 1)) return true;
    }
    return false;
  }
  return !(type->isIntegralOrEnumerationType() || type->isRealFloatingType() ||
           type->isAnyComplexType() || type->isVoidType());
}

namespace {

// The object a path starts from: its key without selectors.
std::string RootKey(const Path& path) {
  Path root = path;
  root.selectors.clear();
  root.records.clear();
  root.truncated = false;
  root.absorbed_dereference = false;
  return root.Key();
}

}  // namespace

// Every value this function stored into the object `path` starts from, read
// at `path`: a value stored exactly there, values inside an aggregate stored
// there (kept with their place below `path`), and the part of a value stored
// above `path` that `path` selects (`h = get_handle(); h.p` reads the returned
// value's `p`).
void ValueFlow::AddStored(const Path& path, Sources* result) {
  std::vector<std::pair<std::vector<std::string>, const Sources*>> entries;
  Sources whole;  // Values of the object as a whole.
  if (IsLocalMemory(path) && path.object != nullptr) {
    auto var = var_sources_.find(path.object);
    if (var != var_sources_.end() &&
        (path.base != MemoryPath::BASE_PARAMETER || !path.selectors.empty())) {
      AddAll(whole, var->second);
    }
    auto init = initializers_.find(path.object);
    if (init != initializers_.end()) AddAll(whole, ValueOf(init->second));
  }
  if (!whole.empty()) entries.push_back({{}, &whole});
  auto object = stored_.find(RootKey(path));
  if (object != stored_.end()) {
    for (const auto& [key, stored] : object->second)
      entries.push_back({stored.selectors, &stored.values});
  }
  const std::vector<std::string> anywhere = {within::kAnyPlace};
  for (const auto& [place, values] : entries) {
    for (const auto& [key, source] : *values) {
      std::vector<std::string> full = place;
      full.insert(full.end(), source.within.begin(), source.within.end());
      for (const within::PlaceMatch& match :
           within::MatchPlace(full, path.selectors)) {
        Source value = source;
        value.within.clear();
        switch (match.kind) {
          case within::PlaceMatch::Kind::kAt:
          case within::PlaceMatch::Kind::kBelow:
            // A cut path stands for everything below it: where below is not
            // known.
            Add(*result, path.truncated ? Placed(std::move(value), anywhere)
                         : match.kind == within::PlaceMatch::Kind::kAt
                             ? std::move(value)
                             : Placed(std::move(value), match.rest));
            break;
          case within::PlaceMatch::Kind::kAbove:
            if (value.kind == Source::kLoadedFrom) {
              Path moved = value.path;
              for (const std::string& selector : match.rest)
                moved = moved.With(selector);
              moved.truncated = moved.truncated || path.truncated;
              Add(*result, LoadedFrom(std::move(moved)));
            } else if (value.kind != Source::kFunction) {
              Add(*result,
                  Unknown());  // Not an aggregate: a view we cannot follow.
            }
            break;
        }
      }
    }
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
    AddStored(path, &result);  // Fields stored into it, and its initializer.
  } else {
    AddStored(path, &result);
    if (path.base == MemoryPath::BASE_PARAMETER) {
      Path caller = path;  // The field as the caller passed it.
      caller.object = nullptr;
      caller.order = 0;
      Add(result, LoadedFrom(caller));
    }
  }
  AddStoredByOthers(path, &result);
  return result;
}

void ValueFlow::AddStoredByOthers(const Path& path, Sources* result) const {
  if (flow_incomplete_) {
    Add(*result, Unknown());
    return;
  }
  if (path.object == nullptr || !escaped_.count(path.object)) return;
  if (path.base != MemoryPath::BASE_FRESH ||
      published_anywhere_.count(path.object)) {
    Add(*result, Unknown());  // Any code may have changed it since.
    return;
  }
  if (escaped_to_memory_.count(path.object)) {
    // Stored into global memory only: whatever other code stores into the
    // object since, it stores through that global memory, so it is what
    // pointers read from below the global place lead to.
    auto places = published_at_.find(path.object);
    if (places == published_at_.end()) {
      Add(*result, Unknown());
      return;
    }
    for (const auto& [key, place] : places->second) {
      Add(*result, LoadedFrom(place));
    }
  }
  Path stored = path;
  stored.base = MemoryPath::BASE_ESCAPED_LOCAL;
  Add(*result, LoadedFrom(std::move(stored)));
}

// A pointer to local memory handed over: what that memory holds is handed over
// too, one dereference below (within "*", ...), and so on for local memory it
// points to, a few levels deep.
void ValueFlow::AddPassedContents(const Source& pointer, int depth,
                                  Sources* result) {
  if (pointer.kind != Source::kAddressOf || !IsLocalMemory(pointer.path) ||
      pointer.path.object == nullptr) {
    return;
  }
  // A va_list's contents are the variadic arguments, which the front-end does
  // not follow through it: the library models that take one decide what the
  // arguments may have written (vformat=N), and va_arg yields unknown.
  // A local that cannot hold a pointer (a char buffer, a string literal)
  // hands over nothing.
  const auto* var = static_cast<const clang::VarDecl*>(pointer.path.object);
  if (pointer.path.base == MemoryPath::BASE_FRESH && tracked_.contains(var) &&
      (context_.ast().hasSameType(var->getType(),
                                  context_.ast().getBuiltinVaListType()) ||
       !MayHoldPointers(var->getType()))) {
    return;
  }
  if (auto type = object_types_.find(pointer.path.object);
      type != object_types_.end() && !MayHoldPointers(type->second)) {
    return;
  }
  std::vector<std::string> place = pointer.within;
  place.push_back("*");
  constexpr int kMaxDepth = 3;
  if (depth >= kMaxDepth) {
    Add(*result, Placed(Unknown(), place));
    return;
  }
  Sources contents;
  if (IsVariable(pointer.path)) {
    auto it = var_sources_.find(pointer.path.object);
    if (it != var_sources_.end()) contents = it->second;
  }
  AddStored(pointer.path, &contents);
  AddStoredByOthers(pointer.path, &contents);
  for (const auto& [key, source] : contents) {
    Source placed = Placed(source, place);
    Add(*result, placed);
    AddPassedContents(placed, depth + 1, result);
  }
}

Sources ValueFlow::Passed(const Sources& value) {
  Sources result = value;
  for (const auto& [key, source] : value) AddPassedContents(source, 0, &result);
  return result;
}

void ValueFlow::MarkEscapes(const Sources& sources, bool through_call,
                            const Path* into) {
  // Places one object may be published at before it counts as anywhere.
  constexpr size_t kMaxPublishedPlaces = 8;
  for (const auto& [key, source] : sources) {
    if (source.kind != Source::kAddressOf || source.path.object == nullptr)
      continue;
    if (!IsLocalMemory(source.path)) continue;
    const void* object = source.path.object;
    escaped_.insert(object);
    if (through_call) continue;
    escaped_to_memory_.insert(object);
    if (published_anywhere_.count(object)) continue;
    if (into == nullptr || into->base != MemoryPath::BASE_GLOBAL) {
      published_at_.erase(object);
      published_anywhere_.insert(object);
      continue;
    }
    // The object itself, or memory reached from it (source.within), is what
    // the global place points to: everything below `*place`.
    Path place = into->With("*");
    place.truncated = true;
    std::map<std::string, Path>& places = published_at_[object];
    places.emplace(place.Key(), std::move(place));
    if (places.size() > kMaxPublishedPlaces) {
      published_at_.erase(object);
      published_anywhere_.insert(object);
    }
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

void ValueFlow::AddVariableSources(const void* var, const Sources& value) {
  AddWidened(var_sources_[var], value);
}

// Memory that receives a value loaded from below one of its own earlier values
// (`p = p->next`, `c->cur = c->cur->next`) is walking a structure: instead of
// unrolling the loop selector by selector, its value becomes "anything below
// the first step", a truncated path, which covers every iteration.
void ValueFlow::AddWidened(Sources& sources, const Sources& value) {
  for (const auto& [key, source] : value) {
    if (source.kind != Source::kLoadedFrom || source.path.truncated ||
        !source.within.empty()) {
      sources.emplace(key, source);
      continue;
    }
    const Source* widened = nullptr;
    for (const auto& [existing_key, existing] : sources) {
      if (existing.kind == Source::kLoadedFrom && existing.within.empty() &&
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
                  : assignment.rhs_moves_lhs ? MovedValue(assignment.rhs)
                                             : ValueOf(assignment.rhs);
  if (assignment.var != nullptr) {
    AddVariableSources(assignment.var, value);
    return;
  }
  for (const auto& [key, path] : LValuePaths(assignment.lhs)) {
    if (IsVariable(path)) {
      AddVariableSources(path.object, value);
      continue;
    }
    // Stores into shared memory are PointerStores for the link step, which
    // follows them (escapes, points-to of globals).
    if (IsLocalMemory(path)) {
      Store(path, value);
    } else {
      MarkEscapes(Passed(value), /*through_call=*/false, &path);
    }
  }
}

void ValueFlow::Store(const Path& path, const Sources& value) {
  if (value.empty()) return;
  Stored& stored = stored_[RootKey(path)][path.Key()];
  stored.selectors = path.selectors;
  if (path.truncated) stored.selectors.push_back(within::kAnyPlace);
  AddWidened(stored.values, value);
}

bool ValueFlow::SolveOnce() {
  auto size = [this]() {
    size_t total = escaped_.size() + escaped_to_memory_.size() +
                   published_anywhere_.size();
    for (const auto& [object, places] : published_at_) total += places.size();
    for (const auto& [key, set] : var_sources_) total += set.size();
    for (const auto& [root, paths] : stored_) {
      for (const auto& [key, stored] : paths) total += stored.values.size();
    }
    return total;
  };
  size_t before = size();
  for (const Assignment& assignment : assignments_) ApplyAssignment(assignment);
  // Local memory handed to other code (and local memory reached from it) may
  // be changed there.
  for (const CallSite& site : calls_) {
    for (const clang::Expr* arg : site.arguments)
      MarkEscapes(Passed(ValueOf(arg)));
    if (site.this_expr != nullptr) {
      MarkEscapes(Passed(site.this_is_pointer
                             ? ValueOf(site.this_expr)
                             : AddressOfPaths(LValuePaths(site.this_expr))));
    }
  }
  for (const clang::Expr* value : escaping_values_)
    MarkEscapes(Passed(ValueOf(value)), /*through_call=*/false);
  for (const clang::Expr* value : returned_values_)
    MarkEscapes(Passed(ValueOf(value)), /*through_call=*/false);
  for (const clang::Expr* lvalue : escaping_addresses_) {
    MarkEscapes(AddressOfPaths(LValuePaths(lvalue)), /*through_call=*/false);
  }
  size_ = size();
  return size_ != before;
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
  for (int i = 0; i < kMaxIterations && size_ <= kMaxFlowSize; ++i) {
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
    case MemoryPath::BASE_ESCAPED_LOCAL:
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
    for (const std::string& selector : source.within)
      value->add_within(selector);
  }
}

}  // namespace prism::frontend
