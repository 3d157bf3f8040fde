// A real server process for tests: started with the given arguments, stderr
// to a log file, its address read from its first stdout line ("listening on
// ADDRESS"), stopped (SIGTERM, or SIGKILL on Kill) when the object dies. And
// the standard gRPC health check, asked without generated stubs (Debian ships
// none for grpc.health.v1).
#ifndef PRISM_TESTS_LIB_LISTENING_PROCESS_H_
#define PRISM_TESTS_LIB_LISTENING_PROCESS_H_

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace prism::testing {

class ListeningProcess {
 public:
  // `argv[0]` is the binary. Throws std::runtime_error (with the log) when the
  // process does not report where it listens.
  ListeningProcess(std::vector<std::string> argv, std::string log_path);
  ~ListeningProcess();
  ListeningProcess(const ListeningProcess&) = delete;
  ListeningProcess& operator=(const ListeningProcess&) = delete;

  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }
  // Everything the process wrote on stderr so far.
  std::string Log() const;
  void Kill();  // SIGKILL, now.

 private:
  pid_t pid_ = -1;
  std::string address_;
  std::string log_path_;
};

// A fresh directory under TEST_TMPDIR (or /tmp), named after `prefix`.
std::string TestDirectory(const std::string& prefix = "test");

// Raw bytes of a health reply saying SERVING (field 1, status = 1).
inline constexpr char kHealthServing[] = "\x08\x01";
// grpc.health.v1.Health/Check for `service` ("" : the whole server); the raw
// reply bytes in `*reply`.
grpc::Status HealthCheck(grpc::Channel& channel, const std::string& service,
                         std::string* reply);

}  // namespace prism::testing

#endif  // PRISM_TESTS_LIB_LISTENING_PROCESS_H_
