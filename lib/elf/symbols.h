// The function symbols of an ELF file (.symtab, else .dynsym): what names a
// code address, so the runtime identifies a handler by the callback's address
// rather than by how its registration spelled it (DESIGN.md invariant 3: a
// handler is its name, plus its file for internal-linkage functions).
// Thread-safe after construction; reads the file, never maps or runs it.
#ifndef PRISM_LIB_ELF_SYMBOLS_H_
#define PRISM_LIB_ELF_SYMBOLS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace prism {

struct FunctionSymbol {
  uint64_t value = 0;  // st_value: the link-time address.
  uint64_t size = 0;
  std::string name;    // As in the file (C++ names mangled).
  std::string file;    // For local (static) functions: the STT_FILE before
                       // it in .symtab (usually the source's base name).
  bool local = false;  // STB_LOCAL: internal linkage.
};

class FunctionSymbols {
 public:
  // Reads STT_FUNC symbols with a definition. NotFound when the file has
  // neither .symtab nor .dynsym (or neither lists a function);
  // InvalidArgument when it is not a 64-bit little-endian ELF file or is
  // malformed.
  static absl::StatusOr<FunctionSymbols> Read(const std::string& path);

  // The function whose [value, value + size) holds `link_address` (a size-0
  // symbol matches its exact address only); nullptr when none does.
  const FunctionSymbol* Find(uint64_t link_address) const;
  // Whether the symbols came from the full .symtab (false: only .dynsym,
  // which lists exported functions only).
  bool full() const { return full_; }
  size_t size() const { return symbols_.size(); }

 private:
  std::vector<FunctionSymbol> symbols_;  // Sorted by value.
  bool full_ = false;
};

}  // namespace prism

#endif  // PRISM_LIB_ELF_SYMBOLS_H_
