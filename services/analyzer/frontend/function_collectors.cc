#include "services/analyzer/frontend/function_collectors.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clang/AST/Attr.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Basic/Builtins.h"

namespace prism::frontend {
namespace {

// Where an access, call or store happened; code without a location of its own
// (implicit code, some statements) is placed at its function, so every
// recorded site has a file and a line (DESIGN.md invariant 4).
v1::SourceLocation SiteLocation(SummaryContext& context,
                                clang::SourceLocation loc,
                                const v1::Function& function) {
  v1::SourceLocation where = context.Location(loc);
  if (where.line() == 0) where = function.location();
  return where;
}

// Memory the function allocated (`<calloc at 12:3>`, `<new>`), as opposed
// to its locals and temporaries.
bool IsHeapObject(const Path& path) {
  return path.base == MemoryPath::BASE_FRESH && !path.name.empty() &&
         path.name[0] == '<' && path.name.rfind("<temporary", 0) != 0 &&
         path.name != "<literal>";
}

const clang::CXXMethodDecl* DirectMethod(const clang::CallExpr* call) {
  return llvm::dyn_cast_or_null<clang::CXXMethodDecl>(call->getDirectCallee());
}

bool IsLambdaConversion(const clang::FunctionDecl* callee) {
  const auto* conversion =
      llvm::dyn_cast_or_null<clang::CXXConversionDecl>(callee);
  return conversion != nullptr && conversion->getParent()->isLambda();
}

// The object a member call runs on: (expression, whether it is a pointer to the
// object).
std::pair<const clang::Expr*, bool> ObjectOf(const clang::CallExpr* call) {
  if (const auto* member_call =
          llvm::dyn_cast<clang::CXXMemberCallExpr>(call)) {
    const clang::Expr* object = member_call->getImplicitObjectArgument();
    if (object != nullptr) return {object, object->getType()->isPointerType()};
  } else if (llvm::isa<clang::CXXOperatorCallExpr>(call) &&
             DirectMethod(call) != nullptr && call->getNumArgs() > 0) {
    return {call->getArg(0), false};
  }
  return {nullptr, false};
}

bool IsTrivialCopyConstruction(const clang::CXXConstructExpr* construct) {
  const clang::CXXConstructorDecl* ctor = construct->getConstructor();
  if (ctor == nullptr) return false;
  return ctor->isTrivial() ||
         (ctor->isDefaulted() && ctor->getParent()->isTriviallyCopyable() &&
          ctor->isCopyOrMoveConstructor());
}

// A string literal (a constant printf format) with no `%n` conversion: a
// printf-like function given it as its format writes through none of its
// arguments. Conservative: any `n` ending a conversion counts, whatever its
// flags, width, precision, length or position (`%1$hhn`).
bool IsLiteralWithoutPercentN(const clang::Expr* arg) {
  const auto* literal =
      llvm::dyn_cast<clang::StringLiteral>(arg->IgnoreParenImpCasts());
  if (literal == nullptr || literal->getCharByteWidth() != 1) return false;
  llvm::StringRef text = literal->getBytes();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') continue;
    ++i;
    // Flags, width, precision, positions and length modifiers: the conversion
    // is the first character that is none of them.
    while (i < text.size() &&
           llvm::StringRef("0123456789$-+ #'I*.hlLqjzZt").contains(text[i])) {
      ++i;
    }
    if (i < text.size() && text[i] == 'n') return false;
  }
  return true;
}

// Whether an object of `type` may hold a pointer. Unknown (incomplete, void,
// dependent) types may.
bool TypeMayHoldPointer(clang::QualType type, int depth = 0) {
  if (type.isNull() || depth > 16) return true;
  type = type.getCanonicalType();
  if (type->isDependentType() || type->isIncompleteType() ||
      type->isVoidType()) {
    return true;
  }
  if (type->isArithmeticType() || type->isEnumeralType()) return false;
  if (const clang::ArrayType* array = type->getAsArrayTypeUnsafe())
    return TypeMayHoldPointer(array->getElementType(), depth + 1);
  if (const clang::RecordDecl* record = type->getAsRecordDecl()) {
    const clang::RecordDecl* definition = record->getDefinition();
    if (definition == nullptr) return true;
    if (const auto* cxx = llvm::dyn_cast<clang::CXXRecordDecl>(definition)) {
      if (cxx->isDynamicClass() || cxx->getNumBases() > 0) return true;
    }
    for (const clang::FieldDecl* field : definition->fields()) {
      if (TypeMayHoldPointer(field->getType(), depth + 1)) return true;
    }
    return false;
  }
  return true;  // Pointers, references, and anything else.
}

// A call argument that points (before any conversion to `void *`) to memory
// holding no pointer: `c->date` of type `char[64]`, an `int *`.
// Only an object named as such counts — an array (`c->date`, decaying) or
// `&x` — not a pointer variable, which may point to memory of any type
// (a char buffer holding a copied pointer).
bool PointeeWithoutPointers(const clang::Expr* arg) {
  const clang::Expr* expr = arg->IgnoreParenImpCasts();
  const clang::QualType type = expr->getType();
  if (type.isNull()) return false;
  clang::QualType pointee;
  if (const clang::ArrayType* array =
          type->getCanonicalTypeInternal()->getAsArrayTypeUnsafe()) {
    pointee = array->getElementType();
  } else if (const auto* address = llvm::dyn_cast<clang::UnaryOperator>(expr);
             address != nullptr && address->getOpcode() == clang::UO_AddrOf) {
    pointee = address->getSubExpr()->getType();
  } else {
    return false;
  }
  return !TypeMayHoldPointer(pointee);
}

// The lvalue a pointer value is read from (`c->bev`, through pointer casts:
// `(void *)c->bev`), when it is not a variable; null otherwise (an address,
// `c->name` decaying to a pointer, a call's result, a variable).
const clang::Expr* PointerReadFrom(const clang::Expr* expr) {
  for (int depth = 0; depth < 16 && expr != nullptr; ++depth) {
    expr = expr->IgnoreParens();
    const auto* cast = llvm::dyn_cast<clang::CastExpr>(expr);
    if (cast == nullptr) return nullptr;
    switch (cast->getCastKind()) {
      case clang::CK_LValueToRValue: {
        const clang::Expr* read = cast->getSubExpr()->IgnoreParens();
        return llvm::isa<clang::DeclRefExpr>(read) ? nullptr : read;
      }
      case clang::CK_NoOp:
      case clang::CK_BitCast:
        expr = cast->getSubExpr();
        break;
      default:
        return nullptr;
    }
  }
  return nullptr;
}

}  // namespace

