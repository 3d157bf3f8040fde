// `prism run`: starts an unmodified, dynamically linked libevent server under
// Prism's runtime by preloading libprism-preload.so (lib/runtime/preload.cc)
// with the constraints for it, then becomes that server (exec): its exit
// status and signals are the server's own.
#ifndef PRISM_CLI_RUN_COMMAND_H_
#define PRISM_CLI_RUN_COMMAND_H_

#include <string>
#include <vector>

namespace prism::cli {

// Returns only on an error: 2 usage or input error, 127 the program cannot be
// run (one line says which).
int RunRunCommand(const std::vector<std::string>& args);

}  // namespace prism::cli

#endif  // PRISM_CLI_RUN_COMMAND_H_
