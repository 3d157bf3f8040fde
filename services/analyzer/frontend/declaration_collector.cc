#include "services/analyzer/frontend/declaration_collector.h"

#include <set>
#include <string>

#include "clang/AST/APValue.h"
#include "clang/AST/Attr.h"
#include "clang/AST/Decl.h"
#include "clang/AST/Expr.h"
#include "clang/ASTMatchers/ASTMatchers.h"
#include "clang/Basic/SourceManager.h"

namespace prism::frontend {

namespace am = clang::ast_matchers;

// How deep the type walks below go: records nest by value only, so finite.
constexpr int kMaxTypeDepth = 32;

std::string OverrideReason(const clang::Decl* decl) {
  constexpr char kPrefix[] = "prism_no_conflict:";
  for (const clang::Decl* redecl : decl->redecls()) {
    for (const auto* attr : redecl->specific_attrs<clang::AnnotateAttr>()) {
      llvm::StringRef text = attr->getAnnotation();
      if (text.startswith(kPrefix)) {
        std::string reason = text.drop_front(sizeof(kPrefix) - 1).str();
        return reason.empty() ? "no reason given" : reason;
      }
    }
  }
  return "";
}

void DeclarationCollector::RegisterMatchers(am::MatchFinder* finder) {
  auto global =
      am::varDecl(am::hasGlobalStorage(), am::unless(am::parmVarDecl()));
  finder->addMatcher(global.bind("global"), this);
  finder->addMatcher(am::declRefExpr(am::to(global.bind("used"))), this);
  finder->addMatcher(am::memberExpr(am::member(global.bind("used"))), this);
  finder->addMatcher(am::fieldDecl().bind("field"), this);
  // Where a global's address is taken, in functions and initializers alike.
  finder->addMatcher(am::unaryOperator(am::hasOperatorName("&")).bind("addr"),
                     this);
  finder->addMatcher(
      am::implicitCastExpr(am::hasCastKind(clang::CK_ArrayToPointerDecay))
          .bind("decay"),
      this);
  finder->addMatcher(
      am::varDecl(am::hasType(am::referenceType()),
                  am::hasInitializer(am::expr().bind("reference_init"))),
      this);
}

// The global an lvalue is part of (g, g.x, g.a[i]), if any, has its address
// taken.
void DeclarationCollector::AddressTaken(const clang::Expr* lvalue) {
  while (lvalue != nullptr) {
    lvalue = lvalue->IgnoreParenImpCasts();
    if (const auto* member = llvm::dyn_cast<clang::MemberExpr>(lvalue)) {
      if (member->isArrow()) return;
      lvalue = member->getBase();
    } else if (const auto* subscript =
                   llvm::dyn_cast<clang::ArraySubscriptExpr>(lvalue)) {
      const clang::Expr* base = subscript->getBase()->IgnoreParenImpCasts();
      if (!base->getType()->isArrayType()) return;
      lvalue = base;
    } else if (const auto* ref = llvm::dyn_cast<clang::DeclRefExpr>(lvalue)) {
      const auto* var = llvm::dyn_cast<clang::VarDecl>(ref->getDecl());
      if (var != nullptr && var->hasGlobalStorage())
        address_taken_.insert(var->getCanonicalDecl());
      return;
    } else {
      return;
    }
  }
}

void DeclarationCollector::run(const am::MatchFinder::MatchResult& result) {
  if (const auto* op = result.Nodes.getNodeAs<clang::UnaryOperator>("addr")) {
    AddressTaken(op->getSubExpr());
  } else if (const auto* decay =
                 result.Nodes.getNodeAs<clang::ImplicitCastExpr>("decay")) {
    AddressTaken(decay->getSubExpr());
  } else if (const auto* init =
                 result.Nodes.getNodeAs<clang::Expr>("reference_init")) {
    AddressTaken(init);
  } else if (const auto* var = result.Nodes.getNodeAs<clang::VarDecl>("used")) {
    globals_[var->getCanonicalDecl()] = true;
  } else if (const auto* var =
                 result.Nodes.getNodeAs<clang::VarDecl>("global")) {
    if (!var->isTemplated()) globals_.emplace(var->getCanonicalDecl(), false);
  } else if (const auto* field =
                 result.Nodes.getNodeAs<clang::FieldDecl>("field")) {
    if (field->getParent() == nullptr ||
        field->getParent()->isDependentContext())
      return;
    if (OverrideReason(field).empty() && !IsAtomicType(field->getType()))
      return;
    std::string name =
        RecordName(field->getParent()) + "::" + field->getNameAsString();
    if (field_names_.insert(name).second) fields_.push_back(field);
  }
}

// An object of this type is never written once initialized: const (an
// array's elements const), not volatile, and no `mutable` member.
bool DeclarationCollector::IsConstantObject(clang::QualType type) const {
  const clang::ASTContext& ast = context_.ast();
  clang::QualType element = ast.getBaseElementType(type.getCanonicalType());
  if (!element.isConstQualified() || element.isVolatileQualified())
    return false;
  if (const auto* record = element->getAsCXXRecordDecl()) {
    if (record->hasDefinition() && record->hasMutableFields()) return false;
    if (!record->hasDefinition()) return false;
  }
  return true;
}

bool DeclarationCollector::HoldsNoAddress(clang::QualType type,
                                          int depth) const {
  const clang::ASTContext& ast = context_.ast();
  if (depth > kMaxTypeDepth) return false;
  clang::QualType element = ast.getBaseElementType(type.getCanonicalType());
  const clang::Type* t = element.getTypePtr();
  if (t->isDependentType() || t->isIncompleteType()) return false;
  if (t->isAnyPointerType() || t->isReferenceType() ||
      t->isMemberPointerType() || t->isBlockPointerType() ||
      t->isNullPtrType()) {
    return false;
  }
  if (t->isIntegerType() && !t->isEnumeralType() &&
      ast.getTypeSize(element) >= ast.getTypeSize(ast.VoidPtrTy)) {
    return false;
  }
  if (const auto* record_type = t->getAs<clang::RecordType>()) {
    const clang::RecordDecl* record = record_type->getDecl()->getDefinition();
    if (record == nullptr) return false;
    if (const auto* cxx = llvm::dyn_cast<clang::CXXRecordDecl>(record)) {
      if (cxx->isDynamicClass()) return false;
      for (const clang::CXXBaseSpecifier& base : cxx->bases()) {
        if (!HoldsNoAddress(base.getType(), depth + 1)) return false;
      }
    }
    for (const clang::FieldDecl* field : record->fields()) {
      if (!HoldsNoAddress(field->getType(), depth + 1)) return false;
    }
    return true;
  }
  // Vectors and complex numbers of small scalars, floating point, enums,
  // narrow integers, bool: no address fits.
  if (const auto* vector = t->getAs<clang::VectorType>()) {
    return HoldsNoAddress(vector->getElementType(), depth + 1);
  }
  if (const auto* complex = t->getAs<clang::ComplexType>()) {
    return HoldsNoAddress(complex->getElementType(), depth + 1);
  }
  return t->isScalarType() || t->isEnumeralType();
}

namespace {

bool HoldsUnion(clang::QualType type, int depth = 0) {
  if (depth > kMaxTypeDepth) return true;
  const clang::Type* t = type.getCanonicalType().getTypePtr();
  if (const auto* array = t->getAsArrayTypeUnsafe()) {
    return HoldsUnion(array->getElementType(), depth + 1);
  }
  const auto* record_type = t->getAs<clang::RecordType>();
  if (record_type == nullptr) return false;
  const clang::RecordDecl* record = record_type->getDecl()->getDefinition();
  if (record == nullptr) return true;  // Unknown layout: assume the worst.
  if (record->isUnion()) return true;
  for (const clang::FieldDecl* field : record->fields()) {
    if (HoldsUnion(field->getType(), depth + 1)) return true;
  }
  return false;
}

// Whether a constant holds no address of an object or function: numbers,
// null pointers and string literals (which no program may write) only.
bool HoldsNoAddressValue(const clang::APValue& value, int depth = 0) {
  if (depth > kMaxTypeDepth) return false;
  switch (value.getKind()) {
    case clang::APValue::None:
    case clang::APValue::Indeterminate:
    case clang::APValue::Int:
    case clang::APValue::Float:
    case clang::APValue::FixedPoint:
    case clang::APValue::ComplexInt:
    case clang::APValue::ComplexFloat:
      return true;
    case clang::APValue::LValue: {
      const clang::APValue::LValueBase base = value.getLValueBase();
      // No base: a null pointer, or an address made from an integer.
      if (!base) return value.isNullPointer();
      const auto* expr = base.dyn_cast<const clang::Expr*>();
      return expr != nullptr && (llvm::isa<clang::StringLiteral>(expr) ||
                                 llvm::isa<clang::PredefinedExpr>(expr));
    }
    case clang::APValue::Vector:
      for (unsigned i = 0; i < value.getVectorLength(); ++i) {
        if (!HoldsNoAddressValue(value.getVectorElt(i), depth + 1))
          return false;
      }
      return true;
    case clang::APValue::Array:
      for (unsigned i = 0; i < value.getArrayInitializedElts(); ++i) {
        if (!HoldsNoAddressValue(value.getArrayInitializedElt(i), depth + 1))
          return false;
      }
      return !value.hasArrayFiller() ||
             HoldsNoAddressValue(value.getArrayFiller(), depth + 1);
    case clang::APValue::Struct:
      for (unsigned i = 0; i < value.getStructNumBases(); ++i) {
        if (!HoldsNoAddressValue(value.getStructBase(i), depth + 1))
          return false;
      }
      for (unsigned i = 0; i < value.getStructNumFields(); ++i) {
        if (!HoldsNoAddressValue(value.getStructField(i), depth + 1))
          return false;
      }
      return true;
    default:  // Unions, member pointers, label differences.
      return false;
  }
}

}  // namespace

bool DeclarationCollector::InitialPointersUnknown(
    const clang::VarDecl* canonical) const {
  if (context_.ast().getLangOpts().CPlusPlus) return true;
  if (HoldsUnion(canonical->getType())) return true;
  const clang::VarDecl* initialized = nullptr;
  const clang::Expr* init = canonical->getAnyInitializer(initialized);
  if (init == nullptr || initialized == nullptr) return false;  // Zeros.
  if (init->isValueDependent() || init->containsErrors()) return true;
  const clang::APValue* value =
      const_cast<clang::VarDecl*>(initialized)->evaluateValue();
  return value == nullptr || !HoldsNoAddressValue(*value);
}

void DeclarationCollector::Emit(v1::TranslationUnitSummary* out) {
  const clang::SourceManager& sm = context_.ast().getSourceManager();
  std::map<std::string, const clang::VarDecl*> globals;
  for (const auto& [canonical, used] : globals_) {
    const clang::VarDecl* definition = canonical->getDefinition();
    const clang::VarDecl* shown =
        definition != nullptr ? definition : canonical;
    if (!used && sm.isInSystemHeader(shown->getLocation())) continue;
    globals.emplace(context_.Usr(canonical), canonical);
  }
  for (const auto& [usr, canonical] : globals) {
    const clang::VarDecl* definition = canonical->getDefinition();
    const clang::VarDecl* shown =
        definition != nullptr ? definition : canonical;
    v1::Declaration* declaration = out->add_declarations();
    declaration->set_kind(v1::Declaration::KIND_GLOBAL);
    declaration->set_usr(usr);
    declaration->set_name(context_.VariableName(canonical));
    *declaration->mutable_location() = context_.Location(shown->getLocation());
    declaration->set_atomic(IsAtomicType(canonical->getType()));
    declaration->set_override_reason(OverrideReason(canonical));
    declaration->set_address_taken(address_taken_.count(canonical) > 0);
    declaration->set_defined(definition != nullptr ||
                             canonical->getActingDefinition() != nullptr);
    declaration->set_initial_pointers_unknown(
        InitialPointersUnknown(canonical));
    declaration->set_per_thread(canonical->getTLSKind() !=
                                clang::VarDecl::TLS_None);
    declaration->set_constant(IsConstantObject(canonical->getType()));
    if (declaration->constant()) {
      declaration->set_holds_no_address(HoldsNoAddress(canonical->getType()));
    }
    uint32_t rank = 0;
    for (clang::QualType type = canonical->getType().getCanonicalType();
         const clang::ArrayType* array = type->getAsArrayTypeUnsafe();
         type = array->getElementType().getCanonicalType()) {
      ++rank;
    }
    declaration->set_array_rank(rank);
    // The most complete of its declarations (`extern struct s g;` may come
    // before the definition).
    const clang::QualType complete =
        definition != nullptr ? definition->getType()
                              : canonical->getMostRecentDecl()->getType();
    std::set<std::string> storage_types;
    if (!context_.typed_aliasing()) {
      declaration->set_untyped_storage(true);
    } else if (context_.AddStorageTypes(complete, &storage_types)) {
      declaration->set_typed_storage(true);
      for (const std::string& type : storage_types)
        declaration->add_storage_types(type);
    }
  }
  for (const clang::FieldDecl* field : fields_) {
    v1::Declaration* declaration = out->add_declarations();
    declaration->set_kind(v1::Declaration::KIND_FIELD);
    declaration->set_name(RecordName(field->getParent()) +
                          "::" + field->getNameAsString());
    *declaration->mutable_location() = context_.Location(field->getLocation());
    declaration->set_atomic(IsAtomicType(field->getType()));
    declaration->set_override_reason(OverrideReason(field));
  }
}

}  // namespace prism::frontend
