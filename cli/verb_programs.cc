#include "cli/verb_programs.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

namespace prism::cli {
namespace {

struct VerbProgram {
  std::string_view verb;
  const char* program;
};

// The one table of who runs what.
constexpr VerbProgram kVerbPrograms[] = {
    {"analyze", kAnalyzeProgram},    {"submit", kClientProgram},
    {"conflicts", kClientProgram},   {"explain", kClientProgram},
    {"constraints", kClientProgram}, {"report", kClientProgram},
};

std::string DirectoryOfThisProgram() {
  char resolved[PATH_MAX];
  if (realpath("/proc/self/exe", resolved) == nullptr) return ".";
  const std::string self = resolved;
  return self.substr(0, self.rfind('/'));
}

}  // namespace

const char* ProgramForVerb(std::string_view verb) {
  for (const VerbProgram& entry : kVerbPrograms) {
    if (entry.verb == verb) return entry.program;
  }
  return nullptr;
}

int ExecVerbProgram(const char* program, char** argv) {
  const std::string path = DirectoryOfThisProgram() + "/" + program;
  execv(path.c_str(), argv);
  std::fprintf(stderr,
               "prism %s: cannot run %s (%s); it is installed beside prism "
               "(bazel build //cli:prism builds it)\n",
               argv[1], path.c_str(), std::strerror(errno));
  return 2;
}

bool CheckVerbProgramCall(const char* program, int argc, char** argv) {
  if (argc >= 2) {
    const char* runs = ProgramForVerb(argv[1]);
    if (runs != nullptr && std::strcmp(runs, program) == 0) return true;
  }
  std::string verbs;
  for (const VerbProgram& entry : kVerbPrograms) {
    if (std::strcmp(entry.program, program) != 0) continue;
    if (!verbs.empty()) verbs += ", ";
    verbs += entry.verb;
  }
  std::fprintf(stderr, "%s: run it as 'prism VERB' (its verbs: %s)\n", program,
               verbs.c_str());
  return false;
}

}  // namespace prism::cli
