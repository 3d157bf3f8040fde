#include "services/analyzer/service/build_manifest.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/analyzer/service/compiler_arguments.h"
#include "services/analyzer/service/paths.h"
#include "services/analyzer/service/sha256.h"

namespace prism::service {
namespace {

constexpr size_t kMaxNamedMissing = 20;

bool IsHex(absl::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
  });
}

// The deepest directory holding every TU's directory and every file of `build`.
std::string UploadRoot(const v1::Build& build) {
  std::vector<std::string> paths;
  for (const v1::TranslationUnit& unit : build.units()) {
    paths.push_back(unit.directory());
    for (const v1::SourceFile& file : unit.files()) {
      paths.push_back(file.path().substr(0, file.path().rfind('/')));
    }
  }
  std::string root = paths.empty() ? "/" : paths.front();
  for (const std::string& path : paths) {
    while (!IsWithin(path, root)) {
      root = root.substr(0, root.rfind('/'));
      if (root.empty()) return "/";
    }
  }
  return root.empty() ? "/" : root;
}

absl::Status CheckUnit(int index, v1::TranslationUnit* unit) {
  const std::string where = absl::StrCat("translation unit ", index, " (",
                                         unit->main_file().substr(0, 200), ")");
  if (unit->main_file().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("translation unit ", index, " names no main_file"));
  }
  if (!absl::StartsWith(unit->directory(), "/")) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": directory must be an absolute path"));
  }
  if (unit->arguments().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": no compiler arguments"));
  }
  for (const std::string* text : {&unit->main_file(), &unit->directory()}) {
    if (text->find('\0') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": a path contains a NUL byte"));
    }
  }
  unit->set_directory(NormalizePath(unit->directory(), "/"));
  const std::string main_path =
      NormalizePath(unit->main_file(), unit->directory());
  bool has_main = false;
  for (v1::SourceFile& file : *unit->mutable_files()) {
    if (file.path().empty() || file.path().find('\0') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": a file has an empty or NUL-bearing path"));
    }
    if (absl::Status valid = CheckDigest(file.digest()); !valid.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ", file ", file.path().substr(0, 200), ": ", valid.message()));
    }
    file.set_path(NormalizePath(file.path(), unit->directory()));
    has_main = has_main || file.path() == main_path;
  }
  if (!has_main) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": its main file is not among its files"));
  }
  // Order does not change what a TU reads; sorting makes the id independent of
  // it.
  std::sort(unit->mutable_files()->begin(), unit->mutable_files()->end(),
            [](const v1::SourceFile& a, const v1::SourceFile& b) {
              return a.path() < b.path();
            });
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CheckedBuild> CheckBuild(const v1::Build& build,
                                        const BuildLimits& limits,
                                        const BlobStore& blobs,
                                        const std::string& server_fingerprint) {
  CheckedBuild checked;
  checked.build = build;
  v1::Build& manifest = checked.build;
  if (manifest.program().empty()) {
    return absl::InvalidArgumentError("the build names no program");
  }
  if (manifest.units().empty()) {
    return absl::InvalidArgumentError("the build has no translation units");
  }
  if (manifest.units_size() > limits.max_units) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the build has ", manifest.units_size(),
                     " translation units, over the limit of ", limits.max_units,
                     " (--max-units)"));
  }
  absl::AsciiStrToLower(manifest.mutable_build_id());
  if (!IsHex(manifest.build_id()) || manifest.build_id().size() % 2 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("build_id '", build.build_id().substr(0, 80),
                     "' is not a hex GNU build-id"));
  }
  for (const v1::Override& override : manifest.overrides()) {
    if (override.resource().empty()) {
      return absl::InvalidArgumentError("an override names no resource");
    }
    if (override.kind() != v1::CONFLICT_KIND_FILTER_ANY) {
      return absl::InvalidArgumentError(
          absl::StrCat("override of ", override.resource(),
                       ": kind filters are not supported; remove both kinds"));
    }
  }
  for (int i = 0; i < manifest.units_size(); ++i) {
    if (absl::Status unit = CheckUnit(i, manifest.mutable_units(i));
        !unit.ok()) {
      return unit;
    }
  }
  const std::string root = UploadRoot(manifest);
  std::map<std::string, v1::Digest> distinct;
  for (const v1::TranslationUnit& unit : manifest.units()) {
    if (absl::Status arguments = CheckCompilerArguments(
            {unit.arguments().begin(), unit.arguments().end()},
            unit.directory(), root);
        !arguments.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "translation unit ", unit.main_file(), ": ", arguments.message()));
    }
    for (const v1::SourceFile& file : unit.files()) {
      distinct.emplace(file.digest().sha256(), file.digest());
    }
  }
  int64_t total = 0;
  std::vector<std::string> missing;
  for (const auto& [sha, digest] : distinct) {
    total += digest.size_bytes();
    if (!blobs.Contains(digest)) missing.push_back(DigestName(digest));
  }
  if (total > limits.max_build_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the build's files total ", total, " bytes, over the limit of ",
        limits.max_build_bytes, " bytes (--max-build-bytes)"));
  }
  if (!missing.empty()) {
    const size_t count = missing.size();
    if (count > kMaxNamedMissing) missing.resize(kMaxNamedMissing);
    return absl::FailedPreconditionError(absl::StrCat(
        count,
        " blob(s) of the build are not uploaded (upload them, then "
        "submit again): ",
        absl::StrJoin(missing, ", "), count > kMaxNamedMissing ? ", ..." : ""));
  }
  std::string serialized;
  manifest.SerializeToString(&serialized);
  checked.analysis_id = Sha256Hex(
      absl::StrCat("prism-analysis/1\n", server_fingerprint, "\n", serialized));
  return checked;
}

}  // namespace prism::service
