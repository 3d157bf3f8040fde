// Reading parts of an ELF file by offset: what the build-id and symbol readers
// share. Internal to lib/elf.
#ifndef PRISM_LIB_ELF_ELF_READER_H_
#define PRISM_LIB_ELF_ELF_READER_H_

#include <elf.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace prism {
namespace elf {

// Reads `size` bytes at `offset`; false on a short read.
inline bool ReadAt(std::ifstream& file, uint64_t offset, void* out,
                   size_t size) {
  file.clear();
  file.seekg(static_cast<std::streamoff>(offset));
  file.read(static_cast<char*>(out), static_cast<std::streamsize>(size));
  return static_cast<size_t>(file.gcount()) == size;
}

// Opens `path` and reads its ELF header: a 64-bit little-endian ELF file, or
// the error saying why not.
inline absl::Status OpenElf64(const std::string& path, std::ifstream* file,
                              Elf64_Ehdr* header) {
  file->open(path, std::ios::binary);
  if (!*file) {
    return absl::NotFoundError(
        absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  if (!ReadAt(*file, 0, header, sizeof *header) ||
      std::memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 ||
      header->e_ident[EI_CLASS] != ELFCLASS64 ||
      header->e_ident[EI_DATA] != ELFDATA2LSB) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not a 64-bit little-endian ELF file"));
  }
  return absl::OkStatus();
}

}  // namespace elf
}  // namespace prism

#endif  // PRISM_LIB_ELF_ELF_READER_H_