const clang::Expr* MovedPointer(const clang::Stmt* stmt) {
  if (const auto* op = llvm::dyn_cast<clang::BinaryOperator>(stmt)) {
    if ((op->getOpcode() == clang::BO_AddAssign ||
         op->getOpcode() == clang::BO_SubAssign) &&
        op->getLHS()->getType()->isPointerType()) {
      return op->getLHS();
    }
  } else if (const auto* op = llvm::dyn_cast<clang::UnaryOperator>(stmt)) {
    if (op->isIncrementDecrementOp() &&
        op->getSubExpr()->getType()->isPointerType()) {
      return op->getSubExpr();
    }
  }
  return nullptr;
}

bool IsTrivialAssignment(const clang::CallExpr* call) {
  const clang::CXXMethodDecl* method = DirectMethod(call);
  return method != nullptr && method->isTrivial() &&
         (method->isCopyAssignmentOperator() ||
          method->isMoveAssignmentOperator()) &&
         llvm::isa<clang::CXXOperatorCallExpr>(call) && call->getNumArgs() == 2;
}

// --- LocalFlowCollector
// ------------------------------------------------------------------------

void LocalFlowCollector::VisitVariable(const clang::VarDecl* var) {
  if (llvm::isa<clang::ParmVarDecl>(var)) return;
  if (var->hasLocalStorage()) flow_.TrackVariable(var);
  const clang::Expr* init = var->getInit();
  if (init == nullptr) return;
  if (const auto* construct =
          llvm::dyn_cast<clang::CXXConstructExpr>(init->IgnoreImplicit())) {
    if (!var->getType()->isReferenceType()) {
      flow_.SetConstructionTarget(
          construct, flow_.AddressOfPaths(flow_.VariablePaths(var)));
    }
  }
  if (!var->hasLocalStorage()) return;
  // An initializer list's values keep their places (ValueFlow's value of an
  // InitListExpr); a reference is bound to its initializer's lvalue.
  Assignment assignment;
  assignment.var = var;
  assignment.rhs = init;
  assignment.rhs_is_address = var->getType()->isReferenceType();
  flow_.AddAssignment(std::move(assignment));
}

