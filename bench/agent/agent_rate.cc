// prism-agent's request rate: THREADS clients on one Unix socket ask for the
// same cached ConstraintSet for SECONDS, each on its own channel; prints
// "requests/s N (errors E)". Used by agent_bench.py.
//   agent_rate SOCKET PROGRAM BUILD_ID THREADS SECONDS
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "prism/v1/agent_service.grpc.pb.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr,
                 "usage: agent_rate SOCKET PROGRAM BUILD_ID THREADS SECONDS\n");
    return 2;
  }
  const std::string target = std::string("unix:") + argv[1];
  const int threads = std::atoi(argv[4]);
  const double seconds = std::atof(argv[5]);
  if (threads < 1 || seconds <= 0) {
    std::fprintf(stderr, "agent_rate: THREADS >= 1 and SECONDS > 0\n");
    return 2;
  }
  std::atomic<uint64_t> answered{0}, errors{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    clients.emplace_back([&] {
      auto stub = prism::v1::Agent::NewStub(
          grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
      prism::v1::AgentGetConstraintsRequest request;
      request.set_program(argv[2]);
      request.set_build_id(argv[3]);
      while (!stop.load(std::memory_order_relaxed)) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::seconds(5));
        prism::v1::AgentGetConstraintsResponse response;
        if (stub->GetConstraints(&context, request, &response).ok()) {
          answered.fetch_add(1, std::memory_order_relaxed);
        } else {
          errors.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop.store(true);
  for (std::thread& client : clients) client.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf("requests/s %.0f (errors %llu)\n", answered.load() / elapsed,
              static_cast<unsigned long long>(errors.load()));
  return errors.load() == 0 ? 0 : 1;
}
