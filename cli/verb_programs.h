// Which program runs each verb of `prism`.
//
// `prism` itself is small: `help` and `run` run in it, and every other verb is
// handed by exec to a program installed beside it, so each verb loads only the
// libraries it needs — `prism analyze` loads Clang but not gRPC, and starts
// about as fast as the compiler it is compared with; the verbs that may talk to
// prism-analyzer load gRPC.
#ifndef PRISM_CLI_VERB_PROGRAMS_H_
#define PRISM_CLI_VERB_PROGRAMS_H_

#include <string_view>

namespace prism::cli {

inline constexpr char kAnalyzeProgram[] = "prism-analyze";
inline constexpr char kClientProgram[] = "prism-client";

// The program that runs `verb` (argv[1] of prism), or nullptr for a verb of
// prism itself or an unknown one.
const char* ProgramForVerb(std::string_view verb);

// Replaces this process with `program`, found beside this binary
// (bazel-bin/cli/ or PREFIX/bin), given the same arguments. Returns only when
// that fails: prints one line naming what is missing, returns exit status 2.
int ExecVerbProgram(const char* program, char** argv);

// For a verb program's main: whether argv[1] is a verb it runs; if not, prints
// how it is meant to be run and the caller exits with status 2.
bool CheckVerbProgramCall(const char* program, int argc, char** argv);

}  // namespace prism::cli

#endif  // PRISM_CLI_VERB_PROGRAMS_H_