void LocalFlowCollector::Visit(const clang::Stmt* stmt) {
  if (const auto* op = llvm::dyn_cast<clang::BinaryOperator>(stmt)) {
    if (op->getOpcode() == clang::BO_Assign) {
      Assignment assignment;
      assignment.lhs = op->getLHS();
      assignment.rhs = op->getRHS();
      flow_.AddAssignment(std::move(assignment));
    }
  }
  if (const clang::Expr* moved = MovedPointer(stmt)) {
    Assignment assignment;  // `p += n`, `p++`: p gets the moved value.
    assignment.lhs = moved;
    assignment.rhs = llvm::cast<clang::Expr>(stmt);
    assignment.rhs_moves_lhs = true;
    flow_.AddAssignment(std::move(assignment));
  } else if (const auto* call = llvm::dyn_cast<clang::CallExpr>(stmt)) {
    if (IsTrivialAssignment(call)) {
      Assignment assignment;
      assignment.lhs = call->getArg(0);
      assignment.rhs = call->getArg(1);
      flow_.AddAssignment(std::move(assignment));
    }
  } else if (const auto* ret = llvm::dyn_cast<clang::ReturnStmt>(stmt)) {
    if (ret->getRetValue() != nullptr)
      flow_.AddReturnedValue(ret->getRetValue());
  } else if (const auto* asm_stmt = llvm::dyn_cast<clang::AsmStmt>(stmt)) {
    for (unsigned i = 0; i < asm_stmt->getNumInputs(); ++i) {
      flow_.AddEscapingValue(asm_stmt->getInputExpr(i));
    }
    for (unsigned i = 0; i < asm_stmt->getNumOutputs(); ++i) {
      flow_.AddEscapingAddress(asm_stmt->getOutputExpr(i));
    }
  }
}

void LocalFlowCollector::VisitInitializer(const clang::CXXCtorInitializer* init,
                                          const Path& target) {
  if (const auto* construct = llvm::dyn_cast<clang::CXXConstructExpr>(
          init->getInit()->IgnoreImplicit())) {
    Sources object;
    frontend::Add(object, AddressOf(target));
    flow_.SetConstructionTarget(construct, std::move(object));
  }
}

// --- AccessCollector
// ---------------------------------------------------------------------------

void AccessCollector::Add(const clang::Expr* lvalue, bool read, bool write,
                          clang::SourceLocation location, bool through_pointer,
                          bool force_atomic) {
  Event event;
  event.lvalue = lvalue;
  event.read = read;
  event.write = write;
  event.location = location;
  event.through_pointer = through_pointer;
  event.force_atomic = force_atomic;
  event.order = visiting_order_;
  event.type = lvalue->getType();
  if (through_pointer && event.type->isPointerType())
    event.type = event.type->getPointeeType();
  events_.push_back(std::move(event));
}

void AccessCollector::Visit(const clang::Stmt* stmt) {
  visiting_order_ = order_.Of(stmt);
  if (const auto* cast = llvm::dyn_cast<clang::ImplicitCastExpr>(stmt)) {
    if (cast->getCastKind() == clang::CK_LValueToRValue) {
      Add(cast->getSubExpr(), /*read=*/true, /*write=*/false,
          cast->getSubExpr()->getBeginLoc());
    }
  } else if (const auto* op = llvm::dyn_cast<clang::BinaryOperator>(stmt)) {
    if (op->isAssignmentOp()) {
      Add(op->getLHS(), /*read=*/op->isCompoundAssignmentOp(), /*write=*/true,
          op->getLHS()->getBeginLoc());
    }
  } else if (const auto* unary = llvm::dyn_cast<clang::UnaryOperator>(stmt)) {
    if (unary->isIncrementDecrementOp()) {
      Add(unary->getSubExpr(), true, true, unary->getSubExpr()->getBeginLoc());
    }
  } else if (const auto* call = llvm::dyn_cast<clang::CallExpr>(stmt)) {
    if (IsTrivialAssignment(call)) {
      Add(call->getArg(0), false, true, call->getBeginLoc());
      Add(call->getArg(1), true, false, call->getArg(1)->getBeginLoc());
      return;
    }
    // Member functions of std::atomic: an atomic access to the object itself.
    const clang::CXXMethodDecl* method = DirectMethod(call);
    auto [object, is_pointer] = ObjectOf(call);
    if (method != nullptr && object != nullptr) {
      clang::QualType type = object->getType();
      if (is_pointer) type = type->getPointeeType();
      if (IsAtomicType(type)) {
        Add(object, true, !method->isConst(), call->getBeginLoc(), is_pointer,
            true);
      }
    }
    // __sync_* and __atomic_* builtins: an atomic access to *arg0.
    const clang::FunctionDecl* callee = call->getDirectCallee();
    if (callee != nullptr && callee->getBuiltinID() != 0 &&
        call->getNumArgs() > 0 && callee->getIdentifier() != nullptr) {
      llvm::StringRef name = callee->getName();
      if (name.startswith("__sync_") || name.startswith("__atomic_")) {
        Add(call->getArg(0), true, !name.contains("load"), call->getBeginLoc(),
            true, true);
      }
    }
  } else if (const auto* construct =
                 llvm::dyn_cast<clang::CXXConstructExpr>(stmt)) {
    if (IsTrivialCopyConstruction(construct) && construct->getNumArgs() >= 1 &&
        construct->getConstructor()->isCopyOrMoveConstructor()) {
      Add(construct->getArg(0), true, false,
          construct->getArg(0)->getBeginLoc());
    }
  } else if (const auto* del = llvm::dyn_cast<clang::CXXDeleteExpr>(stmt)) {
    Add(del->getArgument(), false, true, del->getBeginLoc(), true);
  } else if (const auto* atomic = llvm::dyn_cast<clang::AtomicExpr>(stmt)) {
    bool read = false, write = false;
    switch (atomic->getOp()) {
      case clang::AtomicExpr::AO__c11_atomic_load:
      case clang::AtomicExpr::AO__atomic_load:
      case clang::AtomicExpr::AO__atomic_load_n:
        read = true;
        break;
      case clang::AtomicExpr::AO__c11_atomic_init:
      case clang::AtomicExpr::AO__c11_atomic_store:
      case clang::AtomicExpr::AO__atomic_store:
      case clang::AtomicExpr::AO__atomic_store_n:
        write = true;
        break;
      default:
        read = write = true;
    }
    Add(atomic->getPtr(), read, write, atomic->getBeginLoc(), true, true);
  } else if (const auto* asm_stmt = llvm::dyn_cast<clang::AsmStmt>(stmt)) {
    // AsmStmt::getBeginLoc() (the base class's, not the GCC or MS one) is
    // always invalid: the asm keyword's location is the statement's.
    const clang::SourceLocation where = asm_stmt->getAsmLoc();
    for (unsigned i = 0; i < asm_stmt->getNumOutputs(); ++i) {
      Add(asm_stmt->getOutputExpr(i), false, true, where);
    }
    // Inline asm may touch any memory.
    Event event;
    event.unknown = true;
    event.write = true;
    event.location = where;
    event.order = visiting_order_;
    events_.push_back(std::move(event));
  }
}

