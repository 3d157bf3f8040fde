// Reads the GNU build-id of an ELF executable: the identity a ConstraintSet
// belongs to (DESIGN.md invariant 2). Used by the runtime (its own executable)
// and by `prism analyze
// --binary`. Thread-safe; reads the file, never maps or runs it.
#ifndef PRISM_LIB_ELF_BUILD_ID_H_
#define PRISM_LIB_ELF_BUILD_ID_H_

#include <string>

#include "absl/status/statusor.h"

namespace prism {

// The build-id of the ELF file at `path` as lowercase hex. NotFound when the
// file has no NT_GNU_BUILD_ID note (linked without -Wl,--build-id);
// InvalidArgument when it is not a 64-bit little-endian ELF file; the I/O error
// otherwise.
absl::StatusOr<std::string> ReadGnuBuildId(const std::string& path);

}  // namespace prism

#endif  // PRISM_LIB_ELF_BUILD_ID_H_
