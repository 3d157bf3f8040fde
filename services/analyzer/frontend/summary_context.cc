#include "services/analyzer/frontend/summary_context.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
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
