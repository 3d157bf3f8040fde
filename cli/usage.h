// The `prism` command's usage text: one source for --help, errors and tests.
#ifndef PRISM_CLI_USAGE_H_
#define PRISM_CLI_USAGE_H_

#include <string_view>

namespace prism::cli {

// Full usage text printed by `prism --help` and after a usage error.
std::string_view UsageText();

}  // namespace prism::cli

#endif  // PRISM_CLI_USAGE_H_
