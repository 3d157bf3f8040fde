#include "services/common/command_line.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace prism::daemon {

void CommandLine::Fail(const std::string& message) const {
  std::fprintf(stderr, "%s: %s\n", program_, message.c_str());
  std::exit(2);
}

void CommandLine::Parse(
    int argc, char** argv, const std::vector<std::string>& switches,
    const std::function<bool(const std::string&, const std::string&)>& option)
    const {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(usage_, stdout);
      std::exit(0);
    }
    if (std::find(switches.begin(), switches.end(), arg) != switches.end()) {
      option(arg, "");
      continue;
    }
    const size_t equals = arg.find('=');
    if (!absl::StartsWith(arg, "--") || equals == std::string::npos) {
      Fail(absl::StrCat("unknown argument '", arg,
                        "' (options are --name=value; see --help)"));
    }
    const std::string name = arg.substr(0, equals);
    if (!option(name, arg.substr(equals + 1))) {
      Fail(absl::StrCat("unknown option '", name, "' (see --help)"));
    }
  }
}

int64_t CommandLine::Number(const std::string& name, const std::string& value,
                            int64_t minimum) const {
  int64_t parsed = 0;
  if (!absl::SimpleAtoi(value, &parsed) || parsed < minimum) {
    Fail(absl::StrCat(name, " wants a number >= ", minimum, ", not '", value,
                      "'"));
  }
  return parsed;
}

std::string CommandLine::ReadFileOrFail(const std::string& path,
                                        const char* what) const {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  if (!in || !(contents << in.rdbuf())) {
    Fail(absl::StrCat("cannot read the ", what, " ", path));
  }
  return contents.str();
}

std::string CommandLine::ReadTokenOrFail(const std::string& path) const {
  std::string token = ReadFileOrFail(path, "token file");
  token = token.substr(0, token.find('\n'));
  if (token.empty()) Fail(absl::StrCat(path, " holds no token"));
  return token;
}

std::string CommandLine::DefaultCacheDirectory(const std::string& leaf) {
  const char* home = std::getenv("HOME");
  return absl::StrCat(home != nullptr ? home : "/tmp", "/.cache/prism/", leaf);
}

}  // namespace prism::daemon
