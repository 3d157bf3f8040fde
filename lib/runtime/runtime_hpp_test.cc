// The C++ face: RAII, captureless lambdas and the C macros through
// prism::Runtime.
#include <event2/thread.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>

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

// A port that only renames: the registration calls take the base (or the
// event, for event_assign) and find its runtime; a base no runtime serves gets
// plain libevent.
TEST(RuntimeHppTest, RegistrationsByBaseFindTheBasesRuntime) {
  ASSERT_EQ(evthread_use_pthreads(), 0);
  event_base* base = event_base_new();
  event_base* plain = event_base_new();
  std::string path = runtime::WriteConstraintFile(
      "by_base.pb",
      runtime::MakeConstraintSet(
          {{"prism::(anonymous namespace)::Counter::OnTimer", __FILE__}}, {0}));
  prism_options o;
  prism_options_init(&o);
  o.constraints_path = path.c_str();
  o.workers = 2;
  prism_runtime* rt = prism_runtime_new(base, &o);
  ASSERT_NE(rt, nullptr);
  EXPECT_EQ(prism_runtime_of_base(base), rt);
  EXPECT_EQ(prism_runtime_of_base(plain), nullptr);
  Counter counter;
  event* a = prism_evtimer_new(base, &Counter::OnTimer, &counter);
  event* b = static_cast<event*>(std::malloc(event_get_struct_event_size()));
  ASSERT_EQ(prism_evtimer_assign(b, base, &Counter::OnTimer, &counter), 0);
  event* c = prism_evtimer_new(plain, &Counter::OnTimer, &counter);
  EXPECT_EQ(runtime::RuntimeEventRow(rt, a), 0);
  EXPECT_EQ(runtime::RuntimeEventRow(rt, b), 0);
  // Plain libevent: its own callback, not the runtime's trampoline.
  EXPECT_EQ(event_get_callback(c), &Counter::OnTimer);
  EXPECT_NE(event_get_callback(a), &Counter::OnTimer);
  timeval tv = {0, 0};
  event_add(a, &tv);
  event_add(b, &tv);
  event_add(c, &tv);
  event_base_dispatch(base);
  event_base_dispatch(plain);
  prism_runtime_drain(rt);
  EXPECT_EQ(counter.n.load(), 3);
  event_free(a);
  event_free(c);
  event_del(b);
  prism_runtime_free(rt);
  EXPECT_EQ(prism_runtime_of_base(base), nullptr);
  std::free(b);
  event_base_free(plain);
  event_base_free(base);
}

}  // namespace
}  // namespace prism
