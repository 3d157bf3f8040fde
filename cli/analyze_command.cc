#include "cli/analyze_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/elf/build_id.h"
#include "services/analyzer/engine/engine.h"
#include "services/analyzer/engine/solved_memo.h"
#include "services/analyzer/frontend/compilation_database.h"
#include "services/analyzer/frontend/summarize.h"
#include "services/analyzer/service/sha256.h"

namespace prism::cli {
namespace {

struct Options {
  std::string build_dir;
  std::vector<std::string> files;
  std::vector<std::string> flags;
  bool has_flags = false;
  analyzer::ReportFormat format = analyzer::ReportFormat::kText;
  std::string emit_constraints;
  std::string binary;
  std::vector<std::string> overrides;
  std::vector<std::string> models;
  std::string output;
  std::string link_cache;
  int jobs = 0;
  bool help = false;
};

int UsageError(const std::string& message) {
  std::fprintf(stderr,
               "prism analyze: %s\nRun 'prism analyze --help' for usage.\n",
               message.c_str());
  return 2;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

bool WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return false;
  out << contents;
  return static_cast<bool>(out.flush());
}

using service::Sha256Hex;
using service::Sha256HexOfFile;

// Parses ARGS; returns an exit code >= 0 on a usage error, -1 when analysis
// should proceed.
int ParseArgs(const std::vector<std::string>& args, Options* options) {
  // Options that take a value, in both `--opt VALUE` and `--opt=VALUE`
  // spellings.
  auto value_of = [&](size_t* i, const std::string& name,
                      std::string* out) -> int {
    const std::string& arg = args[*i];
    if (arg == name) {
      if (*i + 1 >= args.size()) return 0;
      *out = args[++*i];
      return 1;
    }
    if (absl::StartsWith(arg, name + "=")) {
      *out = arg.substr(name.size() + 1);
      return 1;
    }
    return -1;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      options->has_flags = true;
      options->flags.assign(args.begin() + i + 1, args.end());
      break;
    }
    if (arg == "--help" || arg == "-h") {
      options->help = true;
      return -1;
    }
    std::string value;
    int matched;
    if ((matched = value_of(&i, "--format", &value)) >= 0) {
      if (matched == 0)
        return UsageError("--format needs a value: text, json or sarif");
      if (value == "text") {
        options->format = analyzer::ReportFormat::kText;
      } else if (value == "json") {
        options->format = analyzer::ReportFormat::kJson;
      } else if (value == "sarif") {
        options->format = analyzer::ReportFormat::kSarif;
      } else {
        return UsageError(absl::StrCat("unknown format '", value,
                                       "' (want text, json or sarif)"));
      }
    } else if ((matched = value_of(&i, "-p", &value)) >= 0) {
      if (matched == 0 || value.empty())
        return UsageError("-p needs a build directory");
      options->build_dir = value;
    } else if ((matched = value_of(&i, "--emit-constraints", &value)) >= 0) {
      if (matched == 0 || value.empty())
        return UsageError("--emit-constraints needs a file");
      options->emit_constraints = value;
    } else if ((matched = value_of(&i, "--binary", &value)) >= 0) {
      if (matched == 0 || value.empty())
        return UsageError("--binary needs an executable");
      options->binary = value;
    } else if ((matched = value_of(&i, "--overrides", &value)) >= 0) {
      if (matched == 0 || value.empty())
        return UsageError("--overrides needs a file");
      options->overrides.push_back(value);
    } else if ((matched = value_of(&i, "--link-cache", &value)) >= 0) {
      if (matched == 0 || value.empty())
        return UsageError("--link-cache needs a file");
      options->link_cache = value;
    } else if ((matched = value_of(&i, "--model", &value)) >= 0) {
      if (matched == 0 || value.empty())
        return UsageError("--model needs a file");
      options->models.push_back(value);
    } else if ((matched = value_of(&i, "-o", &value)) >= 0) {
      if (matched == 0 || value.empty()) return UsageError("-o needs a file");
      options->output = value;
    } else if (arg == "-j" || absl::StartsWith(arg, "-j")) {
      std::string number =
          arg.size() > 2 ? arg.substr(arg[2] == '=' ? 3 : 2) : "";
      if (number.empty()) {
        if (i + 1 >= args.size())
          return UsageError("-j needs a number of threads");
        number = args[++i];
      }
      if (!absl::SimpleAtoi(number, &options->jobs) || options->jobs < 1) {
        return UsageError(
            absl::StrCat("-j wants a positive number, not '", number, "'"));
      }
    } else if (absl::StartsWith(arg, "-") && arg != "-") {
      return UsageError(absl::StrCat("unknown option '", arg, "'"));
    } else {
      options->files.push_back(arg);
    }
  }
  if (options->build_dir.empty() && !options->has_flags) {
    return UsageError(
        "no compile commands: give -p BUILD_DIR (with compile_commands.json) "
        "or FILES... -- "
        "FLAGS");
  }
  if (!options->build_dir.empty() && options->has_flags) {
    return UsageError(
        "give either -p BUILD_DIR or FILES... -- FLAGS, not both");
  }
  if (options->has_flags && options->files.empty()) {
    return UsageError("no source files before '--'");
  }
  return -1;
}

std::string ProgramName(const Options& options) {
  auto stem = [](std::string path) {
    while (!path.empty() && path.back() == '/') path.pop_back();
    if (size_t slash = path.rfind('/'); slash != std::string::npos)
      path = path.substr(slash + 1);
    if (size_t dot = path.rfind('.'); dot != std::string::npos && dot > 0)
      path.resize(dot);
    return path;
  };
  if (!options.binary.empty()) return stem(options.binary);
  if (!options.build_dir.empty()) return stem(options.build_dir);
  return options.files.empty() ? "program" : stem(options.files.front());
}

}  // namespace

