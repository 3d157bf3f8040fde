// Which function a callback address is: the name (demangled, without its
// parameter list, as the analyzer names handlers) and, for internal-linkage
// functions, the file, read from the symbol table of the object that holds
// the code (the program's own, or a shared library's). Thread-safe.
#ifndef PRISM_LIB_RUNTIME_IDENTITY_H_
#define PRISM_LIB_RUNTIME_IDENTITY_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "lib/elf/symbols.h"

namespace prism {
namespace runtime {

struct CodeIdentity {
  // The object holding the code ("" when no loaded object does) and whether
  // it is the program itself rather than a shared library.
  std::string object;
  bool in_program = false;
  // Whether `object` has a full symbol table (.symtab): only then does a
  // missing symbol mean "no function the analyzer could know".
  bool object_has_symtab = false;
  // The function, when the symbol table names it.
  std::optional<std::string> name;
  std::string file;  // Internal linkage only: the source file's name.
  bool local = false;
  uint64_t offset = 0;  // The address relative to the object's load base.
};

class SymbolTable {
 public:
  CodeIdentity Identify(const void* code);
  // "name (file)", "name", or "object+0xOFFSET" for reports.
  static std::string Describe(const CodeIdentity& id);

 private:
  std::mutex mu_;
  // Per object path: its symbols, or nullptr when it has none.
  absl::flat_hash_map<std::string, std::unique_ptr<FunctionSymbols>> objects_;
};

// "ns::Class::method(int, short)" → "ns::Class::method": the analyzer's name
// of a demangled function (the parameter list and qualifiers dropped).
std::string WithoutParameters(const std::string& demangled);

}  // namespace runtime
}  // namespace prism

#endif  // PRISM_LIB_RUNTIME_IDENTITY_H_
