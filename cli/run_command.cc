#include "cli/run_command.h"

#include <elf.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace prism::cli {
namespace {

constexpr char kUsage[] =
    R"(usage: prism run [options] -- PROGRAM [ARGS...]

Runs an unmodified, dynamically linked libevent server under Prism's runtime: preloads
libprism-preload.so, which turns on libevent's locking, puts every event base the program makes
under the runtime and routes its registrations (events, timers, signals, bufferevents, listeners,
event_once, the 1.x event_set family) through it. Handlers are identified by their address in the
program's symbol table. Without constraints for this binary (by GNU build-id) the program runs
serial, exactly as plain libevent, and the runtime says why on stderr.

  --constraints FILE   the ConstraintSet for PROGRAM (`prism analyze --emit-constraints FILE
                       --binary PROGRAM`); default: PRISM_CONSTRAINTS, else the host's prism-agent
  --scheduler NAME     serial, huecolor or exact (default: exact when constraints load)
  --workers N          worker threads (default: one per core)
  --check              checker mode: abort with a report on a conflicting overlap
  --preload PATH       the preload library (default: PRISM_PRELOAD, else beside this prism)
  -h, --help           print this text

The same without prism: LD_PRELOAD=/path/to/libprism-preload.so PRISM_CONSTRAINTS=FILE ./server
Exit status: the program's own; 2 usage or input error; 127 the program cannot be run.
)";

int UsageError(const std::string& message) {
  std::fprintf(stderr, "prism run: %s\n\n%s", message.c_str(), kUsage);
  return 2;
}

int InputError(const std::string& message) {
  std::fprintf(stderr, "prism run: %s\n", message.c_str());
  return 2;
}

std::optional<std::string> RealPath(const std::string& path) {
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) return std::nullopt;
  return std::string(resolved);
}

bool Readable(const std::string& path) {
  return access(path.c_str(), R_OK) == 0;
}

// Where the preload library is when nobody says: beside this prism as Bazel
// builds it (bazel-bin/cli/prism, bazel-bin/lib/runtime/), in its runfiles, or
// as installed (PREFIX/bin/prism, PREFIX/lib/).
std::optional<std::string> DefaultPreload() {
  const std::optional<std::string> self = RealPath("/proc/self/exe");
  if (!self.has_value()) return std::nullopt;
  const std::string dir = self->substr(0, self->rfind('/'));
  const std::string name = "libprism-preload.so";
  for (const std::string& candidate :
       {dir + "/../lib/runtime/" + name,
        *self + ".runfiles/prism/lib/runtime/" + name,
        dir + "/../lib/" + name}) {
    if (Readable(candidate)) return RealPath(candidate);
  }
  return std::nullopt;
}

// The file exec would run for `program` (PATH searched when it has no '/').
std::optional<std::string> ProgramFile(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    return access(program.c_str(), X_OK) == 0 ? std::optional(program)
                                              : std::nullopt;
  }
  const char* path = std::getenv("PATH");
  const std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
  for (size_t start = 0; start <= dirs.size();) {
    size_t end = dirs.find(':', start);
    if (end == std::string_view::npos) end = dirs.size();
    const std::string_view dir = dirs.substr(start, end - start);
    std::string candidate =
        std::string(dir.empty() ? "." : dir) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

// Whether `file` is an ELF executable without a program interpreter: linked
// statically, so no library can be preloaded into it.
bool StaticallyLinked(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  Elf64_Ehdr header;
  if (!in.read(reinterpret_cast<char*>(&header), sizeof header) ||
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
      header.e_ident[EI_CLASS] != ELFCLASS64 ||
      header.e_phentsize != sizeof(Elf64_Phdr)) {
    return false;  // A script, or not ELF64: exec decides.
  }
  for (int i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr phdr;
    in.seekg(header.e_phoff + i * sizeof phdr);
    if (!in.read(reinterpret_cast<char*>(&phdr), sizeof phdr)) return false;
    if (phdr.p_type == PT_INTERP) return false;
  }
  return true;
}

// Whether `text` is a whole decimal number from 1 to 1024.
bool ValidWorkerCount(const std::string& text) {
  if (text.empty() || text.size() > 4) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  const int count = std::stoi(text);
  return count >= 1 && count <= 1024;
}

}  // namespace

