#include "services/analyzer/service/paths.h"

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace prism::service {

const std::vector<std::string>& SystemHeaderDirectories() {
  static const std::vector<std::string>* directories =
      new std::vector<std::string>{
          "/usr/include",
          "/usr/local/include",
          "/usr/lib/gcc",
          "/usr/lib/llvm-14/lib/clang",
      };
  return *directories;
}

std::string NormalizePath(absl::string_view path, absl::string_view directory) {
  std::vector<absl::string_view> parts;
  auto push = [&parts](absl::string_view text) {
    for (absl::string_view part : absl::StrSplit(text, '/')) {
      if (part.empty() || part == ".") continue;
      if (part == "..") {
        if (!parts.empty()) parts.pop_back();
        continue;
      }
      parts.push_back(part);
    }
  };
  if (!absl::StartsWith(path, "/")) push(directory);
  push(path);
  return "/" + absl::StrJoin(parts, "/");
}

bool IsWithin(absl::string_view path, absl::string_view directory) {
  if (directory == "/") return absl::StartsWith(path, "/");
  return path == directory ||
         (absl::StartsWith(path, directory) && path[directory.size()] == '/');
}

bool IsInSystemHeaderDirectory(absl::string_view normalized_path) {
  for (const std::string& directory : SystemHeaderDirectories()) {
    if (IsWithin(normalized_path, directory)) return true;
  }
  return false;
}

}  // namespace prism::service