void AccessCollector::VisitInitializer(const clang::CXXCtorInitializer* init,
                                       const Path& target) {
  const clang::FieldDecl* field = init->getAnyMember();
  if (field == nullptr) return;
  Event event;
  event.has_path = true;
  event.path = target;
  event.write = true;
  event.type = field->getType();
  event.location = init->getSourceLocation();
  events_.push_back(std::move(event));
}

void AccessCollector::Emit(v1::Function* out) {
  SummaryContext& context = flow_.context();
  std::set<std::string>
      seen;  // Identical accesses at one location are recorded once.
  // Memory the function allocated, or a local whose address left it, may be
  // handed to other code (registered as a handler's context): the link step
  // needs what the function does to it after that. Other local memory is the
  // function's own.
  auto handed_out = [&](const Path& path) {
    if (path.base != MemoryPath::BASE_FRESH) return false;
    if (IsHeapObject(path)) return true;
    return !path.name.empty() && path.name[0] != '<' && flow_.AddressLeft(path);
  };
  auto emit = [&](const Path& path, v1::AccessKind kind,
                  clang::SourceLocation loc, bool atomic, bool bytes_only,
                  uint32_t order, const std::string& designated_type) {
    const bool dereferences_below = path.absorbed_dereference;
    if (!Recordable(path) && !handed_out(path)) return;
    v1::SourceLocation where = SiteLocation(context, loc, *out);
    std::string key = absl::StrCat(path.Key(), "#", kind, bytes_only ? "b" : "",
                                   "#", where.line(), ":", where.column(), "#",
                                   order, "#", designated_type);
    if (!seen.insert(key).second) return;
    v1::Access* access = out->add_accesses();
    ToProto(path, access->mutable_path());
    access->set_kind(kind);
    *access->mutable_location() = std::move(where);
    access->set_atomic(atomic);
    if (bytes_only) access->set_bytes_only(true);
    if (dereferences_below) access->set_dereferences_below(true);
    access->set_order(order);
    if (!designated_type.empty()) access->set_designated_type(designated_type);
  };
  for (const Event& event : events_) {
    Paths paths;
    if (event.unknown) {
      frontend::Add(paths, UnknownPath());
    } else if (event.has_path) {
      frontend::Add(paths, event.path);
    } else if (event.through_pointer) {
      paths = flow_.Deref(flow_.ValueOf(event.lvalue), "*");
    } else {
      paths = flow_.LValuePaths(event.lvalue);
    }
    bool atomic = event.force_atomic || IsAtomicType(event.type);
    // A char or an int touched through a pointer that moved somewhere in an
    // object is a few of that object's bytes, not what its pointers reach
    // (unless its path went on through one: absorbed_dereference).
    const bool pointer_free =
        !event.unknown && !event.type.isNull() && !MayHoldPointers(event.type);
    const std::string designated_type =
        event.unknown || event.has_path ? std::string()
        : event.through_pointer
            ? context.DesignatedTypeThroughPointer(event.type)
            : context.DesignatedType(event.lvalue);
    for (const auto& [key, path] : paths) {
      const bool bytes_only = pointer_free && !path.absorbed_dereference;
      if (event.read)
        emit(path, v1::ACCESS_KIND_READ, event.location, atomic, bytes_only,
             event.order, designated_type);
      if (event.write)
        emit(path, v1::ACCESS_KIND_WRITE, event.location, atomic, bytes_only,
             event.order, designated_type);
    }
  }
}