int RunRunCommand(const std::vector<std::string>& args) {
  std::string constraints, scheduler, workers, preload;
  bool check = false;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--check") {
      check = true;
      continue;
    }
    std::string* value = arg == "--constraints" ? &constraints
                         : arg == "--scheduler" ? &scheduler
                         : arg == "--workers"   ? &workers
                         : arg == "--preload"   ? &preload
                                                : nullptr;
    if (value == nullptr) {
      if (arg.rfind("-", 0) == 0)
        return UsageError("unknown option '" + arg + "'");
      break;  // The program, without "--".
    }
    if (i + 1 >= args.size()) return UsageError(arg + " needs a value");
    *value = args[++i];
  }
  if (i >= args.size()) return UsageError("no program to run");
  const std::vector<std::string> command(args.begin() + i, args.end());

  if (!scheduler.empty() && scheduler != "serial" && scheduler != "huecolor" &&
      scheduler != "exact") {
    return UsageError("unknown scheduler '" + scheduler +
                      "' (serial, huecolor or exact)");
  }
  if (!workers.empty() && !ValidWorkerCount(workers)) {
    return UsageError("--workers needs a number from 1 to 1024, not '" +
                      workers + "'");
  }
  if (!constraints.empty()) {
    std::optional<std::string> resolved = RealPath(constraints);
    if (!resolved.has_value() || !Readable(*resolved)) {
      return InputError("cannot read constraints '" + constraints +
                        "': " + std::strerror(errno != 0 ? errno : ENOENT));
    }
    constraints = *resolved;
  }
  if (preload.empty()) {
    if (const char* env = std::getenv("PRISM_PRELOAD"); env != nullptr && *env)
      preload = env;
  }
  std::optional<std::string> preload_path =
      preload.empty() ? DefaultPreload() : RealPath(preload);
  if (!preload_path.has_value() || !Readable(*preload_path)) {
    return InputError(
        preload.empty() ? "cannot find libprism-preload.so beside this prism; "
                          "give --preload PATH "
                          "(bazel build //lib/runtime:libprism-preload.so)"
                        : "cannot read the preload library '" + preload + "'");
  }

  const std::optional<std::string> program = ProgramFile(command[0]);
  if (!program.has_value()) {
    std::fprintf(stderr, "prism run: cannot run '%s': %s\n", command[0].c_str(),
                 std::strerror(ENOENT));
    return 127;
  }
  if (StaticallyLinked(*program)) {
    std::fprintf(stderr,
                 "prism run: '%s' is linked statically: no library can be "
                 "preloaded into it, so it runs as built (serial); link it "
                 "dynamically, or use the runtime's source-level API\n",
                 program->c_str());
  }

  // The preload library first: its definitions of libevent's registration
  // functions must come before libevent's own.
  std::string ld_preload = *preload_path;
  if (const char* existing = std::getenv("LD_PRELOAD");
      existing != nullptr && *existing) {
    ld_preload += std::string(":") + existing;
  }
  setenv("LD_PRELOAD", ld_preload.c_str(), 1);
  if (!constraints.empty()) setenv("PRISM_CONSTRAINTS", constraints.c_str(), 1);
  if (!scheduler.empty()) setenv("PRISM_SCHEDULER", scheduler.c_str(), 1);
  if (!workers.empty()) setenv("PRISM_WORKERS", workers.c_str(), 1);
  if (check) setenv("PRISM_CHECK", "1", 1);

  std::vector<char*> argv;
  for (const std::string& arg : command)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  execv(program->c_str(), argv.data());
  std::fprintf(stderr, "prism run: cannot run '%s': %s\n", program->c_str(),
               std::strerror(errno));
  return 127;
}

}  // namespace prism::cli
