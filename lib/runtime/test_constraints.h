// Test helper: writes a ConstraintSet for the running test binary (its own
// build-id), so tests exercise the runtime's real loading path.
#ifndef PRISM_LIB_RUNTIME_TEST_CONSTRAINTS_H_
#define PRISM_LIB_RUNTIME_TEST_CONSTRAINTS_H_

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "lib/elf/build_id.h"
#include "prism/v1/constraints.pb.h"

namespace prism {
namespace runtime {

struct TestHandler {
  std::string name;
  std::string file;  // Empty: external linkage.
};

inline prism::v1::ConstraintSet MakeConstraintSet(
    const std::vector<TestHandler>& handlers,
    const std::vector<uint8_t>& cells) {
  prism::v1::ConstraintSet set;
  set.set_format_version(1);
  set.set_program("test");
  set.set_complete(true);  // What a complete analysis writes.
  absl::StatusOr<std::string> id = ReadGnuBuildId("/proc/self/exe");
  set.set_build_id(id.ok() ? *id : "");
  for (const TestHandler& h : handlers) {
    prism::v1::Handler* out = set.add_handlers();
    out->set_name(h.name);
    out->set_file(h.file);
    out->set_internal_linkage(!h.file.empty());
  }
  set.mutable_matrix()->set_size(handlers.size());
  set.mutable_matrix()->set_cells(std::string(cells.begin(), cells.end()));
  return set;
}

inline std::string WriteConstraintFile(const std::string& name,
                                       const prism::v1::ConstraintSet& set) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  std::ofstream out(path, std::ios::binary);
  set.SerializeToOstream(&out);
  return path;
}

}  // namespace runtime
}  // namespace prism

#endif  // PRISM_LIB_RUNTIME_TEST_CONSTRAINTS_H_
