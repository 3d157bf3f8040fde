// A base created without libevent's thread support: parallel schedulers are
// refused with a clear message; serial mode still works. Its own binary, since
// evthread_use_pthreads() cannot be undone.
#include <event2/event.h>
#include <gtest/gtest.h>

#include "lib/runtime/test_constraints.h"
#include "prism/runtime.h"

namespace prism {
namespace runtime {
namespace {

TEST(NoLockingTest, ParallelSchedulerIsRefusedClearly) {
  event_base* base = event_base_new();
  std::string path =
      WriteConstraintFile("nolock.pb", MakeConstraintSet({{"cb", ""}}, {0}));
  prism_options o;
  prism_options_init(&o);
  o.constraints_path = path.c_str();
  o.scheduler = PRISM_SCHEDULER_EXACT;
  ::testing::internal::CaptureStderr();
  prism_runtime* rt = prism_runtime_new(base, &o);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(rt, nullptr);
  EXPECT_NE(err.find("evthread_use_pthreads()"), std::string::npos) << err;

  o.scheduler = PRISM_SCHEDULER_SERIAL;
  rt = prism_runtime_new(base, &o);
  ASSERT_NE(rt, nullptr);
  EXPECT_STREQ(prism_runtime_mode(rt), "serial");
  prism_runtime_free(rt);
  event_base_free(base);
}

}  // namespace
}  // namespace runtime
}  // namespace prism