const char* AnalyzeUsage() {
  return R"(usage: prism analyze [options] -p BUILD_DIR [FILES...]
       prism analyze [options] FILES... -- COMPILER_FLAGS

Analyzes a libevent server in-process (no server needed): finds its event handlers and prints, for
every pair, whether they may conflict on global data (bit 0, value 1: never concurrent) or on
their context (bit 1, value 2: concurrent only on different contexts), with explanations.

  -p BUILD_DIR               read BUILD_DIR/compile_commands.json (only FILES, if given)
  FILES... -- FLAGS          analyze FILES compiled with FLAGS
  --format=text|json|sarif   report format (default text: matrix table + clang-style notes)
  -o FILE                    write the report to FILE instead of stdout
  --emit-constraints FILE    write the binary ConstraintSet the runtime loads
  --binary PATH              stamp the ConstraintSet with PATH's GNU build-id
  --overrides FILE           remove conflicts on resources: one 'resource: reason' line each
                             (resource as reports print it, a global's name, or record::field)
  --model FILE               extra library model file (format: services/analyzer/engine/README.md)
  -j N                       threads for parsing and the link step (default: one per core)
  --link-cache FILE          keep the link step's solved call-graph components in FILE, and take
                             from it those a change does not reach (incremental; same report)
  -h, --help                 print this text

Exit status: 0 analysis complete (conflicts are results, not errors); 1 analysis incomplete (a
translation unit failed to parse or a callback could not be resolved; the matrix is still safe,
only coarser) or an output could not be written; 2 usage or input error.
)";
}

