#include "lib/elf/build_id.h"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/elf/elf_reader.h"

namespace prism {
namespace {

constexpr char kGnuNoteName[] = "GNU";

uint64_t AlignUp4(uint64_t n) { return (n + 3) & ~uint64_t{3}; }

std::string ToHex(const unsigned char* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    hex.push_back(kDigits[bytes[i] >> 4]);
    hex.push_back(kDigits[bytes[i] & 0xf]);
  }
  return hex;
}

}  // namespace

absl::StatusOr<std::string> ReadGnuBuildId(const std::string& path) {
  std::ifstream file;
  Elf64_Ehdr header;
  absl::Status opened = elf::OpenElf64(path, &file, &header);
  if (!opened.ok()) return opened;
  if (header.e_phentsize != sizeof(Elf64_Phdr) || header.e_phnum > 4096) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " has a malformed program header"));
  }
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment;
    if (!elf::ReadAt(file, header.e_phoff + uint64_t{i} * sizeof segment,
                     &segment, sizeof segment)) {
      return absl::InvalidArgumentError(absl::StrCat(path, " is truncated"));
    }
    if (segment.p_type != PT_NOTE || segment.p_filesz > (1u << 20)) continue;
    std::vector<unsigned char> notes(segment.p_filesz);
    if (!elf::ReadAt(file, segment.p_offset, notes.data(), notes.size())) {
      return absl::InvalidArgumentError(absl::StrCat(path, " is truncated"));
    }
    uint64_t at = 0;
    while (at + sizeof(Elf64_Nhdr) <= notes.size()) {
      Elf64_Nhdr note;
      std::memcpy(&note, notes.data() + at, sizeof note);
      const uint64_t name_at = at + sizeof note;
      const uint64_t desc_at = name_at + AlignUp4(note.n_namesz);
      const uint64_t next = desc_at + AlignUp4(note.n_descsz);
      if (next > notes.size()) break;
      if (note.n_type == NT_GNU_BUILD_ID &&
          note.n_namesz == sizeof kGnuNoteName &&
          std::memcmp(notes.data() + name_at, kGnuNoteName,
                      sizeof kGnuNoteName) == 0 &&
          note.n_descsz > 0) {
        return ToHex(notes.data() + desc_at, note.n_descsz);
      }
      at = next;
    }
  }
  return absl::NotFoundError(
      absl::StrCat(path, " has no GNU build-id (link it with -Wl,--build-id)"));
}

}  // namespace prism
