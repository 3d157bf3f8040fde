#include "services/analyzer/service/compiler_arguments.h"

#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/analyzer/service/paths.h"

namespace prism::service {
namespace {

// Options that name a file or directory the compiler reads, as "-I DIR",
// "-IDIR" or
// "--sysroot=DIR". An option that is a prefix of another comes after it.
constexpr const char* kPathOptions[] = {
    "-I",         "-isystem",           "-iquote",
    "-idirafter", "-include-pch",       "-include",
    "-imacros",   "--sysroot",          "-isysroot",
    "-iprefix",   "-iwithprefixbefore", "-iwithprefix",
    "-F",         "-cxx-isystem",       "-fmodule-map-file",
};

// Options refused outright: they load code or read files by a route the upload
// cannot cover. -Wp, and -Xpreprocessor would pass include paths past the check
// of kPathOptions.
constexpr const char* kRefusedPrefixes[] = {
    "-fplugin",
    "-fpass-plugin",
    "-B",
    "-specs",
    "--specs",
    "--config",
    "-ivfsoverlay",
    "-fmodules-cache-path",
    "--prefix",
    "-Wp,",
    "-Xpreprocessor",
};

absl::Status Refuse(const std::string& argument, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "refused compiler argument '", argument.substr(0, 200), "': ", why));
}

// The value of path option `option` in arguments[*i] (joined or the next
// argument), or nullopt when arguments[*i] is not that option.
std::optional<std::string> PathValue(const std::vector<std::string>& arguments,
                                     size_t* i, absl::string_view option) {
  const std::string& argument = arguments[*i];
  if (!absl::StartsWith(argument, option)) return std::nullopt;
  absl::string_view rest = absl::string_view(argument).substr(option.size());
  if (rest.empty()) {
    if (*i + 1 >= arguments.size()) return std::string();
    return arguments[++*i];
  }
  if (rest[0] == '=') rest.remove_prefix(1);
  return std::string(rest);
}

}  // namespace

absl::Status CheckCompilerArguments(const std::vector<std::string>& arguments,
                                    const std::string& directory,
                                    const std::string& upload_root) {
  for (size_t i = 1; i < arguments.size(); ++i) {
    const std::string& argument = arguments[i];
    if (argument.find('\0') != std::string::npos) {
      return Refuse(argument, "it contains a NUL byte");
    }
    if (absl::StartsWith(argument, "@")) {
      return Refuse(argument,
                    "response files are not read; send the arguments "
                    "themselves");
    }
    if (argument == "-Xclang" || argument == "-Xclang=") {
      const std::string next = i + 1 < arguments.size() ? arguments[i + 1] : "";
      if (absl::StrContains(next, "load") ||
          absl::StrContains(next, "plugin")) {
        return Refuse(absl::StrCat(argument, " ", next),
                      "loading code into the analyzer is not allowed");
      }
      ++i;
      continue;
    }
    for (const char* prefix : kRefusedPrefixes) {
      if (absl::StartsWith(argument, prefix)) {
        return Refuse(argument,
                      "it loads code or reads files outside the upload");
      }
    }
    for (const char* option : kPathOptions) {
      size_t at = i;
      std::optional<std::string> value = PathValue(arguments, &at, option);
      if (!value) continue;
      const std::string named = at == i ? argument : argument + " " + *value;
      if (value->empty()) return Refuse(named, "it names no path");
      const std::string path = NormalizePath(*value, directory);
      if (!IsWithin(path, upload_root) && !IsInSystemHeaderDirectory(path)) {
        return Refuse(
            named, absl::StrCat("it points outside the upload (", upload_root,
                                ") and the system headers"));
      }
      i = at;
      break;
    }
  }
  return absl::OkStatus();
}

}  // namespace prism::service