int RunAnalyzeCommand(const std::vector<std::string>& args) {
  Options options;
  if (int status = ParseArgs(args, &options); status >= 0) return status;
  if (options.help) {
    std::fputs(AnalyzeUsage(), stdout);
    return 0;
  }

  analyzer::AnalysisOptions analysis;
  analysis.program = ProgramName(options);
  analysis.jobs =
      options.jobs > 0
          ? options.jobs
          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  absl::StatusOr<analyzer::ModelTable> models = analyzer::BuiltinModels();
  if (!models.ok()) return UsageError(std::string(models.status().message()));
  analysis.models = std::move(*models);
  // The model files, for the link cache's key.
  std::string model_digests;
  for (const std::string& path : options.models) {
    std::string text;
    if (!ReadFile(path, &text))
      return UsageError(absl::StrCat("cannot read model file ", path));
    absl::StrAppend(&model_digests, "\n", path, "\n", Sha256Hex(text));
    if (absl::Status status =
            analyzer::ParseModels(text, path, &analysis.models);
        !status.ok()) {
      return UsageError(std::string(status.message()));
    }
  }
  for (const std::string& path : options.overrides) {
    std::string text;
    if (!ReadFile(path, &text)) {
      return UsageError(absl::StrCat("cannot read overrides file ", path));
    }
    absl::StatusOr<std::vector<analyzer::Override>> parsed =
        analyzer::ParseOverrides(text, path);
    if (!parsed.ok()) return UsageError(std::string(parsed.status().message()));
    analysis.overrides.insert(analysis.overrides.end(), parsed->begin(),
                              parsed->end());
  }
  std::string build_id;
  if (!options.binary.empty()) {
    absl::StatusOr<std::string> id = ReadGnuBuildId(options.binary);
    if (!id.ok()) {
      return UsageError(absl::StrCat("cannot read the GNU build-id of ",
                                     options.binary, ": ",
                                     id.status().message()));
    }
    build_id = *id;
  }

  std::vector<std::string> command_line;
  if (!options.build_dir.empty()) {
    command_line = {"-p", options.build_dir};
    command_line.insert(command_line.end(), options.files.begin(),
                        options.files.end());
  } else {
    command_line = options.files;
    command_line.push_back("--");
    command_line.insert(command_line.end(), options.flags.begin(),
                        options.flags.end());
  }
  absl::StatusOr<std::vector<frontend::CompileCommand>> commands =
      frontend::CommandsFromCommandLine(command_line);
  if (!commands.ok())
    return UsageError(std::string(commands.status().message()));
  if (commands->empty()) return UsageError("no translation units to analyze");

  // What a solve depends on besides the summaries: this binary (the engine
  // and its built-in models) and the model files.
  std::optional<analyzer::SolvedMemo> memo;
  if (!options.link_cache.empty()) {
    if (struct stat info;
        stat(options.link_cache.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
      return UsageError(absl::StrCat("--link-cache wants a file; ",
                                     options.link_cache, " is a directory"));
    }
    std::optional<std::string> binary = Sha256HexOfFile("/proc/self/exe");
    if (!binary) {
      return UsageError("cannot read /proc/self/exe to key the link cache");
    }
    memo.emplace(*binary + model_digests);
    std::string kept;
    if (ReadFile(options.link_cache, &kept) && !memo->Load(kept)) {
      std::fprintf(stderr,
                   "prism analyze: %s is not a link cache this prism can read; "
                   "solving everything and rewriting it\n",
                   options.link_cache.c_str());
    }
    analysis.solved_memo = &*memo;
  }

  const auto start = std::chrono::steady_clock::now();
  std::vector<v1::TranslationUnitSummary> summaries =
      frontend::SummarizeAll(*commands, options.jobs);
  const auto summarized = std::chrono::steady_clock::now();
  absl::StatusOr<v1::AnalysisResult> result =
      analyzer::Analyze(summaries, analysis);
  if (std::getenv("PRISM_ANALYZE_TIMING") != nullptr) {
    // For benchmarks: where the time goes (per-TU pass vs link step).
    const auto linked = std::chrono::steady_clock::now();
    std::fprintf(stderr,
                 "prism analyze: %zu TUs, per-TU pass %.3f s, link %.3f s\n",
                 summaries.size(),
                 std::chrono::duration<double>(summarized - start).count(),
                 std::chrono::duration<double>(linked - summarized).count());
  }
  if (!result.ok()) return UsageError(std::string(result.status().message()));

  int exit_code = result->complete() ? 0 : 1;
  if (memo) {
    // Written aside and renamed: a run killed mid-write leaves the old file.
    const std::string temporary =
        absl::StrCat(options.link_cache, ".tmp.", getpid());
    if (!WriteFile(temporary, memo->Serialize()) ||
        std::rename(temporary.c_str(), options.link_cache.c_str()) != 0) {
      std::remove(temporary.c_str());
      std::fprintf(stderr, "prism analyze: cannot write the link cache %s\n",
                   options.link_cache.c_str());
      exit_code = 1;
    }
    std::fprintf(stderr,
                 "prism analyze: link step: %zu of %zu call-graph components "
                 "solved, the others from %s\n",
                 memo->solved(), memo->reused() + memo->solved(),
                 options.link_cache.c_str());
  }
  const std::string report = analyzer::FormatReport(*result, options.format);
  if (options.output.empty()) {
    std::fwrite(report.data(), 1, report.size(), stdout);
    std::fflush(stdout);
  } else if (!WriteFile(options.output, report)) {
    std::fprintf(stderr, "prism analyze: cannot write %s\n",
                 options.output.c_str());
    exit_code = 1;
  }
  if (!options.emit_constraints.empty()) {
    v1::ConstraintSet set = analyzer::BuildConstraintSet(*result, build_id);
    const std::string serialized_result = result->SerializeAsString();
    set.mutable_analysis()->set_sha256(Sha256Hex(serialized_result));
    set.mutable_analysis()->set_size_bytes(
        static_cast<int64_t>(serialized_result.size()));
    if (!WriteFile(options.emit_constraints, set.SerializeAsString())) {
      std::fprintf(stderr, "prism analyze: cannot write %s\n",
                   options.emit_constraints.c_str());
      exit_code = 1;
    }
  }
  if (!result->complete()) {
    std::fprintf(stderr,
                 "prism analyze: the analysis is incomplete (see the "
                 "diagnostics); the matrix "
                 "assumes the worst for what is missing\n");
  }
  return exit_code;
}

}  // namespace prism::cli
