#include "lib/elf/symbols.h"

#include <elf.h>

#include <algorithm>
#include <fstream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/elf/elf_reader.h"

namespace prism {
namespace {

// Sanity bound on one table read into memory (a symbol table or its strings).
constexpr uint64_t kMaxTableBytes = uint64_t{1} << 30;

absl::Status Truncated(const std::string& path) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, " is truncated or has a malformed section table"));
}

}  // namespace

absl::StatusOr<FunctionSymbols> FunctionSymbols::Read(const std::string& path) {
  std::ifstream file;
  Elf64_Ehdr header;
  absl::Status opened = elf::OpenElf64(path, &file, &header);
  if (!opened.ok()) return opened;
  if (header.e_shoff == 0 || header.e_shnum == 0) {
    return absl::NotFoundError(absl::StrCat(path, " has no section table"));
  }
  if (header.e_shentsize != sizeof(Elf64_Shdr)) {
    return Truncated(path);
  }
  std::vector<Elf64_Shdr> sections(header.e_shnum);
  if (!elf::ReadAt(file, header.e_shoff, sections.data(),
                   sections.size() * sizeof(Elf64_Shdr))) {
    return Truncated(path);
  }
  const Elf64_Shdr* table = nullptr;
  for (uint32_t type : {SHT_SYMTAB, SHT_DYNSYM}) {
    for (const Elf64_Shdr& s : sections) {
      if (s.sh_type == type && table == nullptr) table = &s;
    }
  }
  if (table == nullptr) {
    return absl::NotFoundError(
        absl::StrCat(path, " has no symbol table (.symtab or .dynsym)"));
  }
  if (table->sh_link >= sections.size() || table->sh_size > kMaxTableBytes ||
      table->sh_entsize != sizeof(Elf64_Sym)) {
    return Truncated(path);
  }
  const Elf64_Shdr& strings_section = sections[table->sh_link];
  if (strings_section.sh_size > kMaxTableBytes) return Truncated(path);
  std::vector<Elf64_Sym> entries(table->sh_size / sizeof(Elf64_Sym));
  std::string strings(strings_section.sh_size, '\0');
  if (!elf::ReadAt(file, table->sh_offset, entries.data(),
                   entries.size() * sizeof(Elf64_Sym)) ||
      !elf::ReadAt(file, strings_section.sh_offset, strings.data(),
                   strings.size())) {
    return Truncated(path);
  }
  auto name_at = [&](uint32_t offset) -> std::string {
    if (offset >= strings.size()) return "";
    return std::string(strings.c_str() + offset);
  };

  FunctionSymbols out;
  out.full_ = table->sh_type == SHT_SYMTAB;
  std::string file_name;  // The STT_FILE that local symbols follow.
  for (const Elf64_Sym& sym : entries) {
    const int type = ELF64_ST_TYPE(sym.st_info);
    const int bind = ELF64_ST_BIND(sym.st_info);
    if (type == STT_FILE) {
      file_name = name_at(sym.st_name);
      continue;
    }
    if (type != STT_FUNC || sym.st_shndx == SHN_UNDEF || sym.st_value == 0) {
      continue;
    }
    FunctionSymbol f;
    f.value = sym.st_value;
    f.size = sym.st_size;
    f.name = name_at(sym.st_name);
    f.local = bind == STB_LOCAL;
    if (f.local) f.file = file_name;
    if (!f.name.empty()) out.symbols_.push_back(std::move(f));
  }
  if (out.symbols_.empty()) {
    return absl::NotFoundError(
        absl::StrCat(path, " has a symbol table without functions"));
  }
  std::stable_sort(out.symbols_.begin(), out.symbols_.end(),
                   [](const FunctionSymbol& a, const FunctionSymbol& b) {
                     return a.value < b.value;
                   });
  return out;
}

const FunctionSymbol* FunctionSymbols::Find(uint64_t link_address) const {
  // The last symbol starting at or before the address.
  auto it = std::upper_bound(
      symbols_.begin(), symbols_.end(), link_address,
      [](uint64_t a, const FunctionSymbol& s) { return a < s.value; });
  while (it != symbols_.begin()) {
    --it;
    if (it->value == link_address) return &*it;
    if (it->value + it->size > link_address) return &*it;
    if (it->value < link_address) break;
  }
  return nullptr;
}

}  // namespace prism
