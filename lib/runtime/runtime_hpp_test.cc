// The C++ face: RAII, captureless lambdas and the C macros through
// prism::Runtime.
#include <event2/thread.h>
#include <gtest/gtest.h>

#include <atomic>

#include "lib/runtime/runtime_internal.h"
#include "lib/runtime/test_constraints.h"
#include "prism/runtime.hpp"

namespace prism {
namespace {

struct Counter {
  static void OnTimer(evutil_socket_t, short, void* arg) {
    ++static_cast<Counter*>(arg)->n;
  }
  std::atomic<int> n{0};
};

TEST(RuntimeHppTest, RegistersLambdasAndStaticMembers) {
  ASSERT_EQ(evthread_use_pthreads(), 0);
  event_base* base = event_base_new();
  std::string path = runtime::WriteConstraintFile(
      "hpp.pb",
      runtime::MakeConstraintSet(
          {{"prism::(anonymous namespace)::Counter::OnTimer", __FILE__},
           {"bump", ""}},
          {0, 0, 0, 0}));
  prism_options o;
  prism_options_init(&o);
  o.constraints_path = path.c_str();
  o.workers = 2;
  {
    Runtime rt(base, &o);
    ASSERT_TRUE(rt.ok());
    EXPECT_STREQ(rt.mode(), "exact");
    EXPECT_EQ(rt.workers(), 2);
    Counter counter;
    event* a = PRISM_TIMER_NEW(rt, &Counter::OnTimer, &counter);
    event* b = rt.TimerNew([](evutil_socket_t, short,
                              void* arg) { ++static_cast<Counter*>(arg)->n; },
                           &counter, "bump");
    // The handler is its address: the static member is row 0; the lambda has
    // no name the analyzer gives it, whatever the call says.
    EXPECT_EQ(runtime::RuntimeEventRow(rt, a), 0);
    EXPECT_EQ(runtime::RuntimeEventRow(rt, b), 2);
    timeval tv = {0, 0};
    event_add(a, &tv);
    event_add(b, &tv);
    event_base_dispatch(base);
    rt.Drain();
    EXPECT_EQ(counter.n.load(), 2);
    event_free(a);
    event_free(b);
  }
  event_base_free(base);
}

}  // namespace
}  // namespace prism
