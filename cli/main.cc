// The `prism` command-line tool.
#include <cstdio>
#include <string>
#include <string_view>

#include "cli/usage.h"

namespace {

int PrintUsage(std::FILE* out) {
  std::fputs(prism::cli::UsageText().data(), out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    PrintUsage(stderr);
    return 2;
  }
  const std::string_view command = argv[1];
  if (command == "help" || command == "--help" || command == "-h") {
    return PrintUsage(stdout);
  }
  std::fprintf(stderr, "prism: unknown command '%s'\n\n", argv[1]);
  PrintUsage(stderr);
  return 2;
}
