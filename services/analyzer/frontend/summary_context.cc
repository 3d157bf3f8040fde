#include "services/analyzer/frontend/summary_context.h"

#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Index/USRGeneration.h"
#include "llvm/Support/Path.h"
#include "services/analyzer/frontend/compilation_database.h"

namespace prism::frontend {

std::string SummaryContext::Usr(const clang::Decl* decl) {
  if (decl == nullptr) return "";
  auto it = usrs_.find(decl);
  if (it != usrs_.end()) return it->second;
  llvm::SmallString<128> buffer;
  std::string usr;
  if (!clang::index::generateUSRForDecl(decl, buffer))
    usr = std::string(buffer.str());
  // Clang names internal-linkage entities by their file's base name
  // ("c:util.c@F@on_read"): two `static void on_read` in src/a/util.c and
  // src/b/util.c would share a USR. Use the path relative to the build
  // directory instead, the same in every TU of the build.
  const clang::Decl* canonical = decl->getCanonicalDecl();
  v1::SourceLocation where = Location(canonical->getLocation());
  if (!where.file().empty()) {
    std::string base = std::string(llvm::sys::path::filename(where.file()));
    std::string prefix = "c:" + base + "@";
    if (base != where.file() && usr.compare(0, prefix.size(), prefix) == 0) {
      usr = "c:" + where.file() + "@" + usr.substr(prefix.size());
    }
  }
  usrs_.emplace(decl, usr);
  return usr;
}

v1::SourceLocation SummaryContext::Location(clang::SourceLocation loc) {
  v1::SourceLocation result;
  if (loc.isInvalid()) return result;
  const clang::SourceManager& sm = ast_.getSourceManager();
  clang::SourceLocation expansion = sm.getExpansionLoc(loc);
  clang::FileID file = sm.getFileID(expansion);
  unsigned key = file.getHashValue();
  auto it = file_names_.find(key);
  if (it == file_names_.end()) {
    std::string name;
    if (const clang::FileEntry* entry = sm.getFileEntryForID(file)) {
      name = RelativeToDirectory(std::string(entry->getName()), directory_);
    } else {
      name = std::string(sm.getBufferName(expansion));
    }
    it = file_names_.emplace(key, std::move(name)).first;
  }
  result.set_file(it->second);
  result.set_line(sm.getExpansionLineNumber(expansion));
  result.set_column(sm.getExpansionColumnNumber(expansion));
  return result;
}

std::string SummaryContext::FunctionName(const clang::FunctionDecl* function) {
  const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(function);
  if (method != nullptr && method->getParent() != nullptr &&
      method->getParent()->isLambda()) {
    const clang::CXXRecordDecl* lambda = method->getParent();
    v1::SourceLocation where = Location(lambda->getLocation());
    std::string prefix;
    const clang::DeclContext* parent = lambda->getDeclContext();
    while (parent != nullptr && !llvm::isa<clang::FunctionDecl>(parent) &&
           !llvm::isa<clang::TranslationUnitDecl>(parent) &&
           !llvm::isa<clang::NamespaceDecl>(parent) &&
           !llvm::isa<clang::RecordDecl>(parent)) {
      parent = parent->getParent();
    }
    if (const auto* enclosing =
            llvm::dyn_cast_or_null<clang::FunctionDecl>(parent)) {
      prefix = FunctionName(enclosing) + "()::";
    } else if (const auto* named =
                   llvm::dyn_cast_or_null<clang::NamedDecl>(parent)) {
      prefix = named->getQualifiedNameAsString() + "::";
    }
    std::string name = absl::StrCat(prefix, "<lambda at ", where.file(), ":",
                                    where.line(), ":", where.column(), ">");
    if (method != lambda->getLambdaCallOperator()) {
      std::string member = method->getNameAsString();
      if (llvm::isa<clang::CXXConstructorDecl>(method))
        member = "<constructor>";
      if (llvm::isa<clang::CXXDestructorDecl>(method)) member = "<destructor>";
      if (llvm::isa<clang::CXXConversionDecl>(method)) member = "<conversion>";
      absl::StrAppend(&name, "::", member);
    }
    return name;
  }
  return function->getQualifiedNameAsString();
}

std::string SummaryContext::VariableName(const clang::VarDecl* var) {
  if (var->isStaticDataMember()) return var->getQualifiedNameAsString();
  return var->getNameAsString();
}

std::string SummaryContext::FunctionType(const clang::FunctionDecl* function) {
  clang::QualType type = function->getType();
  const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(function);
  if (method != nullptr && method->getParent() != nullptr &&
      method->getParent()->isLambda()) {
    if (const auto* proto = type->getAs<clang::FunctionProtoType>()) {
      clang::FunctionProtoType::ExtProtoInfo info;
      info.Variadic = proto->isVariadic();
      type = ast_.getFunctionType(proto->getReturnType(),
                                  proto->getParamTypes(), info);
    }
  }
  return type.getCanonicalType().getAsString();
}

std::string RecordName(const clang::RecordDecl* record) {
  if (record == nullptr) return "";
  if (!record->getIdentifier()) {
    if (const clang::TypedefNameDecl* typedef_name =
            record->getTypedefNameForAnonDecl()) {
      return typedef_name->getQualifiedNameAsString();
    }
  }
  return record->getQualifiedNameAsString();
}

namespace {

// char, signed char or unsigned char.
bool IsByteType(clang::QualType type) {
  const auto* builtin =
      llvm::dyn_cast<clang::BuiltinType>(type.getCanonicalType().getTypePtr());
  if (builtin == nullptr) return false;
  switch (builtin->getKind()) {
    case clang::BuiltinType::Char_S:
    case clang::BuiltinType::Char_U:
    case clang::BuiltinType::SChar:
    case clang::BuiltinType::UChar:
      return true;
    default:
      return false;
  }
}

// A type as Access.designated_type and Declaration.storage_types spell it
// when it is a scalar: integers by width whatever their signedness (C lets
// `int` and `unsigned` lvalues access each other's objects; one spelling for
// `long` and `long long` is coarser than C, so safe), floating types by width,
// every pointer alike. "" for character types, which may access any object,
// and for what is not a scalar Prism knows.
std::string ScalarName(clang::QualType type, const clang::ASTContext& ast) {
  const clang::Type* t = type.getCanonicalType().getTypePtr();
  if (const auto* atomic = llvm::dyn_cast<clang::AtomicType>(t))
    t = atomic->getValueType().getCanonicalType().getTypePtr();
  if (const auto* enumeration = llvm::dyn_cast<clang::EnumType>(t)) {
    clang::QualType integer = enumeration->getDecl()->getIntegerType();
    if (integer.isNull()) return "";
    t = integer.getCanonicalType().getTypePtr();
  }
  if (t->isPointerType() || t->isBlockPointerType() || t->isNullPtrType())
    return "#pointer";
  const auto* builtin = llvm::dyn_cast<clang::BuiltinType>(t);
  if (builtin == nullptr || IsByteType(clang::QualType(t, 0))) return "";
  const uint64_t width = ast.getTypeSize(t);
  if (builtin->isInteger()) return absl::StrCat("#int", width);
  if (builtin->isFloatingPoint()) return absl::StrCat("#float", width);
  return "";
}

// Whether `type`, or a typedef it is spelled through, carries
// __attribute__((may_alias)): accesses of it may touch any object, as a
// character type's do.
bool MayAliasAnything(clang::QualType type) {
  while (!type.isNull()) {
    if (const auto* typedef_type = type->getAs<clang::TypedefType>()) {
      if (typedef_type->getDecl()->hasAttr<clang::MayAliasAttr>()) return true;
      type = typedef_type->getDecl()->getUnderlyingType();
      continue;
    }
    const clang::TagDecl* tag = type.getCanonicalType()->getAsTagDecl();
    return tag != nullptr && tag->hasAttr<clang::MayAliasAttr>();
  }
  return false;
}

// A named struct, as RecordName spells it; "" otherwise. Unions are not typed
// (common practice reads their members through pointers to the members, and
// compilers let such accesses alias), nor POSIX's socket addresses: every
// `struct sockaddr_*` is read as a `struct sockaddr` and back, which POSIX
// requires to work.
std::string StructName(clang::QualType type) {
  if (MayAliasAnything(type)) return "";
  const auto* record = type.getCanonicalType()->getAs<clang::RecordType>();
  if (record == nullptr) return "";
  const clang::RecordDecl* decl = record->getDecl();
  if (decl->isUnion()) return "";
  if (!decl->getIdentifier() && decl->getTypedefNameForAnonDecl() == nullptr)
    return "";  // Unnamed: another TU's spelling of it may differ.
  std::string name = RecordName(decl);
  if (absl::StartsWith(name, "sockaddr")) return "";
  return name;
}

}  // namespace

std::string SummaryContext::DesignatedTypeThroughPointer(clang::QualType type) {
  if (!typed_aliasing_ || type.isNull() || MayAliasAnything(type)) return "";
  // A record read or written whole may touch objects of its members' types
  // (C 6.5p7, the aggregate rule): untyped.
  return ScalarName(type, ast_);
}

std::string SummaryContext::DesignatedStruct(clang::QualType type) {
  return typed_aliasing_ && !type.isNull() ? StructName(type) : "";
}

std::string SummaryContext::DesignatedType(const clang::Expr* lvalue) {
  if (!typed_aliasing_ || lvalue == nullptr) return "";
  // Below a `.` member access the designated object is the record around it.
  bool member = false;
  auto designated = [&](clang::QualType type) {
    return member ? StructName(type) : DesignatedTypeThroughPointer(type);
  };
  const clang::Expr* expr = lvalue->IgnoreParens();
  while (true) {
    if (const auto* access = llvm::dyn_cast<clang::MemberExpr>(expr)) {
      if (access->isArrow()) {
        return StructName(access->getBase()->getType()->getPointeeType());
      }
      member = true;
      expr = access->getBase()->IgnoreParens();
      continue;
    }
    if (const auto* subscript =
            llvm::dyn_cast<clang::ArraySubscriptExpr>(expr)) {
      const auto* decay = llvm::dyn_cast<clang::ImplicitCastExpr>(
          subscript->getBase()->IgnoreParens());
      if (decay != nullptr &&
          decay->getCastKind() == clang::CK_ArrayToPointerDecay) {
        expr = decay->getSubExpr()->IgnoreParens();  // Inside the array.
        continue;
      }
      return designated(subscript->getType());  // `p[i]` is `*(p + i)`.
    }
    if (const auto* unary = llvm::dyn_cast<clang::UnaryOperator>(expr);
        unary != nullptr && unary->getOpcode() == clang::UO_Deref) {
      return designated(unary->getType());
    }
    return "";  // No dereference (a variable), or an lvalue Prism reads as any.
  }
}

bool SummaryContext::AddStorageTypes(clang::QualType type,
                                     std::set<std::string>* out) {
  if (!typed_aliasing_ || type.isNull()) return false;
  const clang::Type* t = type.getCanonicalType().getTypePtr();
  if (const auto* atomic = llvm::dyn_cast<clang::AtomicType>(t))
    t = atomic->getValueType().getCanonicalType().getTypePtr();
  if (const clang::ArrayType* array = t->getAsArrayTypeUnsafe()) {
    // An array of bytes is where programs keep objects of other types (a
    // static arena), which works with every compiler: it may hold any
    // object (C++ says so of unsigned char arrays).
    if (IsByteType(array->getElementType())) out->insert("#bytes");
    return AddStorageTypes(array->getElementType(), out);
  }
  if (const auto* complex = llvm::dyn_cast<clang::ComplexType>(t))
    return AddStorageTypes(complex->getElementType(), out);  // Two reals.
  if (const auto* record = t->getAs<clang::RecordType>()) {
    const clang::RecordDecl* definition = record->getDecl()->getDefinition();
    if (definition == nullptr) return false;
    std::string name = StructName(clang::QualType(t, 0));
    if (!name.empty()) out->insert(std::move(name));
    for (const clang::FieldDecl* field : definition->fields()) {
      if (!AddStorageTypes(field->getType(), out)) return false;
    }
    return true;
  }
  if (!t->isScalarType()) return false;  // Vectors and what else C has.
  std::string name = ScalarName(clang::QualType(t, 0), ast_);
  if (!name.empty()) out->insert(std::move(name));
  return true;
}

bool IsAtomicType(clang::QualType type) {
  if (type.isNull()) return false;
  type = type.getCanonicalType();
  while (const clang::ArrayType* array = type->getAsArrayTypeUnsafe()) {
    type = array->getElementType().getCanonicalType();
  }
  if (type->isAtomicType()) return true;
  if (const clang::CXXRecordDecl* record = type->getAsCXXRecordDecl()) {
    std::string name = record->getQualifiedNameAsString();
    return name == "std::atomic" || name == "std::__atomic_base" ||
           name == "std::atomic_flag" || name == "std::atomic_ref";
  }
  return false;
}

}  // namespace prism::frontend
