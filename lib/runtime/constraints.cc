#include "lib/runtime/constraints.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include <atomic>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace prism {
namespace runtime {

absl::StatusOr<prism::v1::ConstraintSet> ReadConstraintFile(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrFormat("cannot open %s", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad())
    return absl::DataLossError(absl::StrFormat("cannot read %s", path));
  const std::string data = buffer.str();
  if (data.empty())
    return absl::InvalidArgumentError(absl::StrFormat("%s is empty", path));

  prism::v1::ConstraintSet set;
  size_t first = data.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && data[first] == '{') {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    auto status =
        google::protobuf::util::JsonStringToMessage(data, &set, options);
    if (status.ok()) return set;
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s is not a ConstraintSet in JSON: %s", path, status.ToString()));
  }
  if (set.ParseFromString(data)) return set;
  set.Clear();
  // Quiet: a wrong file is reported once, by the caller, not line by line on
  // stderr.
  class Quiet : public google::protobuf::io::ErrorCollector {
   public:
    void AddError(int, int, const std::string&) override {}
  } quiet;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&quiet);
  parser.AllowPartialMessage(false);
  if (parser.ParseFromString(data, &set)) return set;
  return absl::InvalidArgumentError(absl::StrFormat(
      "%s is not a ConstraintSet (neither binary, JSON nor text format)",
      path));
}

absl::Status ValidateConstraints(const prism::v1::ConstraintSet& set,
                                 const std::string& build_id) {
  if (set.format_version() != 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "constraints have format_version %d, this runtime reads version 1",
        set.format_version()));
  }
  if (absl::AsciiStrToLower(set.build_id()) !=
      absl::AsciiStrToLower(build_id)) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "constraints are for build-id '%s', this binary is build-id %s",
        set.build_id(), build_id));
  }
  const uint64_t n = set.handlers_size();
  if (set.matrix().size() != n) {
    return absl::InvalidArgumentError(
        absl::StrFormat("constraint matrix has size %d but names %d handlers",
                        set.matrix().size(), n));
  }
  const std::string& cells = set.matrix().cells();
  if (cells.size() != n * n) {
    return absl::InvalidArgumentError(
        absl::StrFormat("constraint matrix has %d cells, expected %d x %d",
                        cells.size(), n, n));
  }
  for (uint64_t a = 0; a < n; ++a) {
    for (uint64_t b = 0; b < n; ++b) {
      uint8_t cell = static_cast<uint8_t>(cells[a * n + b]);
      if (cell > 3) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "constraint matrix cell [%d][%d] is %d, not 0..3", a, b, cell));
      }
      if (cell != static_cast<uint8_t>(cells[b * n + a])) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "constraint matrix is not symmetric at [%d][%d]", a, b));
      }
    }
  }
  for (uint64_t i = 0; i < n; ++i) {
    if (set.handlers(i).name().empty()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("constraint handler %d has no name", i));
    }
  }
  return absl::OkStatus();
}

namespace {

class NoAgent : public ConstraintSource {
 public:
  explicit NoAgent(std::string socket) : socket_(std::move(socket)) {}
  absl::StatusOr<prism::v1::ConstraintSet> GetConstraints(
      const std::string&, const std::string& build_id, int) override {
    if (socket_.empty())
      return absl::NotFoundError("no agent socket configured");
    return absl::NotFoundError(absl::StrFormat(
        "no agent client in this runtime build (socket %s, build-id %s)",
        socket_, build_id));
  }

 private:
  std::string socket_;
};

std::vector<std::string> PathComponents(const std::string& path) {
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    parts.emplace_back(part);
  }
  return parts;
}

}  // namespace

namespace {
std::atomic<AgentSourceFactory> g_agent_factory{nullptr};
}  // namespace

void SetAgentSourceFactory(AgentSourceFactory factory) {
  g_agent_factory.store(factory);
}

std::unique_ptr<ConstraintSource> NewAgentSource(
    const std::string& socket_path) {
  AgentSourceFactory factory = g_agent_factory.load();
  if (factory != nullptr) return factory(socket_path);
  return std::make_unique<NoAgent>(socket_path);
}

bool PathSuffixMatch(const std::string& a, const std::string& b) {
  std::vector<std::string> pa = PathComponents(a), pb = PathComponents(b);
  if (pa.empty() || pb.empty()) return false;
  size_t n = std::min(pa.size(), pb.size());
  for (size_t i = 1; i <= n; ++i) {
    if (pa[pa.size() - i] != pb[pb.size() - i]) return false;
  }
  return true;
}

std::string NormalizeHandlerName(const std::string& spelled) {
  std::string name;
  for (char c : spelled) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) name.push_back(c);
  }
  // A cast such as "(event_callback_fn)on_read": the handler follows the last
  // ')'.
  size_t close = name.rfind(')');
  if (close != std::string::npos && close + 1 < name.size())
    name = name.substr(close + 1);
  while (!name.empty() &&
         (name[0] == '&' || name[0] == '(' || name[0] == '*')) {
    name.erase(0, 1);
  }
  while (!name.empty() && name.back() == ')') name.pop_back();
  return name;
}

HandlerTable::HandlerTable(const prism::v1::ConstraintSet& set) {
  for (int i = 0; i < set.handlers_size(); ++i) {
    const prism::v1::Handler& h = set.handlers(i);
    names_.push_back(h.name());
    by_name_[h.name()].push_back({i, h.file(), h.internal_linkage()});
  }
}

int HandlerTable::Resolve(const char* name, const char* file) const {
  if (name == nullptr) return unknown();
  return ResolveQualified(NormalizeHandlerName(name), file);
}

int HandlerTable::ResolveQualified(const std::string& name,
                                   const char* file) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return unknown();
  int found = -1;
  for (const Entry& e : it->second) {
    bool match =
        !e.internal || (file != nullptr && PathSuffixMatch(e.file, file));
    if (!match) continue;
    if (found >= 0) return unknown();  // Ambiguous: never guess.
    found = e.row;
  }
  return found >= 0 ? found : unknown();
}

const std::string& HandlerTable::name(int row) const {
  if (row >= 0 && row < static_cast<int>(names_.size())) return names_[row];
  return unknown_name_;
}

}  // namespace runtime
}  // namespace prism