// --- CallCollector
// -----------------------------------------------------------------------------

// A local variable of integer type (a descriptor it may hold).
static const clang::VarDecl* IntegerLocal(const clang::Expr* expr) {
  const auto* ref = llvm::dyn_cast<clang::DeclRefExpr>(expr->IgnoreParens());
  const auto* var =
      ref == nullptr ? nullptr : llvm::dyn_cast<clang::VarDecl>(ref->getDecl());
  if (var == nullptr || !var->hasLocalStorage() ||
      llvm::isa<clang::ParmVarDecl>(var) ||
      !var->getType()->isIntegralOrEnumerationType()) {
    return nullptr;
  }
  return var;
}

void CallCollector::IntegerLoadedFrom(const clang::Expr* expr, int depth,
                                      std::set<const clang::VarDecl*>* visited,
                                      Paths* out) {
  if (expr == nullptr) return;
  if (depth > 64) {  // Too deep to follow: anything.
    frontend::Add(*out, UnknownPath());
    return;
  }
  expr = expr->IgnoreParenCasts();
  if (const auto* conditional =
          llvm::dyn_cast<clang::AbstractConditionalOperator>(expr)) {
    IntegerLoadedFrom(conditional->getTrueExpr(), depth + 1, visited, out);
    IntegerLoadedFrom(conditional->getFalseExpr(), depth + 1, visited, out);
    return;
  }
  if (const auto* binary = llvm::dyn_cast<clang::BinaryOperator>(expr)) {
    if (binary->isAssignmentOp() || binary->getOpcode() == clang::BO_Comma) {
      IntegerLoadedFrom(binary->getRHS(), depth + 1, visited, out);
      if (binary->isAssignmentOp())
        IntegerLoadedFrom(binary->getLHS(), depth + 1, visited, out);
    }
    return;  // Arithmetic: a new number.
  }
  if (const auto* unary = llvm::dyn_cast<clang::UnaryOperator>(expr)) {
    if (unary->isIncrementDecrementOp()) {  // close(fd++): fd's number.
      IntegerLoadedFrom(unary->getSubExpr(), depth + 1, visited, out);
    }
    return;
  }
  if (!expr->isGLValue()) return;
  if (const clang::VarDecl* local = IntegerLocal(expr)) {
    if (!visited->insert(local).second) return;  // Already followed.
    auto it = integer_values_.find(local);
    if (it == integer_values_.end()) return;
    for (const clang::Expr* value : it->second)
      IntegerLoadedFrom(value, depth + 1, visited, out);
    return;
  }
  for (const auto& [key, path] : flow_.LValuePaths(expr)) {
    frontend::Add(*out, path);
  }
}

void CallCollector::Visit(const clang::Stmt* stmt) {
  if (const auto* op = llvm::dyn_cast<clang::BinaryOperator>(stmt)) {
    if (op->isAssignmentOp()) {
      if (const clang::VarDecl* local = IntegerLocal(op->getLHS())) {
        integer_values_[local].push_back(op->getRHS());
      }
    }
  }
  if (const auto* call = llvm::dyn_cast<clang::CallExpr>(stmt)) {
    VisitCall(call);
  } else if (const auto* construct =
                 llvm::dyn_cast<clang::CXXConstructExpr>(stmt)) {
    VisitConstruct(construct);
  } else if (const auto* del = llvm::dyn_cast<clang::CXXDeleteExpr>(stmt)) {
    VisitDelete(del);
  } else if (const auto* bind =
                 llvm::dyn_cast<clang::CXXBindTemporaryExpr>(stmt)) {
    const clang::CXXTemporary* temporary = bind->getTemporary();
    if (temporary == nullptr || temporary->getDestructor() == nullptr) return;
    CallSite site;
    site.callee = temporary->getDestructor();
    site.has_this_source = true;
    Path object;
    object.base = MemoryPath::BASE_FRESH;
    object.object = bind;
    object.order = OrderOf(bind);
    object.name = "<temporary>";
    frontend::Add(site.this_source, AddressOf(object));
    site.location = bind->getBeginLoc();
    flow_.AddCall(std::move(site));
  }
}

