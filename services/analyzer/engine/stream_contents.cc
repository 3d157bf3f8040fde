// Whether the pointers a stdio stream holds may lead to the program's own
// memory: what lets a call on a stream touch the FILE object alone.
#include <set>
#include <string>

#include "services/analyzer/engine/link.h"

namespace prism::analyzer {

// A stream's buffers are the library's own unless the program hands it
// memory: a call on a stream that keeps a pointer (setbuf, setvbuf,
// setbuffer), code Prism cannot see (no body, no model: it may do the same,
// or open a stream over a buffer), or the program's own writes to a stream's
// members. Then what the stream's pointers lead to may be any memory.
bool LinkedProgram::ComputeStreamsHoldLibraryMemoryOnly() const {
  std::set<std::string> stream_records;
  for (const auto& [usr, node] : functions_) {
    for (const prism::v1::Function* body : node.bodies) {
      for (const prism::v1::Call& call : body->calls()) {
        for (const CallTarget& target : TargetsOf(call)) {
          if (target.function != nullptr) continue;
          if (target.model == nullptr) return false;
          bool stream = false;
          for (int i = 0; i < call.arguments_size(); ++i) {
            if (!target.model->locked.Contains(i)) continue;
            stream = true;
            const std::string& record =
                call.arguments(i).parameter_designated_type();
            if (!record.empty()) stream_records.insert(record);
          }
          const ArgumentSet& keeps = target.model->keeps;
          if (stream && (!keeps.positions.empty() || keeps.from_on >= 0))
            return false;
        }
      }
    }
  }
  for (const auto& [usr, node] : functions_) {
    for (const prism::v1::Function* body : node.bodies) {
      for (const prism::v1::Access& access : body->accesses()) {
        if (access.kind() != prism::v1::ACCESS_KIND_WRITE) continue;
        for (const std::string& record : access.path().selector_records()) {
          if (stream_records.count(record)) return false;
        }
      }
    }
  }
  return true;
}

}  // namespace prism::analyzer
