#include "services/analyzer/frontend/function_summary.h"

#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/AST/Stmt.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Basic/Builtins.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Index/USRGeneration.h"
#include "services/analyzer/frontend/compilation_database.h"

namespace prism::frontend {

using v1::MemoryPath;

// ---------------------------------------------------------------------------------------------
// SummaryContext

std::string SummaryContext::Usr(const clang::Decl* decl) {
  if (decl == nullptr) return "";
  auto it = usrs_.find(decl);
  if (it != usrs_.end()) return it->second;
  llvm::SmallString<128> buffer;
  std::string usr;
  if (!clang::index::generateUSRForDecl(decl, buffer))
    usr = std::string(buffer.str());
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

namespace {

// ---------------------------------------------------------------------------------------------
// Paths and value sources, before they become protos.

constexpr size_t kMaxSelectors =
    8;  // Longer chains are truncated to a covering prefix.

struct Path {
  MemoryPath::Base base = MemoryPath::BASE_UNKNOWN;
  // Identity of a local variable, parameter variable or allocation site (FRESH
  // and the parameter variables themselves); never emitted.
  const void* object = nullptr;
  std::string usr;
  std::string name;
  int index = 0;
  std::vector<std::string> selectors;
  std::vector<std::string>
      records;  // Record of each field selector, "" for "*" and "[]".

  std::string Key() const {
    std::string key =
        absl::StrCat(static_cast<int>(base), "|", usr, "|", index, "|");
    if (base == MemoryPath::BASE_FRESH ||
        (base == MemoryPath::BASE_PARAMETER && object)) {
      absl::StrAppend(&key, reinterpret_cast<uintptr_t>(object), "|");
    }
    absl::StrAppend(&key, absl::StrJoin(selectors, "/"));
    return key;
  }

  Path With(const std::string& selector, const std::string& record = "") const {
    Path result = *this;
    // Anything is anything: selectors after an unknown base carry no
    // information.
    if (result.base != MemoryPath::BASE_UNKNOWN &&
        result.selectors.size() < kMaxSelectors) {
      result.selectors.push_back(selector);
      result.records.push_back(record);
    }
    return result;
  }
};

Path UnknownPath() { return Path(); }

struct Source {
  enum Kind { kAddressOf, kLoadedFrom, kFunction, kUnknown } kind = kUnknown;
  Path path;
  std::string function_usr;

  std::string Key() const {
    switch (kind) {
      case kAddressOf:
        return "&" + path.Key();
      case kLoadedFrom:
        return "=" + path.Key();
      case kFunction:
        return "f" + function_usr;
      case kUnknown:
        break;
    }
    return "?";
  }
};

// An ordered set of sources: deterministic output.
using Sources = std::map<std::string, Source>;
using Paths = std::map<std::string, Path>;

void Add(Sources& set, Source source) {
  std::string key = source.Key();
  set.emplace(std::move(key), std::move(source));
}
void AddAll(Sources& set, const Sources& more) {
  for (const auto& [key, source] : more) set.emplace(key, source);
}
void Add(Paths& set, Path path) {
  std::string key = path.Key();
  set.emplace(std::move(key), std::move(path));
}
Source Unknown() { return Source(); }
Source AddressOf(Path path) {
  Source source;
  source.kind = Source::kAddressOf;
  source.path = std::move(path);
  return source;
}
Source LoadedFrom(Path path) {
  Source source;
  source.kind = Source::kLoadedFrom;
  source.path = std::move(path);
  return source;
}
Source FunctionSource(std::string usr) {
  Source source;
  source.kind = Source::kFunction;
  source.function_usr = std::move(usr);
  return source;
}

bool CarriesPointer(clang::QualType type) {
  if (type.isNull()) return true;
  type = type.getCanonicalType();
  return type->isPointerType() || type->isBlockPointerType() ||
         type->isMemberPointerType() || type->isRecordType() ||
         type->isArrayType() || type->isFunctionType() ||
         type->isReferenceType() || type->isDependentType();
}

bool IsAllocator(const clang::FunctionDecl* callee) {
  if (callee == nullptr || !callee->getIdentifier()) return false;
  llvm::StringRef name = callee->getName();
  return name == "malloc" || name == "calloc" || name == "strdup" ||
         name == "strndup" || name == "aligned_alloc" || name == "valloc" ||
         name == "memalign" || name == "__builtin_malloc" ||
         name == "__builtin_calloc" || name == "__strdup" ||
         name == "g_malloc" || name == "xmalloc" || name == "xcalloc";
}

bool IsTrivialSpecialMember(const clang::CXXMethodDecl* method) {
  if (method == nullptr) return false;
  if (method->isTrivial()) return true;
  return false;
}

// `base` + the selector of `field`. Members of a union, bit-fields and unnamed
// members (anonymous structs, lambda captures) add no selector: the enclosing
// object covers what shares storage.
Path FieldPath(const Path& base, const clang::FieldDecl* field) {
  const clang::RecordDecl* record = field->getParent();
  if (record->isUnion() || field->isBitField() || field->getName().empty())
    return base;
  return base.With(std::string(field->getName()), RecordName(record));
}

// A call site of the function: explicit calls and the constructor/destructor
// calls C++ runs.
struct CallSite {
  const clang::Expr* expr = nullptr;  // The call expression, if any.
  const clang::FunctionDecl* callee = nullptr;
  const clang::Expr* callee_expr =
      nullptr;  // Indirect calls: the function pointer.
  clang::QualType indirect_type;
  std::vector<const clang::Expr*> arguments;
  const clang::Expr* this_expr = nullptr;  // Object (glvalue) or pointer to it.
  bool this_is_pointer = false;
  bool has_this_source = false;
  Sources this_source;  // For implicit calls whose object has no expression.
  bool is_virtual = false;
  clang::SourceLocation location;
};

struct Assignment {
  const clang::Expr* lhs = nullptr;     // Or:
  const clang::VarDecl* var = nullptr;  // a tracked variable's initialization,
  std::vector<std::string>
      fields;  // optionally of one of its fields (init lists).
  const clang::Expr* rhs = nullptr;
  bool rhs_is_address =
      false;  // Reference binding: the value is the address of rhs.
};

struct AccessEvent {
  const clang::Expr* lvalue = nullptr;
  bool read = false;
  bool write = false;
  bool force_atomic = false;
  bool through_pointer =
      false;  // `lvalue` is a pointer; the access is to what it points to.
  clang::SourceLocation location;
};

// ---------------------------------------------------------------------------------------------
// The body walker: one pass over the body collects events in source order; the
// resolver turns them into paths once the local flow has been computed.

class FunctionFacts : public clang::RecursiveASTVisitor<FunctionFacts> {
 public:
  FunctionFacts(SummaryContext& context, const clang::FunctionDecl* function)
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

  bool shouldVisitTemplateInstantiations() const { return true; }
  bool shouldVisitImplicitCode() const { return true; }

  // Nested functions are summarized on their own.
  bool TraverseLambdaExpr(clang::LambdaExpr* lambda) {
    for (clang::Expr* init : lambda->capture_inits()) {
      if (init != nullptr) TraverseStmt(init);
    }
    return true;
  }
  bool TraverseCXXRecordDecl(clang::CXXRecordDecl*) { return true; }
  bool TraverseRecordDecl(clang::RecordDecl*) { return true; }
  bool TraverseBlockExpr(clang::BlockExpr*) { return true; }
  bool TraverseFunctionDecl(clang::FunctionDecl*) { return true; }

  void Run(v1::Function* out);

  // --- event collection (called by RecursiveASTVisitor in pre-order) ---
  bool VisitVarDecl(clang::VarDecl* var);
  bool VisitImplicitCastExpr(clang::ImplicitCastExpr* cast);
  bool VisitBinaryOperator(clang::BinaryOperator* op);
  bool VisitUnaryOperator(clang::UnaryOperator* op);
  bool VisitCallExpr(clang::CallExpr* call);
  bool VisitCXXConstructExpr(clang::CXXConstructExpr* construct);
  bool VisitCXXDeleteExpr(clang::CXXDeleteExpr* expr);
  bool VisitCXXBindTemporaryExpr(clang::CXXBindTemporaryExpr* expr);
  bool VisitReturnStmt(clang::ReturnStmt* stmt);
  bool VisitAtomicExpr(clang::AtomicExpr* expr);
  bool VisitAsmStmt(clang::AsmStmt* stmt);

 private:
  // --- resolution ---
  Paths LValuePaths(const clang::Expr* expr);
  Sources ValueOf(const clang::Expr*
                      expr);  // Value of a prvalue (or glvalue: its address).
  Sources RValue(const clang::Expr* expr);  // Value of a prvalue.
  Sources Load(const Path& path);           // Value read from an lvalue.
  Paths Deref(const Sources& sources, const std::string& selector);
  Paths VariablePaths(const clang::VarDecl* var, const clang::Expr* ref);
  Paths MemberPaths(const clang::MemberExpr* member);
  Sources AddressOfPaths(const Paths& paths);
  void AddCall(CallSite site);
  void MarkEscapes(const Sources& sources);
  bool ComputeFlowOnce();
  void ComputeFlow();
  void ApplyAssignment(const Assignment& assignment);

  // --- emission ---
  void EmitAccess(const Path& path, v1::AccessKind kind,
                  clang::SourceLocation loc, bool atomic, v1::Function* out);
  static bool Recordable(const Path& path);
  void ToProto(const Path& path, MemoryPath* out) const;
  void ToProto(const Sources& sources, v1::ArgumentValue* out) const;

  SummaryContext& context_;
  const clang::FunctionDecl* function_;
  const clang::CXXRecordDecl* lambda_class_ = nullptr;
  std::map<const clang::VarDecl*, const clang::FieldDecl*> capture_fields_;
  const clang::FieldDecl* this_capture_ = nullptr;

  std::vector<AccessEvent> accesses_;
  std::vector<Assignment> assignments_;
  std::vector<CallSite> calls_;
  absl::flat_hash_map<const clang::Expr*, int> call_index_;
  std::vector<std::pair<const clang::Expr*, const clang::Expr*>>
      stores_;  // (lhs, rhs)
  std::vector<const clang::Expr*> returns_;
  std::vector<const clang::AsmStmt*> asms_;
  std::vector<const clang::CXXCtorInitializer*> member_inits_;
  std::vector<CallSite>
      pending_destructors_;  // Locals' destructors, at scope exit.
  // Objects under construction, when known (locals, statics, members, bases).
  absl::flat_hash_map<const clang::Expr*, Sources> construct_targets_;

  // Flow state.
  absl::flat_hash_set<const clang::VarDecl*>
      tracked_;  // Locals and parameters.
  std::map<const void*, Sources> var_sources_;
  std::map<std::string, Sources>
      field_sources_;  // Fresh object paths -> stored values.
  std::set<const void*> escaped_;
  bool flow_incomplete_ = false;
  int depth_ = 0;  // Recursion guard for pathological expressions.
};

// --- event collection
// ------------------------------------------------------------------------

bool FunctionFacts::VisitVarDecl(clang::VarDecl* var) {
  if (llvm::isa<clang::ParmVarDecl>(var)) return true;
  if (var->hasLocalStorage()) tracked_.insert(var);
  const clang::Expr* init = var->getInit();
  if (init != nullptr) {
    if (const auto* construct =
            llvm::dyn_cast<clang::CXXConstructExpr>(init->IgnoreImplicit())) {
      if (!var->getType()->isReferenceType()) {
        construct_targets_[construct] =
            AddressOfPaths(VariablePaths(var, nullptr));
      }
    }
  }
  if (init != nullptr && var->hasLocalStorage()) {
    // Initializer lists of local aggregates: one assignment per (nested) field.
    std::function<void(const clang::Expr*, std::vector<std::string>)> add =
        [&](const clang::Expr* e, std::vector<std::string> fields) {
          const auto* list =
              llvm::dyn_cast<clang::InitListExpr>(e->IgnoreParenImpCasts());
          if (list != nullptr && list->getType()->isRecordType() &&
              fields.size() < 4) {
            const clang::RecordDecl* record =
                list->getType()->getAsRecordDecl();
            unsigned i = 0;
            for (const clang::FieldDecl* field : record->fields()) {
              if (field->isUnnamedBitfield()) continue;
              if (i >= list->getNumInits()) break;
              std::vector<std::string> sub = fields;
              if (!record->isUnion() && !field->isBitField() &&
                  !field->getName().empty()) {
                sub.push_back(std::string(field->getName()));
              }
              add(list->getInit(i++), sub);
              if (record->isUnion()) break;
            }
            return;
          }
          if (list != nullptr && list->getType()->isArrayType() &&
              fields.size() < 4) {
            std::vector<std::string> sub = fields;
            sub.push_back("[]");
            for (const clang::Expr* element : list->inits()) add(element, sub);
            return;
          }
          Assignment assignment;
          assignment.var = var;
          assignment.fields = std::move(fields);
          assignment.rhs = e;
          assignment.rhs_is_address =
              var->getType()->isReferenceType() && assignment.fields.empty();
          assignments_.push_back(std::move(assignment));
        };
    add(init, {});
  }
  // Destructors of locals run user code at the end of the scope.
  if (var->hasLocalStorage()) {
    if (const clang::CXXRecordDecl* record =
            var->getType()->getAsCXXRecordDecl()) {
      if (record->hasDefinition() && !record->hasTrivialDestructor()) {
        if (const clang::CXXDestructorDecl* dtor = record->getDestructor()) {
          CallSite site;
          site.callee = dtor;
          site.has_this_source = true;
          Path local;
          local.base = MemoryPath::BASE_FRESH;
          local.object = var;
          local.name = var->getNameAsString();
          Add(site.this_source, AddressOf(local));
          site.location = var->getLocation();
          pending_destructors_.push_back(std::move(site));
        }
      }
    }
  }
  return true;
}

bool FunctionFacts::VisitImplicitCastExpr(clang::ImplicitCastExpr* cast) {
  if (cast->getCastKind() == clang::CK_LValueToRValue) {
    AccessEvent event;
    event.lvalue = cast->getSubExpr();
    event.read = true;
    event.location = cast->getSubExpr()->getBeginLoc();
    accesses_.push_back(event);
  }
  return true;
}

bool FunctionFacts::VisitBinaryOperator(clang::BinaryOperator* op) {
  if (!op->isAssignmentOp()) return true;
  AccessEvent event;
  event.lvalue = op->getLHS();
  event.write = true;
  event.read = op->isCompoundAssignmentOp();
  event.location = op->getLHS()->getBeginLoc();
  accesses_.push_back(event);
  if (op->getOpcode() == clang::BO_Assign) {
    Assignment assignment;
    assignment.lhs = op->getLHS();
    assignment.rhs = op->getRHS();
    assignments_.push_back(assignment);
    if (CarriesPointer(op->getLHS()->getType()))
      stores_.emplace_back(op->getLHS(), op->getRHS());
  }
  return true;
}

bool FunctionFacts::VisitUnaryOperator(clang::UnaryOperator* op) {
  if (op->isIncrementDecrementOp()) {
    AccessEvent event;
    event.lvalue = op->getSubExpr();
    event.read = event.write = true;
    event.location = op->getSubExpr()->getBeginLoc();
    accesses_.push_back(event);
  }
  return true;
}

void FunctionFacts::AddCall(CallSite site) {
  if (site.expr != nullptr)
    call_index_[site.expr] = static_cast<int>(calls_.size());
  calls_.push_back(std::move(site));
}

bool FunctionFacts::VisitCallExpr(clang::CallExpr* call) {
  const clang::FunctionDecl* callee = call->getDirectCallee();
  const auto* method = llvm::dyn_cast_or_null<clang::CXXMethodDecl>(callee);
  // Converting a captureless lambda to a function pointer runs no user code.
  if (const auto* conversion =
          llvm::dyn_cast_or_null<clang::CXXConversionDecl>(callee)) {
    if (conversion->getParent()->isLambda()) return true;
  }
  CallSite site;
  site.expr = call;
  site.callee = callee;
  site.location = call->getBeginLoc();
  unsigned first_argument = 0;

  if (const auto* member_call =
          llvm::dyn_cast<clang::CXXMemberCallExpr>(call)) {
    const clang::Expr* object = member_call->getImplicitObjectArgument();
    if (object != nullptr) {
      site.this_expr = object;
      site.this_is_pointer = object->getType()->isPointerType();
    }
    if (callee == nullptr) {  // (obj.*pmf)()
      site.callee_expr = call->getCallee();
      site.indirect_type = call->getCallee()->getType();
    }
  } else if (const auto* op =
                 llvm::dyn_cast<clang::CXXOperatorCallExpr>(call)) {
    if (method != nullptr && call->getNumArgs() > 0) {
      site.this_expr = call->getArg(0);
      site.this_is_pointer = false;
      first_argument = 1;
    }
    (void)op;
  }
  if (method != nullptr && site.this_expr != nullptr) {
    // Trivial assignment operators are plain memory copies, not calls.
    if (IsTrivialSpecialMember(method) &&
        (method->isCopyAssignmentOperator() ||
         method->isMoveAssignmentOperator()) &&
        call->getNumArgs() == 2) {
      AccessEvent write;
      write.lvalue = call->getArg(0);
      write.write = true;
      write.location = call->getBeginLoc();
      accesses_.push_back(write);
      AccessEvent read;
      read.lvalue = call->getArg(1);
      read.read = true;
      read.location = call->getArg(1)->getBeginLoc();
      accesses_.push_back(read);
      stores_.emplace_back(call->getArg(0), call->getArg(1));
      Assignment assignment;
      assignment.lhs = call->getArg(0);
      assignment.rhs = call->getArg(1);
      assignments_.push_back(assignment);
      return true;
    }
    // Member functions of std::atomic: an atomic access to the object itself.
    clang::QualType object_type = site.this_expr->getType();
    if (site.this_is_pointer) object_type = object_type->getPointeeType();
    if (IsAtomicType(object_type)) {
      AccessEvent event;
      event.lvalue = site.this_expr;
      event.through_pointer = site.this_is_pointer;
      event.read = true;
      event.write = !method->isConst();
      event.force_atomic = true;
      event.location = call->getBeginLoc();
      accesses_.push_back(event);
    }
    site.is_virtual =
        method->isVirtual() && !method->hasAttr<clang::FinalAttr>();
    if (const auto* member = llvm::dyn_cast<clang::MemberExpr>(
            call->getCallee()->IgnoreParens())) {
      if (member->hasQualifier()) site.is_virtual = false;
    }
  }
  if (callee == nullptr && site.callee_expr == nullptr) {
    site.callee_expr = call->getCallee();
    clang::QualType type = call->getCallee()->getType();
    if (type->isPointerType()) type = type->getPointeeType();
    if (type->isBlockPointerType()) type = type->getPointeeType();
    if (type->isMemberFunctionPointerType()) {
      type = type->getAs<clang::MemberPointerType>()->getPointeeType();
    }
    site.indirect_type = type;
  }
  for (unsigned i = first_argument; i < call->getNumArgs(); ++i) {
    site.arguments.push_back(call->getArg(i));
  }
  // __sync_* builtins: an atomic read-modify-write of *arg0.
  if (callee != nullptr && callee->getBuiltinID() != 0 &&
      call->getNumArgs() > 0) {
    llvm::StringRef name = callee->getName();
    if (name.startswith("__sync_") || name.startswith("__atomic_")) {
      AccessEvent event;
      event.lvalue = call->getArg(0);
      event.through_pointer = true;
      event.read = true;
      event.write = !name.contains("load");
      event.force_atomic = true;
      event.location = call->getBeginLoc();
      accesses_.push_back(event);
    }
  }
  AddCall(std::move(site));
  return true;
}

bool FunctionFacts::VisitCXXConstructExpr(clang::CXXConstructExpr* construct) {
  const clang::CXXConstructorDecl* ctor = construct->getConstructor();
  if (ctor == nullptr) return true;
  if (ctor->isTrivial() ||
      (ctor->isDefaulted() && ctor->getParent()->isTriviallyCopyable() &&
       ctor->isCopyOrMoveConstructor())) {
    if (ctor->isCopyOrMoveConstructor() && construct->getNumArgs() >= 1) {
      AccessEvent read;
      read.lvalue = construct->getArg(0);
      read.read = true;
      read.location = construct->getArg(0)->getBeginLoc();
      accesses_.push_back(read);
    }
    return true;
  }
  CallSite site;
  site.expr = construct;
  site.callee = ctor;
  site.location = construct->getBeginLoc();
  for (const clang::Expr* arg : construct->arguments())
    site.arguments.push_back(arg);
  // The object under construction: conservatively a fresh object (a local, a
  // temporary or a new-expression); member and base initializers are handled by
  // the function's initializers.
  site.has_this_source = true;
  auto target = construct_targets_.find(construct);
  if (target != construct_targets_.end()) {
    site.this_source = target->second;
  } else {
    Path object;
    object.base = MemoryPath::BASE_FRESH;
    object.object = construct;
    object.name = "<constructed object>";
    Add(site.this_source, AddressOf(object));
  }
  AddCall(std::move(site));
  return true;
}

bool FunctionFacts::VisitCXXDeleteExpr(clang::CXXDeleteExpr* expr) {
  AccessEvent event;
  event.lvalue = expr->getArgument();
  event.through_pointer = true;
  event.write = true;
  event.location = expr->getBeginLoc();
  accesses_.push_back(event);
  clang::QualType type = expr->getDestroyedType();
  if (const clang::CXXRecordDecl* record =
          type.isNull() ? nullptr : type->getAsCXXRecordDecl()) {
    if (record->hasDefinition() && !record->hasTrivialDestructor()) {
      if (const clang::CXXDestructorDecl* dtor = record->getDestructor()) {
        CallSite site;
        site.callee = dtor;
        site.this_expr = expr->getArgument();
        site.this_is_pointer = true;
        site.is_virtual = dtor->isVirtual();
        site.location = expr->getBeginLoc();
        AddCall(std::move(site));
      }
    }
  }
  if (const clang::FunctionDecl* operator_delete = expr->getOperatorDelete()) {
    if (!operator_delete->isImplicit()) {
      CallSite site;
      site.callee = operator_delete;
      site.arguments.push_back(expr->getArgument());
      site.location = expr->getBeginLoc();
      AddCall(std::move(site));
    }
  }
  return true;
}

bool FunctionFacts::VisitCXXBindTemporaryExpr(
    clang::CXXBindTemporaryExpr* expr) {
  const clang::CXXTemporary* temporary = expr->getTemporary();
  if (temporary == nullptr || temporary->getDestructor() == nullptr)
    return true;
  CallSite site;
  site.callee = temporary->getDestructor();
  site.has_this_source = true;
  Path object;
  object.base = MemoryPath::BASE_FRESH;
  object.object = expr;
  object.name = "<temporary>";
  Add(site.this_source, AddressOf(object));
  site.location = expr->getBeginLoc();
  AddCall(std::move(site));
  return true;
}

bool FunctionFacts::VisitReturnStmt(clang::ReturnStmt* stmt) {
  if (stmt->getRetValue() != nullptr) returns_.push_back(stmt->getRetValue());
  return true;
}

bool FunctionFacts::VisitAtomicExpr(clang::AtomicExpr* expr) {
  AccessEvent event;
  event.lvalue = expr->getPtr();
  event.through_pointer = true;
  event.force_atomic = true;
  event.location = expr->getBeginLoc();
  switch (expr->getOp()) {
    case clang::AtomicExpr::AO__c11_atomic_load:
    case clang::AtomicExpr::AO__atomic_load:
    case clang::AtomicExpr::AO__atomic_load_n:
      event.read = true;
      break;
    case clang::AtomicExpr::AO__c11_atomic_init:
    case clang::AtomicExpr::AO__c11_atomic_store:
    case clang::AtomicExpr::AO__atomic_store:
    case clang::AtomicExpr::AO__atomic_store_n:
      event.write = true;
      break;
    default:
      event.read = event.write = true;
  }
  accesses_.push_back(event);
  return true;
}

bool FunctionFacts::VisitAsmStmt(clang::AsmStmt* stmt) {
  asms_.push_back(stmt);
  for (unsigned i = 0; i < stmt->getNumOutputs(); ++i) {
    AccessEvent event;
    event.lvalue = stmt->getOutputExpr(i);
    event.write = true;
    event.location = stmt->getBeginLoc();
    accesses_.push_back(event);
  }
  return true;
}

// --- resolution
// ------------------------------------------------------------------------------

struct DepthGuard {
  explicit DepthGuard(int& depth) : depth(depth) { ++depth; }
  ~DepthGuard() { --depth; }
  int& depth;
};
constexpr int kMaxDepth = 200;

Paths FunctionFacts::VariablePaths(const clang::VarDecl* var,
                                   const clang::Expr* ref) {
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
  } else {
    variable.base = MemoryPath::BASE_FRESH;
    variable.object = var;
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
  (void)ref;
  Add(result, variable);
  return result;
}

Paths FunctionFacts::MemberPaths(const clang::MemberExpr* member) {
  Paths result;
  const clang::ValueDecl* decl = member->getMemberDecl();
  if (const auto* var = llvm::dyn_cast<clang::VarDecl>(decl)) {
    return VariablePaths(var, member);  // Static data member.
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

Paths FunctionFacts::Deref(const Sources& sources,
                           const std::string& selector) {
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

Sources FunctionFacts::AddressOfPaths(const Paths& paths) {
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

Paths FunctionFacts::LValuePaths(const clang::Expr* expr) {
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
      return VariablePaths(var, ref);
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

Sources FunctionFacts::ValueOf(const clang::Expr* expr) {
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

Sources FunctionFacts::RValue(const clang::Expr* expr) {
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
        return AddressOfPaths(LValuePaths(sub));
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
    fresh.name = "<literal>";
    Add(result, AddressOf(fresh));
    return result;
  }
  Add(result, Unknown());
  return result;
}

Sources FunctionFacts::Load(const Path& path) {
  Sources result;
  if (path.base == MemoryPath::BASE_UNKNOWN) {
    Add(result, Unknown());
    return result;
  }
  bool is_variable =
      path.selectors.empty() && path.object != nullptr &&
      (path.base == MemoryPath::BASE_FRESH ||
       path.base == MemoryPath::BASE_PARAMETER) &&
      tracked_.contains(static_cast<const clang::VarDecl*>(path.object));
  if (is_variable) {
    auto it = var_sources_.find(path.object);
    if (it != var_sources_.end()) result = it->second;
    if (escaped_.count(path.object) || flow_incomplete_) Add(result, Unknown());
    return result;
  }
  if (path.base == MemoryPath::BASE_FRESH) {
    // A field of a fresh object: what this function stored there, or anything
    // if the object escaped (a callee may have stored into it).
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
    if (escaped_.count(path.object) || flow_incomplete_) Add(result, Unknown());
    return result;
  }
  Add(result, LoadedFrom(path));
  return result;
}

void FunctionFacts::MarkEscapes(const Sources& sources) {
  for (const auto& [key, source] : sources) {
    if (source.kind != Source::kAddressOf || source.path.object == nullptr)
      continue;
    if (source.path.base == MemoryPath::BASE_FRESH ||
        (source.path.base == MemoryPath::BASE_PARAMETER &&
         source.path.selectors.empty())) {
      escaped_.insert(source.path.object);
    }
  }
}

void FunctionFacts::ApplyAssignment(const Assignment& assignment) {
  Sources value = assignment.rhs_is_address
                      ? AddressOfPaths(LValuePaths(assignment.rhs))
                      : ValueOf(assignment.rhs);
  if (assignment.var != nullptr) {
    if (assignment.fields.empty()) {
      AddAll(var_sources_[assignment.var], value);
    } else {
      Path path;
      path.base = MemoryPath::BASE_FRESH;
      path.object = assignment.var;
      for (const std::string& field : assignment.fields)
        path = path.With(field);
      AddAll(field_sources_[path.Key()], value);
    }
    return;
  }
  for (const auto& [key, path] : LValuePaths(assignment.lhs)) {
    bool is_variable =
        path.selectors.empty() && path.object != nullptr &&
        (path.base == MemoryPath::BASE_FRESH ||
         path.base == MemoryPath::BASE_PARAMETER) &&
        tracked_.contains(static_cast<const clang::VarDecl*>(path.object));
    if (is_variable) {
      AddAll(var_sources_[path.object], value);
    } else if (path.base == MemoryPath::BASE_FRESH) {
      AddAll(field_sources_[path.Key()], value);
    } else {
      MarkEscapes(value);
    }
  }
}

bool FunctionFacts::ComputeFlowOnce() {
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
  for (const clang::Expr* value : returns_) MarkEscapes(ValueOf(value));
  for (const clang::AsmStmt* stmt : asms_) {
    for (unsigned i = 0; i < stmt->getNumInputs(); ++i)
      MarkEscapes(ValueOf(stmt->getInputExpr(i)));
    for (unsigned i = 0; i < stmt->getNumOutputs(); ++i) {
      MarkEscapes(AddressOfPaths(LValuePaths(stmt->getOutputExpr(i))));
    }
  }
  return size() != before;
}

void FunctionFacts::ComputeFlow() {
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
    if (!ComputeFlowOnce()) return;
  }
  flow_incomplete_ =
      true;  // Be conservative: every load from a local may be anything.
}

// --- emission
// --------------------------------------------------------------------------------

bool FunctionFacts::Recordable(const Path& path) {
  switch (path.base) {
    case MemoryPath::BASE_FRESH:
      return false;
    case MemoryPath::BASE_PARAMETER:
    case MemoryPath::BASE_RETURN:
      // The variable itself (or a field of a by-value struct parameter) is
      // local.
      return !path.selectors.empty() &&
             (path.selectors[0] == "*" || path.selectors[0] == "[]");
    default:
      return true;
  }
}

void FunctionFacts::ToProto(const Path& path, MemoryPath* out) const {
  out->set_base(path.base);
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

void FunctionFacts::ToProto(const Sources& sources,
                            v1::ArgumentValue* out) const {
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

void FunctionFacts::EmitAccess(const Path& path, v1::AccessKind kind,
                               clang::SourceLocation loc, bool atomic,
                               v1::Function* out) {
  if (!Recordable(path)) return;
  v1::Access* access = out->add_accesses();
  ToProto(path, access->mutable_path());
  access->set_kind(kind);
  *access->mutable_location() = context_.Location(loc);
  access->set_atomic(atomic);
}

void FunctionFacts::Run(v1::Function* out) {
  const clang::Stmt* body = function_->getBody();
  if (body == nullptr) return;
  // Constructors: member and base initializers are assignments to *this.
  if (const auto* ctor = llvm::dyn_cast<clang::CXXConstructorDecl>(function_)) {
    Path self;
    self.base = MemoryPath::BASE_THIS;
    self.name = "this";
    for (const clang::CXXCtorInitializer* init : ctor->inits()) {
      if (init->getInit() == nullptr) continue;
      Path target = self;
      if (const clang::FieldDecl* field = init->getAnyMember()) {
        target = FieldPath(self, field);
        member_inits_.push_back(init);
      }
      if (const auto* construct = llvm::dyn_cast<clang::CXXConstructExpr>(
              init->getInit()->IgnoreImplicit())) {
        Sources object;
        Add(object, AddressOf(target));
        construct_targets_[construct] = object;
      }
      TraverseStmt(init->getInit());
    }
  }
  TraverseStmt(const_cast<clang::Stmt*>(body));
  for (CallSite& site : pending_destructors_) AddCall(std::move(site));
  ComputeFlow();

  std::set<std::string>
      seen;  // De-duplicates identical accesses at one location.
  auto emit = [&](const Path& path, v1::AccessKind kind,
                  clang::SourceLocation loc, bool atomic) {
    v1::SourceLocation where = context_.Location(loc);
    std::string key = absl::StrCat(path.Key(), "#", kind, "#", where.line(),
                                   ":", where.column());
    if (!seen.insert(key).second) return;
    EmitAccess(path, kind, loc, atomic, out);
  };

  // Accesses.
  for (const AccessEvent& event : accesses_) {
    Paths paths = event.through_pointer ? Deref(ValueOf(event.lvalue), "*")
                                        : LValuePaths(event.lvalue);
    clang::QualType type = event.lvalue->getType();
    if (event.through_pointer && type->isPointerType())
      type = type->getPointeeType();
    bool atomic = event.force_atomic || IsAtomicType(type);
    for (const auto& [key, path] : paths) {
      if (event.read) emit(path, v1::ACCESS_KIND_READ, event.location, atomic);
      if (event.write)
        emit(path, v1::ACCESS_KIND_WRITE, event.location, atomic);
    }
  }
  for (const clang::CXXCtorInitializer* init : member_inits_) {
    const clang::FieldDecl* field = init->getAnyMember();
    Path target;
    target.base = MemoryPath::BASE_THIS;
    target.name = "this";
    target = FieldPath(target, field);
    emit(target, v1::ACCESS_KIND_WRITE, init->getSourceLocation(),
         IsAtomicType(field->getType()));
    if (field->getType()->isPointerType()) {
      Sources value = ValueOf(init->getInit());
      if (!value.empty()) {
        v1::PointerStore* store = out->add_stores();
        ToProto(target, store->mutable_target());
        ToProto(value, store->mutable_value());
        *store->mutable_location() =
            context_.Location(init->getSourceLocation());
      }
    }
  }
  for (const clang::AsmStmt* stmt : asms_) {
    emit(UnknownPath(), v1::ACCESS_KIND_WRITE, stmt->getBeginLoc(), false);
  }

  // Calls.
  for (size_t i = 0; i < calls_.size(); ++i) {
    const CallSite& site = calls_[i];
    v1::Call* call = out->add_calls();
    call->set_index(static_cast<uint32_t>(i));
    *call->mutable_location() = context_.Location(site.location);
    if (site.callee != nullptr) {
      call->set_callee_usr(context_.Usr(site.callee));
      call->set_callee_name(context_.FunctionName(site.callee));
    } else {
      if (!site.indirect_type.isNull()) {
        call->set_indirect_type(
            site.indirect_type.getCanonicalType().getAsString());
      }
      if (site.callee_expr != nullptr) {
        ToProto(ValueOf(site.callee_expr), call->mutable_callee_value());
      }
    }
    call->set_virtual_dispatch(site.is_virtual);
    for (const clang::Expr* arg : site.arguments) {
      ToProto(ValueOf(arg), call->add_arguments());
    }
    if (site.has_this_source) {
      ToProto(site.this_source, call->mutable_this_argument());
    } else if (site.this_expr != nullptr) {
      ToProto(site.this_is_pointer
                  ? ValueOf(site.this_expr)
                  : AddressOfPaths(LValuePaths(site.this_expr)),
              call->mutable_this_argument());
    }
  }

  // Stores of pointer values into memory that is not the function's own.
  std::set<std::string> stored;
  for (const auto& [lhs, rhs] : stores_) {
    Sources value = ValueOf(rhs);
    if (value.empty()) continue;
    for (const auto& [key, path] : LValuePaths(lhs)) {
      if (!Recordable(path)) continue;
      v1::PointerStore store;
      ToProto(path, store.mutable_target());
      ToProto(value, store.mutable_value());
      *store.mutable_location() = context_.Location(lhs->getBeginLoc());
      std::string dedup = store.SerializeAsString();
      if (!stored.insert(dedup).second) continue;
      *out->add_stores() = std::move(store);
    }
  }

  // What the function returns.
  Sources returned;
  for (const clang::Expr* value : returns_) {
    if (function_->getReturnType()->isReferenceType()) {
      AddAll(returned, AddressOfPaths(LValuePaths(value)));
    } else if (CarriesPointer(function_->getReturnType())) {
      AddAll(returned, ValueOf(value));
    }
  }
  ToProto(returned, out->mutable_returns());
}

}  // namespace

void SummarizeFunctionBody(SummaryContext& context,
                           const clang::FunctionDecl* function,
                           v1::Function* out) {
  FunctionFacts facts(context, function);
  facts.Run(out);
}

}  // namespace prism::frontend