void CallCollector::VisitCall(const clang::CallExpr* call) {
  const clang::FunctionDecl* callee = call->getDirectCallee();
  // Converting a captureless lambda to a function pointer runs no user code,
  // and trivial assignments are memory copies (AccessCollector).
  if (IsLambdaConversion(callee) || IsTrivialAssignment(call)) return;
  const clang::CXXMethodDecl* method = DirectMethod(call);
  CallSite site;
  site.expr = call;
  site.callee = callee;
  site.location = call->getBeginLoc();
  auto [object, is_pointer] = ObjectOf(call);
  site.this_expr = object;
  site.this_is_pointer = is_pointer;
  unsigned first_argument =
      (llvm::isa<clang::CXXOperatorCallExpr>(call) && object != nullptr) ? 1
                                                                         : 0;
  if (method != nullptr && object != nullptr) {
    site.is_virtual =
        method->isVirtual() && !method->hasAttr<clang::FinalAttr>();
    if (const auto* member = llvm::dyn_cast<clang::MemberExpr>(
            call->getCallee()->IgnoreParens())) {
      if (member->hasQualifier()) site.is_virtual = false;  // Base::method()
    }
  }
  if (callee ==
      nullptr) {  // Through a function pointer, a block or a member pointer.
    site.callee_expr = call->getCallee();
    clang::QualType type = call->getCallee()->getType();
    if (type->isPointerType() || type->isBlockPointerType())
      type = type->getPointeeType();
    if (const auto* member_pointer = type->getAs<clang::MemberPointerType>()) {
      type = member_pointer->getPointeeType();
    }
    site.indirect_type = type;
  }
  // va_start(ap, last): `last` only names the last named parameter, whose
  // address is not taken (its loads stay exact: a format passed on).
  const bool va_start =
      callee != nullptr &&
      callee->getBuiltinID() == clang::Builtin::BI__builtin_va_start;
  for (unsigned i = first_argument; i < call->getNumArgs(); ++i) {
    if (va_start && i > 0) continue;
    site.arguments.push_back(call->getArg(i));
  }
  flow_.AddCall(std::move(site));
}

void CallCollector::VisitConstruct(const clang::CXXConstructExpr* construct) {
  const clang::CXXConstructorDecl* ctor = construct->getConstructor();
  if (ctor == nullptr || IsTrivialCopyConstruction(construct)) return;
  CallSite site;
  site.expr = construct;
  site.callee = ctor;
  site.location = construct->getBeginLoc();
  for (const clang::Expr* arg : construct->arguments())
    site.arguments.push_back(arg);
  site.has_this_source = true;
  if (const Sources* target = flow_.ConstructionTarget(construct)) {
    site.this_source = *target;
  } else {  // A temporary or a new-expression's object.
    Path object;
    object.base = MemoryPath::BASE_FRESH;
    object.object = construct;
    object.order = OrderOf(construct);
    object.name = "<constructed object>";
    frontend::Add(site.this_source, AddressOf(object));
  }
  flow_.AddCall(std::move(site));
}

void CallCollector::VisitDelete(const clang::CXXDeleteExpr* expr) {
  clang::QualType type = expr->getDestroyedType();
  const clang::CXXRecordDecl* record =
      type.isNull() ? nullptr : type->getAsCXXRecordDecl();
  if (record != nullptr && record->hasDefinition() &&
      !record->hasTrivialDestructor()) {
    if (const clang::CXXDestructorDecl* dtor = record->getDestructor()) {
      CallSite site;
      site.callee = dtor;
      site.this_expr = expr->getArgument();
      site.this_is_pointer = true;
      site.is_virtual = dtor->isVirtual();
      site.location = expr->getBeginLoc();
      flow_.AddCall(std::move(site));
    }
  }
  if (const clang::FunctionDecl* operator_delete = expr->getOperatorDelete()) {
    if (!operator_delete->isImplicit()) {
      CallSite site;
      site.callee = operator_delete;
      site.arguments.push_back(expr->getArgument());
      site.location = expr->getBeginLoc();
      flow_.AddCall(std::move(site));
    }
  }
}

void CallCollector::VisitVariable(const clang::VarDecl* var) {
  if (var->hasLocalStorage() && !llvm::isa<clang::ParmVarDecl>(var) &&
      var->getType()->isIntegralOrEnumerationType() &&
      var->getInit() != nullptr) {
    integer_values_[var].push_back(var->getInit());
  }
  if (!var->hasLocalStorage() || llvm::isa<clang::ParmVarDecl>(var)) return;
  const clang::CXXRecordDecl* record = var->getType()->getAsCXXRecordDecl();
  if (record == nullptr || !record->hasDefinition() ||
      record->hasTrivialDestructor())
    return;
  const clang::CXXDestructorDecl* dtor = record->getDestructor();
  if (dtor == nullptr) return;
  CallSite site;
  site.callee = dtor;
  site.has_this_source = true;
  site.this_source = flow_.AddressOfPaths(flow_.VariablePaths(var));
  site.location = var->getLocation();
  pending_destructors_.push_back(std::move(site));
}

