// How Prism's daemons (prism-analyzer, prism-agent) read their command line:
// --name=value options and bare switches, -h/--help printing the usage, and
// every mistake reported as one line that names it, with exit status 2.
#ifndef PRISM_SERVICES_COMMON_COMMAND_LINE_H_
#define PRISM_SERVICES_COMMON_COMMAND_LINE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace prism::daemon {

class CommandLine {
 public:
  // `program` prefixes every message; `usage` is what --help prints.
  CommandLine(const char* program, const char* usage)
      : program_(program), usage_(usage) {}

  // "PROGRAM: MESSAGE" on stderr, exit status 2.
  [[noreturn]] void Fail(const std::string& message) const;

  // Calls `option(name, value)` for every --name=value, and `option(arg, "")`
  // for every bare argument listed in `switches`; `option` returns false for a
  // name it does not know. -h and --help print the usage and exit 0.
  void Parse(int argc, char** argv, const std::vector<std::string>& switches,
             const std::function<bool(const std::string& name,
                                      const std::string& value)>& option) const;

  // `value` of option `name` as a number >= `minimum`, or Fail.
  int64_t Number(const std::string& name, const std::string& value,
                 int64_t minimum) const;
  // The contents of `path`, or Fail naming `what` ("TLS key").
  std::string ReadFileOrFail(const std::string& path, const char* what) const;
  // The bearer token on the first line of `path`, or Fail.
  std::string ReadTokenOrFail(const std::string& path) const;

  // $HOME/.cache/prism/LEAF (/tmp/.cache/prism/LEAF without a HOME).
  static std::string DefaultCacheDirectory(const std::string& leaf);

 private:
  const char* program_;
  const char* usage_;
};

}  // namespace prism::daemon

#endif  // PRISM_SERVICES_COMMON_COMMAND_LINE_H_
