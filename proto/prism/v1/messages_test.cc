// The generated messages and stubs compile, link and round-trip.
#include <gtest/gtest.h>

#include "prism/v1/agent_service.grpc.pb.h"
#include "prism/v1/analyzer_service.grpc.pb.h"
#include "prism/v1/constraints.pb.h"

namespace prism::v1 {
namespace {

TEST(MessagesTest, ConstraintSetRoundTrips) {
  ConstraintSet set;
  set.set_format_version(1);
  set.set_build_id("abcdef");
  Handler* handler = set.add_handlers();
  handler->set_name("handle_send");
  set.mutable_matrix()->set_size(1);
  set.mutable_matrix()->set_cells(std::string(1, '\3'));

  ConstraintSet parsed;
  ASSERT_TRUE(parsed.ParseFromString(set.SerializeAsString()));
  EXPECT_EQ(parsed.handlers(0).name(), "handle_send");
  EXPECT_EQ(parsed.matrix().cells()[0], '\3');
  EXPECT_EQ(parsed.build_id(), "abcdef");
}

TEST(MessagesTest, ServicesHaveTheirMethods) {
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  const auto* analyzer = pool->FindServiceByName(Analyzer::service_full_name());
  ASSERT_NE(analyzer, nullptr);
  EXPECT_NE(analyzer->FindMethodByName("Explain"), nullptr);
  const auto* agent = pool->FindServiceByName(Agent::service_full_name());
  ASSERT_NE(agent, nullptr);
  EXPECT_NE(agent->FindMethodByName("GetConstraints"), nullptr);
}

}  // namespace
}  // namespace prism::v1