void CallCollector::EndBody() {
  for (CallSite& site : pending_destructors_) flow_.AddCall(std::move(site));
  pending_destructors_.clear();
  // A destructor then destroys the members and bases: user code too.
  const auto* dtor = llvm::dyn_cast<clang::CXXDestructorDecl>(flow_.function());
  if (dtor == nullptr || dtor->getParent() == nullptr) return;
  const clang::CXXRecordDecl* self = dtor->getParent();
  Path this_object;
  this_object.base = MemoryPath::BASE_THIS;
  this_object.name = "this";
  auto destroy = [&](clang::QualType type, const Path& object) {
    const clang::CXXRecordDecl* record = type->getAsCXXRecordDecl();
    if (record == nullptr || !record->hasDefinition() ||
        record->hasTrivialDestructor())
      return;
    const clang::CXXDestructorDecl* callee = record->getDestructor();
    if (callee == nullptr) return;
    CallSite site;
    site.callee = callee;
    site.has_this_source = true;
    frontend::Add(site.this_source, AddressOf(object));
    site.location = dtor->getEndLoc();
    flow_.AddCall(std::move(site));
  };
  for (const clang::FieldDecl* field : self->fields()) {
    destroy(field->getType(), FieldPath(this_object, field));
  }
  for (const clang::CXXBaseSpecifier& base : self->bases()) {
    destroy(base.getType(), this_object);
  }
}

void CallCollector::Emit(v1::Function* out) {
  SummaryContext& context = flow_.context();
  const std::vector<CallSite>& calls = flow_.calls();
  for (size_t i = 0; i < calls.size(); ++i) {
    const CallSite& site = calls[i];
    v1::Call* call = out->add_calls();
    call->set_index(static_cast<uint32_t>(i));
    call->set_order(order_.Of(site.expr));
    *call->mutable_location() = SiteLocation(context, site.location, *out);
    if (site.callee != nullptr) {
      call->set_callee_usr(context.Usr(site.callee));
      call->set_callee_name(context.FunctionName(site.callee));
    } else {
      if (!site.indirect_type.isNull()) {
        call->set_indirect_type(
            site.indirect_type.getCanonicalType().getAsString());
      }
      if (site.callee_expr != nullptr) {
        ToProto(flow_.ValueOf(site.callee_expr), call->mutable_callee_value());
      }
    }
    call->set_virtual_dispatch(site.is_virtual);
    for (size_t position = 0; position < site.arguments.size(); ++position) {
      const clang::Expr* arg = site.arguments[position];
      v1::ArgumentValue* argument = call->add_arguments();
      if (site.callee != nullptr && position < site.callee->getNumParams()) {
        const clang::QualType parameter =
            site.callee->getParamDecl(position)->getType();
        if (const auto* pointer = parameter->getAs<clang::PointerType>()) {
          std::string designated =
              context.DesignatedStruct(pointer->getPointeeType());
          if (!designated.empty())
            argument->set_parameter_designated_type(std::move(designated));
        }
      }
      // With what the local memory it points to holds: the callee may read it.
      ToProto(flow_.Passed(flow_.ValueOf(arg)), argument);
      if (IsLiteralWithoutPercentN(arg)) {
        argument->set_literal_without_percent_n(true);
      }
      if (PointeeWithoutPointers(arg)) {
        argument->set_pointee_without_pointers(true);
      }
      if (const auto* pointer = arg->getType()->getAs<clang::PointerType>()) {
        if (pointer->getPointeeType()->isFunctionType()) {
          argument->set_function_type(
              pointer->getPointeeType().getCanonicalType().getAsString());
        }
      }
      if (arg->getType()->isPointerType()) {
        // Read from memory (c->bev), not a variable: the lvalues read.
        if (const clang::Expr* read = PointerReadFrom(arg)) {
          for (const auto& [key, path] : flow_.LValuePaths(read))
            ToProto(path, argument->add_pointer_loaded_from());
        }
      }
      if (arg->getType()->isIntegralOrEnumerationType()) {
        Paths loaded_from;
        std::set<const clang::VarDecl*> visited;
        IntegerLoadedFrom(arg, 0, &visited, &loaded_from);
        for (const auto& [key, path] : loaded_from)
          ToProto(path, argument->add_integer_loaded_from());
      }
    }
    if (site.has_this_source) {
      ToProto(flow_.Passed(site.this_source), call->mutable_this_argument());
    } else if (site.this_expr != nullptr) {
      ToProto(flow_.Passed(site.this_is_pointer
                               ? flow_.ValueOf(site.this_expr)
                               : flow_.AddressOfPaths(
                                     flow_.LValuePaths(site.this_expr))),
              call->mutable_this_argument());
    }
  }
}

