// Which compiler arguments the service accepts. It compiles code it did not
// write, so it refuses every argument that would load code into it (plugins),
// read a file the upload does not hold (response files, config files, VFS
// overlays, include paths and forced includes outside the upload), or run tools
// from elsewhere (-B, -specs=). The file system the analysis runs on
// (confined_file_system.h) enforces the same confinement; this check gives the
// clear message. Thread-safe (pure function).
#ifndef PRISM_SERVICES_ANALYZER_SERVICE_COMPILER_ARGUMENTS_H_
#define PRISM_SERVICES_ANALYZER_SERVICE_COMPILER_ARGUMENTS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace prism::service {

// OK, or INVALID_ARGUMENT naming the first refused argument. `arguments`
// include argv[0]; `directory` is the compile's (absolute) working directory;
// `upload_root` the directory that holds every uploaded file of the build:
// paths given to -I, -isystem, -include, --sysroot, ... must lie inside it or
// inside a system header directory.
absl::Status CheckCompilerArguments(const std::vector<std::string>& arguments,
                                    const std::string& directory,
                                    const std::string& upload_root);

}  // namespace prism::service

#endif  // PRISM_SERVICES_ANALYZER_SERVICE_COMPILER_ARGUMENTS_H_
