// Handler identity: a registration's matrix row comes from the callback's
// address, looked up in the symbol table of the code that holds it, and
// matched to the ConstraintSet's handlers by name, plus file for internal
// linkage (DESIGN.md invariant 3). The name the registration spelled (`#cb`)
// is used only when that code has no symbol table (a stripped binary).
#include "lib/runtime/identity.h"

#include <cxxabi.h>
#include <link.h>

#include <cstdlib>
#include <cstring>

#include "absl/strings/str_format.h"
#include "lib/runtime/runtime_state.h"

namespace prism {
namespace runtime {

std::string WithoutParameters(const std::string& demangled) {
  std::string name = demangled;
  // Trailing qualifiers of a member function: "f() const", "f() &&".
  for (;;) {
    size_t before = name.size();
    for (const char* q : {" const", " volatile", " &&", " &"}) {
      size_t n = std::strlen(q);
      if (name.size() > n && name.compare(name.size() - n, n, q) == 0) {
        name.resize(name.size() - n);
      }
    }
    if (name.size() == before) break;
  }
  if (name.empty() || name.back() != ')') return name;
  int depth = 0;
  for (size_t i = name.size(); i-- > 0;) {
    if (name[i] == ')') ++depth;
    if (name[i] == '(' && --depth == 0) return name.substr(0, i);
  }
  return name;
}

namespace {

struct Containing {
  const void* code;
  bool found = false;
  std::string path;
  uint64_t bias = 0;
};

int FindObject(dl_phdr_info* info, size_t, void* arg) {
  Containing* c = static_cast<Containing*>(arg);
  const uint64_t address = reinterpret_cast<uint64_t>(c->code);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& p = info->dlpi_phdr[i];
    if (p.p_type != PT_LOAD) continue;
    uint64_t start = info->dlpi_addr + p.p_vaddr;
    if (address >= start && address < start + p.p_memsz) {
      c->found = true;
      c->path = info->dlpi_name != nullptr ? info->dlpi_name : "";
      c->bias = info->dlpi_addr;
      return 1;
    }
  }
  return 0;
}

int FindProgram(dl_phdr_info* info, size_t, void* arg) {
  *static_cast<uint64_t*>(arg) = info->dlpi_addr;
  return 1;  // The first object reported is the program.
}

std::string Demangle(const std::string& name) {
  int status = 0;
  char* out = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  if (status != 0 || out == nullptr) return name;
  std::string result = WithoutParameters(out);
  std::free(out);
  return result;
}

}  // namespace

CodeIdentity SymbolTable::Identify(const void* code) {
  CodeIdentity id;
  if (code == nullptr) return id;
  Containing c;
  c.code = code;
  dl_iterate_phdr(FindObject, &c);
  if (!c.found) return id;
  uint64_t program_bias = 0;
  dl_iterate_phdr(FindProgram, &program_bias);
  // The program is reported first with an empty name; a shared library by
  // its path.
  id.in_program = c.path.empty() && c.bias == program_bias;
  id.object = id.in_program ? "/proc/self/exe" : c.path;
  id.offset = reinterpret_cast<uint64_t>(code) - c.bias;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(id.object);
  if (it == objects_.end()) {
    absl::StatusOr<FunctionSymbols> read = FunctionSymbols::Read(id.object);
    it = objects_
             .emplace(id.object, read.ok() ? std::make_unique<FunctionSymbols>(
                                                 *std::move(read))
                                           : nullptr)
             .first;
  }
  if (it->second == nullptr) return id;
  id.object_has_symtab = it->second->full();
  const FunctionSymbol* f = it->second->Find(id.offset);
  if (f == nullptr) return id;
  id.name = Demangle(f->name);
  id.local = f->local;
  id.file = f->file;
  return id;
}

std::string SymbolTable::Describe(const CodeIdentity& id) {
  if (id.name.has_value()) {
    return id.local && !id.file.empty()
               ? absl::StrFormat("'%s' (%s)", *id.name, id.file)
               : absl::StrFormat("'%s'", *id.name);
  }
  if (id.object.empty()) return "code outside every loaded object";
  return absl::StrFormat("%s+0x%x", id.in_program ? "the program" : id.object,
                         id.offset);
}

}  // namespace runtime
}  // namespace prism

int prism_runtime::Row(const void* callback, const char* name,
                       const char* file) {
  if (callback == nullptr) return handlers.unknown();
  prism::runtime::CodeIdentity id = symbols->Identify(callback);
  int row;
  std::string who;
  std::string stripped;  // Non-empty: the object has no symbol table.
  if (id.object_has_symtab) {
    row = id.name.has_value()
              ? handlers.ResolveQualified(*id.name,
                                          id.local ? id.file.c_str() : nullptr)
              : handlers.unknown();
    who = prism::runtime::SymbolTable::Describe(id);
  } else {
    row = handlers.Resolve(name, file);
    who = absl::StrFormat("'%s' (%s)", name != nullptr ? name : "?",
                          file != nullptr ? file : "?");
    stripped = id.in_program ? "this program" : id.object;
  }
  if (row != handlers.unknown() && stripped.empty()) return row;
  bool say_stripped = false, say_unknown = false;
  {
    std::lock_guard<std::mutex> lock(registry_mu);
    if (!stripped.empty()) {
      say_stripped = reported_unknown.insert("symtab:" + stripped).second;
    }
    if (row == handlers.unknown()) {
      say_unknown = reported_unknown.insert(who).second;
    }
  }
  if (say_stripped) {
    prism::runtime::Warn(absl::StrFormat(
        "%s has no symbol table (stripped?): its handlers are identified by "
        "the names their registrations spell, which a callback passed "
        "through a variable does not have",
        stripped));
  }
  if (say_unknown) {
    prism::runtime::Warn(absl::StrFormat(
        "handler %s is not in the constraints: it runs alone, as if it "
        "conflicted with every handler",
        who));
  }
  return row;
}