// --- StoreCollector
// ----------------------------------------------------------------------------

void StoreCollector::Visit(const clang::Stmt* stmt) {
  const clang::Expr* lhs = nullptr;
  const clang::Expr* rhs = nullptr;
  bool rhs_moves_lhs = false;
  if (const clang::Expr* moved = MovedPointer(stmt)) {
    lhs = moved;  // Stores the moved pointer.
    rhs = llvm::cast<clang::Expr>(stmt);
    rhs_moves_lhs = true;
  } else if (const auto* op = llvm::dyn_cast<clang::BinaryOperator>(stmt)) {
    if (op->getOpcode() != clang::BO_Assign) return;
    lhs = op->getLHS();
    rhs = op->getRHS();
  } else if (const auto* call = llvm::dyn_cast<clang::CallExpr>(stmt)) {
    if (!IsTrivialAssignment(call)) return;
    lhs = call->getArg(0);
    rhs = call->getArg(1);
  } else {
    return;
  }
  if (!CarriesPointer(lhs->getType())) return;
  Store store;
  store.lhs = lhs;
  store.rhs = rhs;
  store.rhs_moves_lhs = rhs_moves_lhs;
  store.location = lhs->getBeginLoc();
  store.order = order_.Of(stmt);
  stores_.push_back(std::move(store));
}

void StoreCollector::VisitInitializer(const clang::CXXCtorInitializer* init,
                                      const Path& target) {
  const clang::FieldDecl* field = init->getAnyMember();
  if (field == nullptr || !field->getType()->isPointerType()) return;
  Store store;
  store.target = target;
  store.rhs = init->getInit();
  store.location = init->getSourceLocation();
  stores_.push_back(std::move(store));
}

void StoreCollector::Emit(v1::Function* out) {
  std::set<std::string> stored;
  for (const Store& store : stores_) {
    Sources value = store.rhs_moves_lhs ? flow_.MovedValue(store.rhs)
                                        : flow_.ValueOf(store.rhs);
    if (value.empty()) continue;  // Not a pointer (or null).
    Paths targets;
    if (store.lhs != nullptr) {
      targets = flow_.LValuePaths(store.lhs);
    } else {
      frontend::Add(targets, store.target);
    }
    // A pointer to memory that is not the function's own, stored into memory
    // the function allocated (`c = malloc(...); c->srv = &g_server;`): the
    // object may become a handler's context, so the link step must see it.
    // A heap object it allocated stored into another one (`x->peer = y`,
    // `node->c = c`) is recorded too: either may become a handler's context
    // or be linked into global memory, and then the other is reachable from
    // there.
    auto heap_object = [](const Path& path) { return IsHeapObject(path); };
    bool value_reaches_out = false;
    bool value_is_heap_object = false;
    for (const auto& [source_key, source] : value) {
      if (source.kind == Source::kFunction) continue;
      if (source.kind == Source::kUnknown ||
          source.path.base != MemoryPath::BASE_FRESH) {
        value_reaches_out = true;
      } else if (source.kind == Source::kAddressOf &&
                 heap_object(source.path)) {
        value_is_heap_object = true;
      }
    }
    for (const auto& [key, path] : targets) {
      const bool into_fresh_object =
          path.base == MemoryPath::BASE_FRESH &&
          (value_reaches_out || (value_is_heap_object && heap_object(path)));
      // Otherwise stores into the function's own memory stay out.
      if (!Recordable(path) && !into_fresh_object) continue;
      v1::PointerStore proto;
      ToProto(path, proto.mutable_target());
      ToProto(value, proto.mutable_value());
      *proto.mutable_location() =
          SiteLocation(flow_.context(), store.location, *out);
      proto.set_order(store.order);
      if (!stored.insert(proto.SerializeAsString()).second) continue;
      *out->add_stores() = std::move(proto);
    }
  }
}

// --- ReturnCollector
// ---------------------------------------------------------------------------

void ReturnCollector::Visit(const clang::Stmt* stmt) {
  if (const auto* ret = llvm::dyn_cast<clang::ReturnStmt>(stmt)) {
    if (ret->getRetValue() != nullptr) returns_.push_back(ret->getRetValue());
  }
}

void ReturnCollector::Emit(v1::Function* out) {
  clang::QualType type = flow_.function()->getReturnType();
  Sources returned;
  for (const clang::Expr* value : returns_) {
    if (type->isReferenceType()) {
      AddAll(returned,
             flow_.Passed(flow_.AddressOfPaths(flow_.LValuePaths(value))));
    } else if (CarriesPointer(type)) {
      AddAll(returned, flow_.Passed(flow_.ValueOf(value)));
    }
  }
  ToProto(returned, out->mutable_returns());
}

}  // namespace prism::frontend
