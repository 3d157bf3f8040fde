// The file system one TU's analysis runs on: the files uploaded for that TU, in
// memory at the paths the build names, over the server's system header
// directories (paths.h) and nothing else. Any other path of the server
// (/etc/passwd, the server's own sources) does not exist for Clang: an #include
// of it fails exactly like a missing file, so none of its bytes can reach a
// summary or a diagnostic. A symlink inside a system directory that leads out
// of them is refused the same way.
#ifndef PRISM_SERVICES_ANALYZER_SERVICE_CONFINED_FILE_SYSTEM_H_
#define PRISM_SERVICES_ANALYZER_SERVICE_CONFINED_FILE_SYSTEM_H_

#include <map>
#include <string>

#include "llvm/Support/VirtualFileSystem.h"

namespace prism::service {

// `files`: normalized absolute path -> contents. `directory`: the compile's
// working directory.
llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> MakeConfinedFileSystem(
    const std::map<std::string, std::string>& files,
    const std::string& directory);

}  // namespace prism::service

#endif  // PRISM_SERVICES_ANALYZER_SERVICE_CONFINED_FILE_SYSTEM_H_
