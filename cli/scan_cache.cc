#include "cli/scan_cache.h"

#include <sys/stat.h>

#include <cstdlib>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/analyzer/service/atomic_file.h"
#include "services/analyzer/service/paths.h"
#include "services/analyzer/service/sha256.h"

namespace prism::cli {
namespace {

constexpr char kFormat[] = "prism-scan/1";

// Modification time in nanoseconds and size, or -1 for a path that is absent.
std::pair<int64_t, int64_t> Stamp(const std::string& path) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) return {-1, -1};
  return {int64_t{info.st_mtim.tv_sec} * 1000000000 + info.st_mtim.tv_nsec,
          info.st_size};
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Include search directories the command names, and its own directory.
std::set<std::string> SearchDirectories(
    const frontend::CompileCommand& command) {
  std::set<std::string> directories = {command.directory};
  const auto& args = command.arguments;
  for (size_t i = 1; i < args.size(); ++i) {
    for (const char* option : {"-I", "-iquote", "-isystem", "-idirafter"}) {
      if (!absl::StartsWith(args[i], option)) continue;
      std::string value = args[i].substr(std::string(option).size());
      if (value.empty() && i + 1 < args.size()) value = args[++i];
      if (!value.empty()) {
        directories.insert(service::NormalizePath(value, command.directory));
      }
      break;
    }
  }
  return directories;
}

// Every directory whose listing could change which files `command` reads.
std::set<std::string> WatchedDirectories(
    const frontend::CompileCommand& command,
    const std::vector<std::string>& files) {
  std::set<std::string> search = SearchDirectories(command);
  for (const std::string& file : files) search.insert(DirectoryOf(file));
  // Subdirectories headers were found under ("event2" for inc/event2/util.h),
  // relative to any search directory.
  std::set<std::string> relative = {""};
  for (const std::string& file : files) {
    for (const std::string& base : search) {
      if (!service::IsWithin(file, base) || file == base) continue;
      std::string rest =
          DirectoryOf(file.substr(base == "/" ? 0 : base.size()));
      while (!rest.empty() && rest != "/") {
        relative.insert(rest);
        rest = DirectoryOf(rest);
      }
    }
  }
  std::set<std::string> watched;
  for (const std::string& base : search) {
    for (const std::string& sub : relative) {
      watched.insert(service::NormalizePath(base + sub, "/"));
    }
  }
  return watched;
}

}  // namespace

ScanCache::ScanCache(std::string directory) : directory_(std::move(directory)) {
  if (directory_.empty()) {
    const char* xdg = std::getenv("XDG_CACHE_HOME");
    const char* home = std::getenv("HOME");
    directory_ = xdg != nullptr && *xdg != '\0'
                     ? absl::StrCat(xdg, "/prism/scan")
                     : absl::StrCat(home != nullptr ? home : "/tmp",
                                    "/.cache/prism/scan");
  }
}

std::string ScanCache::PathOf(const frontend::CompileCommand& command) const {
  std::string key = absl::StrCat(kFormat, "\n", frontend::kClangResourceDir,
                                 "\n", command.directory, "\n", command.file);
  for (const std::string& arg : command.arguments) {
    absl::StrAppend(&key, "\n", arg.size(), ":", arg);
  }
  return absl::StrCat(directory_, "/", service::Sha256Hex(key));
}

std::optional<std::vector<v1::SourceFile>> ScanCache::Lookup(
    const frontend::CompileCommand& command) const {
  std::optional<std::string> text = service::ReadWholeFile(PathOf(command));
  if (!text || !absl::StartsWith(*text, absl::StrCat(kFormat, "\n"))) {
    return std::nullopt;
  }
  std::vector<v1::SourceFile> files;
  bool ended = false;
  for (absl::string_view line :
       absl::StrSplit(absl::string_view(*text).substr(sizeof(kFormat)), '\n')) {
    if (line.empty()) continue;
    if (line == "end") {
      ended = true;
      continue;
    }
    // "F MTIME SIZE SHA256 PATH" or "D MTIME PATH".
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::MaxSplits(' ', line[0] == 'F' ? 4 : 2));
    int64_t mtime = 0, size = 0;
    if (fields.size() < 3 || !absl::SimpleAtoi(fields[1], &mtime)) {
      return std::nullopt;
    }
    const std::string path(fields.back());
    if (fields[0] == "D" && fields.size() == 3) {
      if (Stamp(path).first != mtime) return std::nullopt;
    } else if (fields[0] == "F" && fields.size() == 5 &&
               absl::SimpleAtoi(fields[2], &size) &&
               service::IsSha256Hex(fields[3])) {
      if (Stamp(path) != std::make_pair(mtime, size)) return std::nullopt;
      v1::SourceFile file;
      file.set_path(path);
      file.mutable_digest()->set_sha256(std::string(fields[3]));
      file.mutable_digest()->set_size_bytes(size);
      files.push_back(std::move(file));
    } else {
      return std::nullopt;
    }
  }
  if (!ended || files.empty()) return std::nullopt;
  return files;
}

void ScanCache::Store(const frontend::CompileCommand& command,
                      const std::vector<v1::SourceFile>& files) const {
  std::string text = absl::StrCat(kFormat, "\n");
  std::vector<std::string> paths;
  for (const v1::SourceFile& file : files) {
    if (file.path().find('\n') != std::string::npos) return;
    auto [mtime, size] = Stamp(file.path());
    if (size != file.digest().size_bytes()) return;  // Changed while read.
    absl::StrAppend(&text, "F ", mtime, " ", size, " ", file.digest().sha256(),
                    " ", file.path(), "\n");
    paths.push_back(file.path());
  }
  for (const std::string& directory : WatchedDirectories(command, paths)) {
    if (directory.find('\n') != std::string::npos) return;
    absl::StrAppend(&text, "D ", Stamp(directory).first, " ", directory, "\n");
  }
  text += "end\n";
  if (!service::MakeDirectories(directory_).ok()) return;
  (void)service::WriteFileAtomically(PathOf(command), text);
}

}  // namespace prism::cli
