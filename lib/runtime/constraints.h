// Loading and checking the ConstraintSet a runtime schedules by, and matching
// registered handlers to its rows. Nothing here guesses: anything unreadable,
// foreign or malformed is an error, which the runtime turns into serial mode
// (DESIGN.md invariants 1 and 2).
#ifndef PRISM_LIB_RUNTIME_CONSTRAINTS_H_
#define PRISM_LIB_RUNTIME_CONSTRAINTS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "prism/v1/constraints.pb.h"

namespace prism {
namespace runtime {

// Reads a ConstraintSet file: binary protobuf (what `prism analyze
// --emit-constraints` writes), or its proto3 JSON form, or text format.
absl::StatusOr<prism::v1::ConstraintSet> ReadConstraintFile(
    const std::string& path);

// OK when `set` is format_version 1, belongs to `build_id`, and has a
// well-formed matrix (size == number of handlers, size*size cells, each 0..3,
// symmetric). Otherwise says why.
absl::Status ValidateConstraints(const prism::v1::ConstraintSet& set,
                                 const std::string& build_id);

// Where constraints come from when no file is given: the per-host agent
// (prism.v1.Agent over a Unix socket). The gRPC client plugs in here; the
// built-in source has nothing.
class ConstraintSource {
 public:
  virtual ~ConstraintSource() = default;
  // NotFound when the source has no constraints for this build; other errors
  // when unreachable.
  virtual absl::StatusOr<prism::v1::ConstraintSet> GetConstraints(
      const std::string& program, const std::string& build_id, int pid) = 0;
};

// The agent source for `socket_path` (empty: the client's default,
// /run/prism/agent.sock). Without a registered factory (no client linked in)
// it always answers NotFound. A gRPC client library registers
// itself with SetAgentSourceFactory (e.g. from a static initializer), so the
// runtime core never depends on gRPC.
std::unique_ptr<ConstraintSource> NewAgentSource(
    const std::string& socket_path);
using AgentSourceFactory =
    std::unique_ptr<ConstraintSource> (*)(const std::string& socket_path);
void SetAgentSourceFactory(AgentSourceFactory factory);

// True when two paths name the same file up to a prefix: one's components are a
// suffix of the other's ("examples/httpd/httpd.c" and "httpd.c", "/src/a/b.c"
// and "a/b.c").
bool PathSuffixMatch(const std::string& a, const std::string& b);

// The handler's name as written at the registration (`#cb`) without casts, '&'
// or spaces.
std::string NormalizeHandlerName(const std::string& spelled);

// Maps (name, file) of a registration to its matrix row: same name, and for
// internal-linkage handlers the same file (path-suffix match). Unnamed or
// ambiguous → `unknown` (conflicts with everything).
class HandlerTable {
 public:
  HandlerTable() = default;
  explicit HandlerTable(const prism::v1::ConstraintSet& set);
  // `name` as a registration spelled it (`#cb`: casts, '&' and spaces are
  // dropped).
  int Resolve(const char* name, const char* file) const;
  // `name` exactly as the analyzer names handlers (from the symbol table:
  // qualified, no parameter list); `file` only for internal linkage.
  int ResolveQualified(const std::string& name, const char* file) const;
  int unknown() const { return static_cast<int>(names_.size()); }
  // Row names; the unknown row is "<handlers not in the constraints>".
  const std::string& name(int row) const;

 private:
  struct Entry {
    int row;
    std::string file;
    bool internal;
  };
  absl::flat_hash_map<std::string, std::vector<Entry>> by_name_;
  std::vector<std::string> names_;
  std::string unknown_name_ = "<handlers not in the constraints>";
};

}  // namespace runtime
}  // namespace prism

#endif  // PRISM_LIB_RUNTIME_CONSTRAINTS_H_
