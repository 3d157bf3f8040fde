// Whether the pointers a stdio stream holds may lead to the program's own
// memory, and whether stdin, stdout and stderr stay three streams: what lets
// a call on a stream touch the FILE object alone, and two standard streams
// stay apart.
#include <set>
#include <string>

#include "services/analyzer/engine/link.h"

namespace prism::analyzer {

// A stream's buffers are the library's own unless the program hands it
// memory: a call on a stream that keeps a pointer it is given (setbuf,
// setvbuf, setbuffer with a buffer), code Prism cannot see (no body, no model:
// it may do the same, or open a stream over a buffer), or the program's own
// writes to a stream's members. Then what the stream's pointers lead to may be
// any memory.
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
          // A kept argument that carries no pointer (`setbuf(stdout, NULL)`:
          // the library's buffer, or none) hands the stream nothing.
          if (!stream) continue;
          for (int i = 0; i < call.arguments_size(); ++i) {
            if (target.model->keeps.Contains(i) &&
                call.arguments(i).sources_size() > 0) {
              return false;
            }
          }
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

namespace {
constexpr const char* kStandardStreams[] = {"c:@stdin", "c:@stdout",
                                            "c:@stderr"};
}  // namespace

bool IsStandardStream(const std::string& usr) {
  for (const char* stream : kStandardStreams) {
    if (usr == stream) return true;
  }
  return false;
}

// C makes stdin, stdout and stderr three streams (7.21.3p7), and freopen
// changes a stream's file, not the pointer. They stay three FILE objects
// unless the program changes a pointer itself (`stdout = f`, or hands
// `&stdout` to some code), and their buffers stay apart while no stream holds
// program memory.
bool LinkedProgram::ComputeStandardStreamsApart() const {
  if (!streams_hold_library_memory_only_) return false;
  for (const char* usr : kStandardStreams) {
    if (GlobalAddressTaken(usr)) return false;
  }
  for (const auto& [usr, node] : functions_) {
    for (const prism::v1::Function* body : node.bodies) {
      for (const prism::v1::Access& access : body->accesses()) {
        const prism::v1::MemoryPath& path = access.path();
        if (access.kind() == prism::v1::ACCESS_KIND_WRITE &&
            path.base() == prism::v1::MemoryPath::BASE_GLOBAL &&
            IsStandardStream(path.global_usr()) &&
            (path.selectors().empty() || path.selectors(0) != "*")) {
          return false;
        }
      }
    }
  }
  return true;
}

}  // namespace prism::analyzer
