// The runtime on real libevent: startup decisions, event semantics under
// parallelism, and an echo server on loopback under many concurrent clients in
// all three modes.
#include "prism/runtime.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <event2/buffer.h>
#include <event2/thread.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lib/runtime/constraints.h"
#include "lib/runtime/runtime_internal.h"
#include "lib/runtime/test_constraints.h"

namespace prism {
namespace runtime {
namespace {

// libevent's locking must be on before any base exists.
const int kThreadsEnabled = evthread_use_pthreads();
// Servers write to peers that went away; like every server, ignore SIGPIPE.
const auto kSigpipe = signal(SIGPIPE, SIG_IGN);

const char* kFile = __FILE__;

// A handler of this file as the analyzer names it: qualified (they live in
// prism::runtime's anonymous namespace), with its file (internal linkage).
TestHandler H(const std::string& name) {
  return {"prism::runtime::(anonymous namespace)::" + name, kFile};
}

prism_options Options(const std::string& constraints, prism_scheduler scheduler,
                      int workers = 4) {
  prism_options o;
  prism_options_init(&o);
  static std::deque<std::string>
      kept;  // Paths outlive the options that point at them.
  kept.push_back(constraints);
  o.constraints_path = constraints.empty() ? nullptr : kept.back().c_str();
  o.scheduler = scheduler;
  o.workers = workers;
  o.check = 1;
  return o;
}

int CountLines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

class StartupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(kThreadsEnabled, 0);
    ASSERT_NE(kSigpipe, SIG_ERR);
    unsetenv("PRISM_CONSTRAINTS");
    unsetenv("PRISM_SCHEDULER");
    unsetenv("PRISM_AGENT_SOCKET");
    base_ = event_base_new();
  }
  void TearDown() override { event_base_free(base_); }

  // Creates and frees a runtime; returns its mode and what it printed.
  std::string Start(const prism_options* o, std::string* err) {
    ::testing::internal::CaptureStderr();
    prism_runtime* rt = prism_runtime_new(base_, o);
    *err = ::testing::internal::GetCapturedStderr();
    if (rt == nullptr) return "NULL";
    std::string mode = prism_runtime_mode(rt);
    prism_runtime_free(rt);
    return mode;
  }

  event_base* base_ = nullptr;
};

TEST_F(StartupTest, NoConstraintsMeansSerialAndOneWarning) {
  std::string err;
  EXPECT_EQ(Start(nullptr, &err), "serial");
  EXPECT_EQ(CountLines(err), 1) << err;
  EXPECT_NE(err.find("no constraints for build-id"), std::string::npos) << err;
}

TEST_F(StartupTest, AskingForSerialIsQuiet) {
  prism_options o = Options("", PRISM_SCHEDULER_SERIAL);
  std::string err;
  EXPECT_EQ(Start(&o, &err), "serial");
  EXPECT_EQ(err, "");
}

TEST_F(StartupTest, ForeignBuildIdMeansSerial) {
  prism::v1::ConstraintSet set = MakeConstraintSet({{"cb", ""}}, {0});
  set.set_build_id("0123456789abcdef0123456789abcdef01234567");
  prism_options o =
      Options(WriteConstraintFile("foreign.pb", set), PRISM_SCHEDULER_EXACT);
  std::string err;
  EXPECT_EQ(Start(&o, &err), "serial");
  EXPECT_EQ(CountLines(err), 1) << err;
  EXPECT_NE(err.find("0123456789abcdef0123456789abcdef01234567"),
            std::string::npos)
      << err;
}

TEST_F(StartupTest, ConstraintsRequiringSerialMeanSerial) {
  prism::v1::ConstraintSet set = MakeConstraintSet({{"cb", ""}}, {0});
  set.add_serial_reasons("handler cb uses the thread-local 't_count'");
  prism_options o =
      Options(WriteConstraintFile("tls.pb", set), PRISM_SCHEDULER_EXACT);
  std::string err;
  EXPECT_EQ(Start(&o, &err), "serial");
  EXPECT_EQ(CountLines(err), 1) << err;
  EXPECT_NE(err.find("t_count"), std::string::npos) << err;
}

// A registration only the source-level API cannot schedule (event_set): a
// server linked with the runtime runs serially; the preloaded runtime, which
// interposes it, would not (tests/preload).
TEST_F(StartupTest, SourceApiSerialReasonsMeanSerialWhenNotPreloaded) {
  prism::v1::ConstraintSet set = MakeConstraintSet({{"cb", ""}}, {0});
  set.add_source_api_serial_reasons(
      "handler cb is registered through event_set");
  prism_options o =
      Options(WriteConstraintFile("event_set.pb", set), PRISM_SCHEDULER_EXACT);
  std::string err;
  EXPECT_EQ(Start(&o, &err), "serial");
  EXPECT_EQ(CountLines(err), 1) << err;
  EXPECT_NE(err.find("event_set"), std::string::npos) << err;
}

TEST_F(StartupTest, IncompleteConstraintsMeanSerialWithEveryReason) {
  prism::v1::ConstraintSet set = MakeConstraintSet({{"cb", ""}}, {0});
  set.set_complete(false);
  set.add_incomplete_reasons("server.c failed to parse");
  set.add_incomplete_reasons("callback passed to 'evhttp_set_gencb'");
  prism_options o =
      Options(WriteConstraintFile("incomplete.pb", set), PRISM_SCHEDULER_EXACT);
  std::string err;
  EXPECT_EQ(Start(&o, &err), "serial");
  EXPECT_EQ(CountLines(err), 1) << err;
  for (const std::string& reason : set.incomplete_reasons()) {
    size_t at = err.find(reason);
    EXPECT_NE(at, std::string::npos) << err;
    EXPECT_EQ(err.find(reason, at + 1), std::string::npos) << err;
  }
  // Incomplete without a recorded reason still runs serial, and says why.
  set.clear_incomplete_reasons();
  prism_options o2 = Options(WriteConstraintFile("incomplete2.pb", set),
                             PRISM_SCHEDULER_EXACT);
  EXPECT_EQ(Start(&o2, &err), "serial");
  EXPECT_NE(err.find("incomplete"), std::string::npos) << err;
}

TEST_F(StartupTest, CorruptOrMalformedMeansSerial) {
  std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/corrupt.pb";
  FILE* f = fopen(path.c_str(), "wb");
  fputs("\x0a\xff\xff\xff not a proto", f);
  fclose(f);
  prism_options o = Options(path, PRISM_SCHEDULER_EXACT);
  std::string err;
  EXPECT_EQ(Start(&o, &err), "serial");
  EXPECT_EQ(CountLines(err), 1) << err;

  prism::v1::ConstraintSet set =
      MakeConstraintSet({{"a", ""}, {"b", ""}}, {0, 1, 2, 0});
  prism_options o2 =
      Options(WriteConstraintFile("asym.pb", set), PRISM_SCHEDULER_EXACT);
  EXPECT_EQ(Start(&o2, &err), "serial");
  EXPECT_NE(err.find("symmetric"), std::string::npos) << err;
}

TEST_F(StartupTest, EnvironmentChoosesFileAndScheduler) {
  prism::v1::ConstraintSet set = MakeConstraintSet({{"cb", ""}}, {0});
  setenv("PRISM_CONSTRAINTS", WriteConstraintFile("env.pb", set).c_str(), 1);
  std::string err;
  EXPECT_EQ(Start(nullptr, &err), "exact");
  EXPECT_EQ(err, "");
  setenv("PRISM_SCHEDULER", "huecolor", 1);
  EXPECT_EQ(Start(nullptr, &err), "huecolor");
  setenv("PRISM_SCHEDULER", "fastest", 1);
  EXPECT_EQ(Start(nullptr, &err), "serial");
  EXPECT_NE(err.find("PRISM_SCHEDULER='fastest'"), std::string::npos) << err;
  unsetenv("PRISM_SCHEDULER");
  unsetenv("PRISM_CONSTRAINTS");
}

class FakeAgent : public ConstraintSource {
 public:
  absl::StatusOr<prism::v1::ConstraintSet> GetConstraints(
      const std::string&, const std::string& build_id, int pid) override {
    EXPECT_EQ(pid, getpid());
    prism::v1::ConstraintSet set = MakeConstraintSet({{"cb", ""}}, {0});
    EXPECT_EQ(set.build_id(), build_id);
    return set;
  }
};

TEST_F(StartupTest, BaseWithoutLockingIsRefusedForParallelSchedulers) {
  event_config* cfg = event_config_new();
  event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
  event_base* nolock = event_base_new_with_config(cfg);
  event_config_free(cfg);
  std::string path = WriteConstraintFile("nolockbase.pb",
                                         MakeConstraintSet({{"cb", ""}}, {0}));
  prism_options o = Options(path, PRISM_SCHEDULER_EXACT);
  ::testing::internal::CaptureStderr();
  prism_runtime* rt = prism_runtime_new(nolock, &o);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(rt, nullptr);
  EXPECT_NE(err.find("EVENT_BASE_FLAG_NOLOCK"), std::string::npos) << err;
  event_base_free(nolock);
}

TEST_F(StartupTest, AgentSuppliesConstraintsWhenNoFileIsGiven) {
  SetAgentSourceFactory(
      [](const std::string& socket) -> std::unique_ptr<ConstraintSource> {
        EXPECT_EQ(socket, "/run/test-agent.sock");
        return std::make_unique<FakeAgent>();
      });
  setenv("PRISM_AGENT_SOCKET", "/run/test-agent.sock", 1);
  std::string err;
  EXPECT_EQ(Start(nullptr, &err), "exact");
  EXPECT_EQ(err, "");
  unsetenv("PRISM_AGENT_SOCKET");
  SetAgentSourceFactory(nullptr);
  EXPECT_EQ(Start(nullptr, &err), "serial");
}

static void on_unnamed(evutil_socket_t, short, void*) {}

TEST_F(StartupTest, SaysOnceWhenAHandlerIsNotInTheConstraints) {
  std::string path =
      WriteConstraintFile("named.pb", MakeConstraintSet({{"cb", ""}}, {0}));
  prism_options o = Options(path, PRISM_SCHEDULER_EXACT);
  prism_runtime* rt = prism_runtime_new(base_, &o);
  ASSERT_NE(rt, nullptr);
  ::testing::internal::CaptureStderr();
  event* a = prism_evtimer_new(rt, on_unnamed, nullptr);
  event* b = prism_evtimer_new(rt, on_unnamed, nullptr);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(CountLines(err), 1) << err;
  EXPECT_NE(err.find("::on_unnamed' (runtime_test.cc)"), std::string::npos)
      << err;
  EXPECT_EQ(RuntimeHandlerRow(rt, "on_unnamed", kFile), 1);  // The unknown row.
  event_free(a);
  event_free(b);
  prism_runtime_free(rt);
}

TEST_F(StartupTest, EventsMayBeFreedAfterTheRuntime) {
  std::string path = WriteConstraintFile(
      "after.pb", MakeConstraintSet({H("on_unnamed")}, {0}));
  prism_options o = Options(path, PRISM_SCHEDULER_EXACT);
  prism_runtime* rt = prism_runtime_new(base_, &o);
  ASSERT_NE(rt, nullptr);
  event* ev = prism_evtimer_new(rt, on_unnamed, nullptr);
  timeval hour = {3600, 0};
  event_add(ev, &hour);
  prism_runtime_free(rt);
  EXPECT_EQ(event_del(ev), 0);
  event_free(ev);
}

static void on_from_table(evutil_socket_t, short, void*) {}

TEST_F(StartupTest, HandlerIdentityComesFromTheCallbackAddress) {
  std::string path = WriteConstraintFile(
      "identity.pb",
      MakeConstraintSet({H("on_from_table"), H("on_unnamed")}, {0, 0, 0, 0}));
  prism_options o = Options(path, PRISM_SCHEDULER_EXACT);
  prism_runtime* rt = prism_runtime_new(base_, &o);
  ASSERT_NE(rt, nullptr);
  // Through a table and a variable: the macro spells "cb".
  const event_callback_fn table[] = {on_from_table, on_unnamed};
  event_callback_fn cb = table[0];
  event* a = prism_evtimer_new(rt, cb, nullptr);
  EXPECT_EQ(RuntimeEventRow(rt, a), 0);
  // A spelled name cannot make a callback pass for another handler.
  event* b = prism_event_new_named(rt, -1, 0, table[1], nullptr,
                                   "on_from_table", kFile);
  EXPECT_EQ(RuntimeEventRow(rt, b), 1);
  event_free(a);
  event_free(b);
  prism_runtime_free(rt);
}

// ---- Event semantics under parallelism.

class EventTest : public ::testing::TestWithParam<prism_scheduler> {
 protected:
  void SetUp() override { base_ = event_base_new(); }
  void TearDown() override {
    prism_runtime_free(rt_);
    event_base_free(base_);
  }
  void StartRuntime(const std::vector<TestHandler>& handlers,
                    const std::vector<uint8_t>& cells, int workers = 4) {
    path_ =
        WriteConstraintFile("events.pb", MakeConstraintSet(handlers, cells));
    prism_options o = Options(path_, GetParam(), workers);
    rt_ = prism_runtime_new(base_, &o);
    ASSERT_NE(rt_, nullptr);
  }

  event_base* base_ = nullptr;
  prism_runtime* rt_ = nullptr;
  std::string path_;
};

struct TimerState {
  event* ev;
  int count = 0;
  int limit = 20;
};

static void on_timer(evutil_socket_t, short, void* arg) {
  TimerState* s = static_cast<TimerState*>(arg);
  if (++s->count < s->limit) {
    timeval tv = {0, 100};
    event_add(s->ev, &tv);  // From a worker: libevent's locking makes it safe.
  }
}

TEST_P(EventTest, TimerReArmedByItsHandlerKeepsTheLoopAlive) {
  StartRuntime({H("on_timer")}, {0});
  TimerState s;
  s.ev = prism_evtimer_new(rt_, on_timer, &s);
  timeval tv = {0, 100};
  event_add(s.ev, &tv);
  // Returns only when no event is left: after the 20th invocation did not
  // re-arm.
  event_base_dispatch(base_);
  prism_runtime_drain(rt_);
  EXPECT_EQ(s.count, 20);
  event_free(s.ev);
}

std::atomic<int> g_once_runs{0};
static void on_once(evutil_socket_t, short what, void* arg) {
  EXPECT_TRUE(what & EV_TIMEOUT);
  EXPECT_EQ(arg, &g_once_runs);
  ++g_once_runs;
}

TEST_P(EventTest, BaseOnceRuns) {
  StartRuntime({H("on_once")}, {0});
  g_once_runs = 0;
  timeval tv = {0, 0};
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(prism_base_once(rt_, -1, EV_TIMEOUT, on_once, &g_once_runs, &tv),
              0);
  }
  event_base_dispatch(base_);
  prism_runtime_drain(rt_);
  EXPECT_EQ(g_once_runs.load(), 10);
}

struct SignalState {
  event* ev;
  std::atomic<int> count{0};
};

static void on_signal(evutil_socket_t signum, short what, void* arg) {
  SignalState* s = static_cast<SignalState*>(arg);
  EXPECT_EQ(signum, SIGUSR1);
  EXPECT_TRUE(what & EV_SIGNAL);
  ++s->count;
  event_del(s->ev);
}

static void on_raise(evutil_socket_t, short, void*) { raise(SIGUSR1); }

TEST_P(EventTest, SignalsAreDelivered) {
  StartRuntime({H("on_signal"), H("on_raise")}, {0, 0, 0, 0});
  SignalState s;
  s.ev = prism_evsignal_new(rt_, SIGUSR1, on_signal, &s);
  event_add(s.ev, nullptr);
  timeval tv = {0, 1000};
  prism_base_once(rt_, -1, EV_TIMEOUT, on_raise, nullptr, &tv);
  event_base_dispatch(base_);
  prism_runtime_drain(rt_);
  EXPECT_EQ(s.count.load(), 1);
  event_free(s.ev);
}

struct PipeState {
  event* ev;
  int fd;
  std::atomic<int> active{0};
  std::atomic<int> max_active{0};
  std::atomic<int> reads{0};
  int total;
};

static void on_pipe(evutil_socket_t fd, short, void* arg) {
  PipeState* s = static_cast<PipeState*>(arg);
  int now = ++s->active;
  int seen = s->max_active.load();
  while (now > seen && !s->max_active.compare_exchange_weak(seen, now)) {
  }
  char byte;
  if (read(fd, &byte, 1) == 1 && ++s->reads == s->total) event_del(s->ev);
  std::this_thread::sleep_for(std::chrono::microseconds(200));
  --s->active;
}

TEST_P(EventTest, PersistentLevelEventNeverOverlapsItself) {
  // The matrix even allows on_pipe to run concurrently with itself on one
  // context: the runtime still never overlaps two invocations of one event, and
  // loses no readiness.
  StartRuntime({H("on_pipe")}, {0});
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  PipeState s;
  s.fd = fds[0];
  s.total = 50;
  evutil_make_socket_nonblocking(fds[0]);
  s.ev = prism_event_new(rt_, fds[0], EV_READ | EV_PERSIST, on_pipe, &s);
  event_add(s.ev, nullptr);
  char data[50];
  std::memset(data, 'x', sizeof(data));
  ASSERT_EQ(write(fds[1], data, sizeof(data)), 50);
  event_base_dispatch(base_);
  prism_runtime_drain(rt_);
  EXPECT_EQ(s.reads.load(), 50);
  EXPECT_EQ(s.max_active.load(), 1);
  event_free(s.ev);
  close(fds[0]);
  close(fds[1]);
}

// X tears down Y's context while Y's invocation is queued behind X.
enum class TeardownCall { kEventFree, kPrismEventFree, kEventDel };
struct Teardown {
  event* x;
  event* y;
  event* w;
  TeardownCall call = TeardownCall::kEventFree;
  std::mutex mu;
  std::condition_variable cv;
  bool w_ran = false;
  std::atomic<int> y_runs{0};
  prism_runtime* rt;
};

static void on_x(evutil_socket_t, short, void* arg) {
  Teardown* t = static_cast<Teardown*>(arg);
  {
    // W was activated after Y: once W runs, Y's invocation has been queued.
    std::unique_lock<std::mutex> lock(t->mu);
    t->cv.wait_for(lock, std::chrono::seconds(20), [t] { return t->w_ran; });
  }
  switch (t->call) {
    case TeardownCall::kEventFree:
      event_free(t->y);
      t->y = nullptr;
      break;
    case TeardownCall::kPrismEventFree:
      prism_event_free(t->rt, t->y);
      t->y = nullptr;
      break;
    case TeardownCall::kEventDel:
      event_del(t->y);
      break;
  }
}
static void on_y(evutil_socket_t, short, void* arg) {
  ++static_cast<Teardown*>(arg)->y_runs;
}
static void on_w(evutil_socket_t, short, void* arg) {
  Teardown* t = static_cast<Teardown*>(arg);
  std::lock_guard<std::mutex> lock(t->mu);
  t->w_ran = true;
  t->cv.notify_all();
}

TEST_P(EventTest, FreeingAQueuedEventIsSafe) {
  if (GetParam() == PRISM_SCHEDULER_SERIAL)
    GTEST_SKIP() << "nothing is queued in serial mode";
  // on_x and on_y conflict on their shared context; on_w conflicts with
  // nothing.
  StartRuntime({H("on_x"), H("on_y"), H("on_w")}, {0, 2, 0, 2, 0, 0, 0, 0, 0},
               2);
  for (TeardownCall call :
       {TeardownCall::kEventFree, TeardownCall::kPrismEventFree,
        TeardownCall::kEventDel}) {
    Teardown t;
    t.rt = rt_;
    t.call = call;
    t.x = prism_evtimer_new(rt_, on_x, &t);
    t.y = prism_evtimer_new(rt_, on_y, &t);
    t.w = prism_event_new(rt_, -1, 0, on_w, &t);
    event_active(t.x, EV_TIMEOUT, 0);
    event_active(t.y, EV_TIMEOUT, 0);
    event_active(t.w, EV_TIMEOUT, 0);
    event_base_dispatch(base_);
    prism_runtime_drain(rt_);
    // Plain event_free and event_del (mapped by prism/runtime.h) keep
    // libevent's promise like prism_event_free: the invocation queued before
    // them never runs.
    EXPECT_EQ(t.y_runs.load(), 0);
    if (call == TeardownCall::kEventDel) {
      // Deleted, not gone: activated again, it runs.
      event_active(t.y, EV_TIMEOUT, 0);
      event_base_dispatch(base_);
      prism_runtime_drain(rt_);
      EXPECT_EQ(t.y_runs.load(), 1);
      event_free(t.y);
    }
    event_free(t.x);
    event_free(t.w);
  }
}

// event_del/event_free from another handler while the event's invocation is
// running on a worker: libevent's promise is that the callback is not running
// (and will not run) once they return.
struct RunningTeardown {
  event* victim = nullptr;
  std::mutex mu;
  std::condition_variable cv;
  bool victim_started = false;
  bool freeing = false;
  std::atomic<bool> victim_done{false};
  bool done_when_freed = false;
};

static void on_victim(evutil_socket_t, short, void* arg) {
  RunningTeardown* t = static_cast<RunningTeardown*>(arg);
  {
    std::unique_lock<std::mutex> lock(t->mu);
    t->victim_started = true;
    t->cv.notify_all();
    t->cv.wait_for(lock, std::chrono::seconds(20), [t] { return t->freeing; });
  }
  // Still using its context after the other handler asked to free the event.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  t->victim_done = true;
}

static void on_reaper(evutil_socket_t, short, void* arg) {
  RunningTeardown* t = static_cast<RunningTeardown*>(arg);
  {
    std::unique_lock<std::mutex> lock(t->mu);
    t->cv.wait_for(lock, std::chrono::seconds(20),
                   [t] { return t->victim_started; });
    t->freeing = true;
    t->cv.notify_all();
  }
  event_free(t->victim);
  t->done_when_freed = t->victim_done.load();
}

TEST_P(EventTest, EventFreeWaitsForARunningInvocation) {
  if (GetParam() == PRISM_SCHEDULER_SERIAL)
    GTEST_SKIP() << "nothing runs beside the loop in serial mode";
  // No conflict: the two run at the same time on two workers.
  StartRuntime({H("on_victim"), H("on_reaper")}, {0, 0, 0, 0}, 2);
  RunningTeardown t;
  t.victim = prism_evtimer_new(rt_, on_victim, &t);
  event* reaper = prism_evtimer_new(rt_, on_reaper, &t);
  event_active(t.victim, EV_TIMEOUT, 0);
  event_active(reaper, EV_TIMEOUT, 0);
  event_base_dispatch(base_);
  prism_runtime_drain(rt_);
  EXPECT_TRUE(t.victim_started);
  EXPECT_TRUE(t.done_when_freed);
  event_free(reaper);
}

// A handler freeing its own event (the usual `event_free(c->ev); free(c);`
// in its own callback) must not wait for itself.
struct SelfTeardown {
  event* ev = nullptr;
  std::atomic<int> runs{0};
};

static void on_self_teardown(evutil_socket_t, short, void* arg) {
  SelfTeardown* s = static_cast<SelfTeardown*>(arg);
  ++s->runs;
  event_free(s->ev);
}

TEST_P(EventTest, EventFreeFromItsOwnHandlerReturns) {
  StartRuntime({H("on_self_teardown")}, {0});
  SelfTeardown s;
  s.ev = prism_evtimer_new(rt_, on_self_teardown, &s);
  event_active(s.ev, EV_TIMEOUT, 0);
  event_base_dispatch(base_);
  prism_runtime_drain(rt_);
  EXPECT_EQ(s.runs.load(), 1);
}

// A long invocation holds back many conflicting ones (a large backlog and a
// queued, still-ready fd): the loop thread's pacing must not stall the loop,
// so an unrelated timer still fires, and it is what lets the long one finish.
struct Backlog {
  std::mutex mu;
  std::condition_variable cv;
  bool ticked = false;
  bool long_saw_tick = false;
  std::atomic<int> queued_runs{0};
  event* pipe_ev = nullptr;
  int pipe_reads = 0;
};

static void on_long(evutil_socket_t, short, void* arg) {
  Backlog* b = static_cast<Backlog*>(arg);
  std::unique_lock<std::mutex> lock(b->mu);
  b->long_saw_tick =
      b->cv.wait_for(lock, std::chrono::seconds(20), [b] { return b->ticked; });
}
static void on_queued(evutil_socket_t, short, void* arg) {
  ++static_cast<Backlog*>(arg)->queued_runs;
}
static void on_queued_pipe(evutil_socket_t fd, short, void* arg) {
  Backlog* b = static_cast<Backlog*>(arg);
  char byte;
  if (read(fd, &byte, 1) == 1 && ++b->pipe_reads == 3) event_del(b->pipe_ev);
}
static void on_tick(evutil_socket_t, short, void* arg) {
  Backlog* b = static_cast<Backlog*>(arg);
  std::lock_guard<std::mutex> lock(b->mu);
  b->ticked = true;
  b->cv.notify_all();
}

TEST_P(EventTest, BacklogBehindALongInvocationDoesNotStallTheLoop) {
  if (GetParam() == PRISM_SCHEDULER_SERIAL)
    GTEST_SKIP() << "no backlog in serial mode";
  // on_long conflicts globally with on_queued and on_queued_pipe; on_tick with
  // nothing.
  StartRuntime(
      {H("on_long"), H("on_queued"), H("on_queued_pipe"), H("on_tick")},
      {0, 1, 1, 0,  //
       1, 0, 0, 0,  //
       1, 0, 0, 0,  //
       0, 0, 0, 0},
      2);
  Backlog b;
  event* long_ev = prism_evtimer_new(rt_, on_long, &b);
  event_active(long_ev, EV_TIMEOUT, 0);
  std::vector<event*> queued;
  for (int i = 0; i < 50; ++i) {
    queued.push_back(prism_evtimer_new(rt_, on_queued, &b));
    event_active(queued.back(), EV_TIMEOUT, 0);
  }
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  evutil_make_socket_nonblocking(fds[0]);
  b.pipe_ev =
      prism_event_new(rt_, fds[0], EV_READ | EV_PERSIST, on_queued_pipe, &b);
  event_add(b.pipe_ev, nullptr);
  ASSERT_EQ(write(fds[1], "abc", 3), 3);
  event* tick = prism_evtimer_new(rt_, on_tick, &b);
  timeval tv = {0, 5000};
  event_add(tick, &tv);
  event_base_dispatch(base_);
  prism_runtime_drain(rt_);
  EXPECT_TRUE(b.long_saw_tick);
  EXPECT_EQ(b.queued_runs.load(), 50);
  EXPECT_EQ(b.pipe_reads, 3);
  for (event* ev : queued) event_free(ev);
  event_free(long_ev);
  event_free(b.pipe_ev);
  event_free(tick);
  close(fds[0]);
  close(fds[1]);
}

static std::atomic<int> g_self_runs{0};
static void on_self(evutil_socket_t, short, void* arg) {
  // event_self_cbarg(): the argument is the event itself.
  event* ev = static_cast<event*>(arg);
  if (++g_self_runs < 3) {
    timeval tv = {0, 100};
    event_add(ev, &tv);
  }
}

TEST_P(EventTest, AssignAndSelfCallbackArgument) {
  StartRuntime({H("on_self")}, {0});
  g_self_runs = 0;
  // prism_event_assign into caller-owned storage.
  void* storage = std::calloc(1, event_get_struct_event_size());
  event* ev = static_cast<event*>(storage);
  ASSERT_EQ(prism_event_assign(rt_, ev, -1, 0, on_self, event_self_cbarg()), 0);
  timeval tv = {0, 100};
  event_add(ev, &tv);
  event_base_dispatch(base_);
  prism_runtime_drain(rt_);
  EXPECT_EQ(g_self_runs.load(), 3);
  event_del(ev);
  std::free(storage);
  // prism_event_new with event_self_cbarg().
  g_self_runs = 0;
  event* ev2 = prism_evtimer_new(rt_, on_self, event_self_cbarg());
  event_add(ev2, &tv);
  event_base_dispatch(base_);
  prism_runtime_drain(rt_);
  EXPECT_EQ(g_self_runs.load(), 3);
  event_free(ev2);
}

// ---- Callbacks registered past the runtime.

class BypassTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = event_base_new();
    std::string path = WriteConstraintFile(
        "bypass.pb", MakeConstraintSet({H("BypassTest::on_listed")}, {0}));
    prism_options o = Options(path, PRISM_SCHEDULER_EXACT, 2);
    rt_ = prism_runtime_new(base_, &o);
    ASSERT_NE(rt_, nullptr);
  }
  void TearDown() override {
    prism_runtime_free(rt_);
    event_base_free(base_);
  }
  // Runs one invocation of a listed handler through the runtime; returns what
  // the runtime printed meanwhile.
  std::string RunListedHandler() {
    event* listed = prism_evtimer_new(rt_, on_listed, &listed_runs_);
    ::testing::internal::CaptureStderr();
    event_active(listed, EV_TIMEOUT, 0);
    event_base_loop(base_, EVLOOP_ONCE);
    prism_runtime_drain(rt_);
    std::string err = ::testing::internal::GetCapturedStderr();
    event_free(listed);
    return err;
  }
  static void on_listed(evutil_socket_t, short, void* arg) {
    ++*static_cast<std::atomic<int>*>(arg);
  }

  event_base* base_ = nullptr;
  prism_runtime* rt_ = nullptr;
  std::atomic<int> listed_runs_{0};
};

static void on_raw_timer(evutil_socket_t, short, void*) {}
static void on_raw_read(bufferevent*, void*) {}

TEST_F(BypassTest, RawEventIsNamedAndTheRuntimeTurnsSerial) {
  event* raw = event_new(base_, -1, EV_PERSIST, on_raw_timer, nullptr);
  timeval hour = {3600, 0};
  event_add(raw, &hour);
  std::string err = RunListedHandler();
  EXPECT_EQ(listed_runs_.load(), 1);
  EXPECT_STREQ(prism_runtime_mode(rt_), "serial");
  EXPECT_EQ(CountLines(err), 1) << err;
  EXPECT_NE(err.find("on_raw_timer"), std::string::npos) << err;
  EXPECT_NE(err.find("runtime_test.cc"), std::string::npos) << err;
  // Serial from now on, and said once.
  err = RunListedHandler();
  EXPECT_EQ(listed_runs_.load(), 2);
  EXPECT_EQ(err, "");
  event_free(raw);
}

// event_base_loopexit with a timeout leaves an event_base_once event of
// libevent's own on the base: not a bypass (every server that stops its loop
// on a timer would run serial).
TEST_F(BypassTest, APendingLoopexitIsNotABypass) {
  timeval hour = {3600, 0};
  ASSERT_EQ(event_base_loopexit(base_, &hour), 0);
  std::string err = RunListedHandler();
  EXPECT_EQ(listed_runs_.load(), 1);
  EXPECT_STREQ(prism_runtime_mode(rt_), "exact") << err;
  EXPECT_EQ(err, "");
}

TEST_F(BypassTest, RawEventBaseOnceIsNamed) {
  timeval hour = {3600, 0};
  ASSERT_EQ(
      event_base_once(base_, -1, EV_TIMEOUT, on_raw_timer, nullptr, &hour), 0);
  std::string err = RunListedHandler();
  EXPECT_STREQ(prism_runtime_mode(rt_), "serial");
  EXPECT_NE(err.find("on_raw_timer"), std::string::npos) << err;
  EXPECT_NE(err.find("event_base_once"), std::string::npos) << err;
}

// Only libevent's own libraries count as libevent: a library of the
// program's whose name merely starts so holds the program's callbacks.
// The timer handler of the program's own library named like libevent's.
event_callback_fn LookalikeTimer() {
  void* library =
      dlopen("lib/runtime/libevent_lookalike_handlers.so", RTLD_NOW);
  if (library == nullptr) {
    ADD_FAILURE() << dlerror();
    return nullptr;
  }
  return reinterpret_cast<event_callback_fn>(dlsym(library, "lookalike_timer"));
}

TEST_F(BypassTest, ACallbackInALibraryNamedLikeLibeventIsNamed) {
  event_callback_fn cb = LookalikeTimer();
  ASSERT_NE(cb, nullptr);
  // Registered as libevent registers its own events: with the base as the
  // argument, and through event_base_once; neither may pass for libevent's.
  event* raw = event_new(base_, -1, EV_PERSIST, cb, base_);
  timeval hour = {3600, 0};
  event_add(raw, &hour);
  std::string err = RunListedHandler();
  EXPECT_STREQ(prism_runtime_mode(rt_), "serial");
  EXPECT_NE(err.find("lookalike_timer"), std::string::npos) << err;
  event_free(raw);
}

TEST_F(BypassTest, AnEventBaseOnceCallbackInALibraryNamedLikeLibeventIsNamed) {
  event_callback_fn cb = LookalikeTimer();
  ASSERT_NE(cb, nullptr);
  timeval hour = {3600, 0};
  ASSERT_EQ(event_base_once(base_, -1, EV_TIMEOUT, cb, nullptr, &hour), 0);
  std::string err = RunListedHandler();
  EXPECT_STREQ(prism_runtime_mode(rt_), "serial");
  EXPECT_NE(err.find("lookalike_timer"), std::string::npos) << err;
}

TEST_F(BypassTest, RawBuffereventCallbackIsNamed) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  bufferevent* bev =
      bufferevent_socket_new(base_, fds[0], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, on_raw_read, nullptr, nullptr, nullptr);
  bufferevent_enable(bev, EV_READ);
  std::string err = RunListedHandler();
  EXPECT_STREQ(prism_runtime_mode(rt_), "serial");
  EXPECT_NE(err.find("on_raw_read"), std::string::npos) << err;
  EXPECT_NE(err.find("bufferevent_setcb"), std::string::npos) << err;
  bufferevent_free(bev);
  close(fds[1]);
}

TEST_F(BypassTest, RawSetcbOverTheRuntimesCallbacksIsNamed) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  bufferevent* bev =
      bufferevent_socket_new(base_, fds[0], BEV_OPT_CLOSE_ON_FREE);
  prism_bufferevent_setcb(rt_, bev, on_raw_read, nullptr, nullptr, nullptr);
  bufferevent_setcb(bev, on_raw_read, nullptr, nullptr, nullptr);
  bufferevent_enable(bev, EV_READ);
  std::string err = RunListedHandler();
  EXPECT_STREQ(prism_runtime_mode(rt_), "serial");
  EXPECT_NE(err.find("on_raw_read"), std::string::npos) << err;
  bufferevent_free(bev);
  close(fds[1]);
}

TEST_F(BypassTest, RuntimeRegistrationsAreNotABypass) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  bufferevent* bev =
      bufferevent_socket_new(base_, fds[0], BEV_OPT_CLOSE_ON_FREE);
  prism_bufferevent_setcb(rt_, bev, on_raw_read, nullptr, nullptr, nullptr);
  bufferevent_enable(bev, EV_READ);
  event* timer = prism_evtimer_new(rt_, on_raw_timer, nullptr);
  timeval hour = {3600, 0};
  event_add(timer, &hour);
  prism_base_once(rt_, -1, EV_TIMEOUT, on_raw_timer, nullptr, &hour);
  event* sig = prism_evsignal_new(rt_, SIGUSR2, on_raw_timer, nullptr);
  event_add(sig, nullptr);
  std::string err = RunListedHandler();
  EXPECT_STREQ(prism_runtime_mode(rt_), "exact");
  EXPECT_EQ(err.find("running serial"), std::string::npos) << err;
  event_free(sig);
  event_free(timer);
  bufferevent_free(bev);
  close(fds[1]);
}

// A freed bufferevent's events wait in the base for libevent's finalizer,
// which carries the bufferevent as its argument and runs no program code.
TEST_F(BypassTest, AFreedBuffereventAwaitingItsFinalizerIsNotABypass) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  bufferevent* bev =
      bufferevent_socket_new(base_, fds[0], BEV_OPT_CLOSE_ON_FREE);
  prism_bufferevent_setcb(rt_, bev, on_raw_read, nullptr, nullptr, nullptr);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  // The listed handler is activated first, so that it is dispatched (and the
  // base's events are checked) while the finalizer still waits behind it.
  event* listed = prism_evtimer_new(rt_, on_listed, &listed_runs_);
  event_active(listed, EV_TIMEOUT, 0);
  bufferevent_free(bev);
  ::testing::internal::CaptureStderr();
  event_base_loop(base_, EVLOOP_ONCE);
  prism_runtime_drain(rt_);
  std::string err = ::testing::internal::GetCapturedStderr();
  event_free(listed);
  EXPECT_EQ(listed_runs_.load(), 1);
  EXPECT_STREQ(prism_runtime_mode(rt_), "exact");
  EXPECT_EQ(err.find("running serial"), std::string::npos) << err;
  close(fds[1]);
}

// ---- Bufferevent callbacks queued behind a running one.

struct RingState {
  int reads = 0;
  int writes = 0;
  int event_calls = 0;
  int eof_calls = 0;
};

static void on_ring_read(bufferevent* bev, void* arg) {
  RingState* r = static_cast<RingState*>(arg);
  if (r->reads++ != 0) return;
  // While this invocation runs: many event callbacks, a write callback, and
  // then the end of the stream. None may be lost.
  for (int i = 0; i < 7; ++i)
    bufferevent_trigger_event(bev, BEV_EVENT_TIMEOUT | BEV_EVENT_READING, 0);
  bufferevent_trigger(bev, EV_WRITE, 0);
  bufferevent_trigger_event(bev, BEV_EVENT_EOF, 0);
}
static void on_ring_write(bufferevent*, void* arg) {
  ++static_cast<RingState*>(arg)->writes;
}
static void on_ring_event(bufferevent*, short what, void* arg) {
  RingState* r = static_cast<RingState*>(arg);
  ++r->event_calls;
  if (what & BEV_EVENT_EOF) ++r->eof_calls;
}

TEST_P(EventTest, NoBuffereventCallbackIsLostBehindARunningOne) {
  StartRuntime({H("on_ring_read"), H("on_ring_write"), H("on_ring_event")},
               {2, 2, 2, 2, 2, 2, 2, 2, 2});
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  bufferevent* bev =
      bufferevent_socket_new(base_, fds[0], BEV_OPT_CLOSE_ON_FREE);
  RingState r;
  prism_bufferevent_setcb(rt_, bev, on_ring_read, on_ring_write, on_ring_event,
                          &r);
  bufferevent_trigger(bev, EV_READ, 0);
  prism_runtime_drain(rt_);
  EXPECT_EQ(r.reads, 1);
  EXPECT_EQ(r.writes, 1);
  EXPECT_EQ(r.eof_calls, 1);
  EXPECT_EQ(r.event_calls, 8);
  bufferevent_free(bev);
  close(fds[1]);
}

struct InlineProbe {
  event* exclusive_ev = nullptr;
  std::thread::id loop_thread;
  std::thread::id exclusive_ran_on;
  std::atomic<bool> slow_running{false};
  std::atomic<bool> exclusive_overlapped_slow{false};
  std::atomic<int> exclusive_runs{0};
};

static void on_all_conflicting(evutil_socket_t, short, void* arg) {
  InlineProbe* p = static_cast<InlineProbe*>(arg);
  p->exclusive_ran_on = std::this_thread::get_id();
  if (p->slow_running) p->exclusive_overlapped_slow = true;
  ++p->exclusive_runs;
}

// Long (a hand-off pays) and free of conflicts with itself: runs on a worker.
// While it runs it makes the all-conflicting handler ready on the loop thread.
static void on_slow_in_flight(evutil_socket_t, short, void* arg) {
  InlineProbe* p = static_cast<InlineProbe*>(arg);
  p->slow_running = true;
  event_active(p->exclusive_ev, EV_TIMEOUT, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  p->slow_running = false;
}

TEST_P(EventTest, AllConflictingHandlerRunsInlineOnlyWhenNothingIsInFlight) {
  // on_all_conflicting's row has the global bit against every handler,
  // itself included; on_slow_in_flight conflicts only with it.
  StartRuntime({H("on_all_conflicting"), H("on_slow_in_flight")},
               {1, 1,  //
                1, 0},
               2);
  InlineProbe p;
  p.loop_thread = std::this_thread::get_id();
  p.exclusive_ev = prism_evtimer_new(rt_, on_all_conflicting, &p);
  // Nothing in flight: it runs on the loop thread, in every mode.
  event_active(p.exclusive_ev, EV_TIMEOUT, 1);
  event_base_dispatch(base_);
  prism_runtime_drain(rt_);
  ASSERT_EQ(p.exclusive_runs.load(), 1);
  EXPECT_EQ(p.exclusive_ran_on, p.loop_thread);

  if (GetParam() != PRISM_SCHEDULER_SERIAL) {
    // Made ready while on_slow_in_flight runs on a worker: it must wait for
    // it, queued (so on a worker), never inline beside it.
    event* slow_ev = prism_evtimer_new(rt_, on_slow_in_flight, &p);
    event_active(slow_ev, EV_TIMEOUT, 1);
    event_base_dispatch(base_);
    prism_runtime_drain(rt_);
    ASSERT_EQ(p.exclusive_runs.load(), 2);
    EXPECT_FALSE(p.exclusive_overlapped_slow.load());
    EXPECT_NE(p.exclusive_ran_on, p.loop_thread);
    event_free(slow_ev);
  }
  event_free(p.exclusive_ev);
}

INSTANTIATE_TEST_SUITE_P(
    Modes, EventTest,
    ::testing::Values(PRISM_SCHEDULER_SERIAL, PRISM_SCHEDULER_HUECOLOR,
                      PRISM_SCHEDULER_EXACT),
    [](const ::testing::TestParamInfo<prism_scheduler>& info) {
      switch (info.param) {
        case PRISM_SCHEDULER_SERIAL:
          return "Serial";
        case PRISM_SCHEDULER_HUECOLOR:
          return "HueColor";
        default:
          return "Exact";
      }
    });

// ---- Echo server on loopback.
//
// Plain, unsynchronized globals: only the conflict matrix keeps them race-free,
// so TSan (and the checker) see any scheduling mistake.
struct EchoServer {
  prism_runtime* rt;
  event_base* base;
  int accepted = 0;     // on_accept only.
  int live = 0;         // on_accept ++, on_close --.
  int closed = 0;       // on_close only.
  long lines_seen = 0;  // on_close adds each connection's count.
  std::map<bufferevent*, struct Conn*>
      open;  // on_accept adds, on_close removes.
};
EchoServer* g_server;

struct Conn {
  int lines = 0;
};

std::atomic<int> g_line_delay_us{0};

static void on_line(struct bufferevent* bev, void* arg) {
  Conn* c = static_cast<Conn*>(arg);
  if (int us = g_line_delay_us.load())
    std::this_thread::sleep_for(std::chrono::microseconds(us));
  evbuffer* in = bufferevent_get_input(bev);
  size_t len;
  while (char* line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) {
    ++c->lines;
    std::string reply =
        std::string(line, len) + " #" + std::to_string(c->lines) + "\n";
    free(line);
    bufferevent_write(bev, reply.data(), reply.size());
  }
}

static void on_close(struct bufferevent* bev, short what, void* arg) {
  if ((what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) == 0) return;
  Conn* c = static_cast<Conn*>(arg);
  g_server->lines_seen += c->lines;
  --g_server->live;
  ++g_server->closed;
  g_server->open.erase(bev);
  delete c;
  bufferevent_free(bev);
}

static void on_accept(struct evconnlistener*, evutil_socket_t fd,
                      struct sockaddr*, int, void* arg) {
  EchoServer* s = static_cast<EchoServer*>(arg);
  ++s->accepted;
  ++s->live;
  bufferevent* bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
  Conn* conn = new Conn;
  s->open[bev] = conn;
  prism_bufferevent_setcb(s->rt, bev, on_line, NULL, on_close, conn);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
}

// One client: sends `lines` lines in a few writes, reads every reply, returns
// the transcript.
std::string RunClient(int port, int id, int lines, bool read_replies = true) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    close(fd);
    return "connect failed";
  }
  std::string request;
  for (int i = 0; i < lines; ++i)
    request +=
        "client " + std::to_string(id) + " line " + std::to_string(i) + "\n";
  // Uneven chunks so lines straddle reads.
  size_t sent = 0;
  while (sent < request.size()) {
    size_t chunk = std::min<size_t>(request.size() - sent, 37 + id % 50);
    ssize_t n = write(fd, request.data() + sent, chunk);
    if (n <= 0) break;
    sent += n;
  }
  std::string reply;
  char buf[4096];
  while (read_replies && CountLines(reply) < lines) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    reply.append(buf, n);
  }
  close(fd);
  return reply;
}

struct Ask {
  std::mutex mu;
  std::condition_variable cv;
  bool answered = false;
  bool done = false;
  int clients = 0;
};

static void on_ask(evutil_socket_t, short, void* arg) {
  Ask* a = static_cast<Ask*>(arg);
  std::lock_guard<std::mutex> lock(a->mu);
  a->done = g_server->closed == a->clients;
  a->answered = true;
  a->cv.notify_all();
}

static void on_ask_accepted(evutil_socket_t, short, void* arg) {
  Ask* a = static_cast<Ask*>(arg);
  std::lock_guard<std::mutex> lock(a->mu);
  a->done = g_server->accepted > 0;
  a->answered = true;
  a->cv.notify_all();
}

std::vector<std::string> RunEchoServer(prism_scheduler scheduler,
                                       const char* expected_mode,
                                       EchoServer* out) {
  const int kClients = 24, kLines = 60;
  event_base* base = event_base_new();
  std::string path = WriteConstraintFile(
      "echo.pb",
      MakeConstraintSet({H("on_accept"), H("on_line"), H("on_close")},
                        {1, 0, 1,  //
                         0, 2, 2,  //
                         1, 2, 3}));
  prism_options o = Options(path, scheduler);
  EchoServer server;
  server.base = base;
  server.rt = prism_runtime_new(base, &o);
  g_server = &server;
  EXPECT_NE(server.rt, nullptr);
  EXPECT_STREQ(prism_runtime_mode(server.rt), expected_mode);

  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  evconnlistener* listener = prism_evconnlistener_new_bind(
      server.rt, on_accept, &server, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
      128, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  EXPECT_NE(listener, nullptr);
  sockaddr_in bound{};
  socklen_t len = sizeof(bound);
  getsockname(evconnlistener_get_fd(listener),
              reinterpret_cast<sockaddr*>(&bound), &len);
  int port = ntohs(bound.sin_port);

  std::thread loop([base] { event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY); });
  std::vector<std::string> transcripts(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back(
        [&, i] { transcripts[i] = RunClient(port, i, kLines); });
  }
  for (std::thread& t : clients) t.join();
  // Let the server see every close (a wait with a generous bound, not a timing
  // assertion). The question runs as a handler the constraints do not name, so
  // it runs alone: no race.
  for (int i = 0; i < 4000; ++i) {
    Ask ask;
    ask.clients = kClients;
    timeval zero = {0, 0};
    prism_base_once(server.rt, -1, EV_TIMEOUT, on_ask, &ask, &zero);
    std::unique_lock<std::mutex> lock(ask.mu);
    ask.cv.wait(lock, [&] { return ask.answered; });
    if (ask.done) break;
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  event_base_loopbreak(base);
  loop.join();
  // Nothing the server registered bypassed the runtime.
  EXPECT_STREQ(prism_runtime_mode(server.rt), expected_mode);
  prism_runtime_drain(server.rt);
  evconnlistener_free(listener);
  prism_runtime_free(server.rt);
  event_base_free(base);
  *out = server;
  return transcripts;
}

TEST(EchoServerTest, AllModesGiveIdenticalResults) {
  const int kClients = 24, kLines = 60;
  std::vector<std::string> expected(kClients);
  for (int i = 0; i < kClients; ++i) {
    for (int j = 0; j < kLines; ++j) {
      expected[i] += "client " + std::to_string(i) + " line " +
                     std::to_string(j) + " #" + std::to_string(j + 1) + "\n";
    }
  }
  struct Mode {
    prism_scheduler scheduler;
    const char* name;
  };
  for (Mode mode : {Mode{PRISM_SCHEDULER_SERIAL, "serial"},
                    Mode{PRISM_SCHEDULER_HUECOLOR, "huecolor"},
                    Mode{PRISM_SCHEDULER_EXACT, "exact"}}) {
    SCOPED_TRACE(mode.name);
    EchoServer server;
    std::vector<std::string> transcripts =
        RunEchoServer(mode.scheduler, mode.name, &server);
    for (int i = 0; i < kClients; ++i)
      EXPECT_EQ(transcripts[i], expected[i]) << "client " << i;
    EXPECT_EQ(server.accepted, kClients);
    EXPECT_EQ(server.closed, kClients);
    EXPECT_EQ(server.live, 0);
    EXPECT_EQ(server.lines_seen, kClients * kLines);
  }
}

// Stopping the loop and freeing the runtime while bufferevent invocations are
// still queued: every queued invocation runs (drain), and nothing crashes or
// races.
TEST(ShutdownTest, FreeWhileBuffereventInvocationsAreQueued) {
  for (prism_scheduler scheduler :
       {PRISM_SCHEDULER_HUECOLOR, PRISM_SCHEDULER_EXACT}) {
    event_base* base = event_base_new();
    std::string path = WriteConstraintFile(
        "shutdown.pb",
        MakeConstraintSet({H("on_accept"), H("on_line"), H("on_close")},
                          {1, 0, 1, 0, 2, 2, 1, 2, 3}));
    prism_options o = Options(path, scheduler, 2);
    EchoServer server;
    server.base = base;
    server.rt = prism_runtime_new(base, &o);
    ASSERT_NE(server.rt, nullptr);
    g_server = &server;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    evconnlistener* listener = prism_evconnlistener_new_bind(
        server.rt, on_accept, &server,
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 128,
        reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
    ASSERT_NE(listener, nullptr);
    sockaddr_in bound{};
    socklen_t len = sizeof(bound);
    getsockname(evconnlistener_get_fd(listener),
                reinterpret_cast<sockaddr*>(&bound), &len);
    g_line_delay_us = 300;
    std::thread loop(
        [base] { event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY); });
    std::vector<std::thread> clients;
    for (int i = 0; i < 8; ++i) {
      clients.emplace_back(
          [&, i] { RunClient(ntohs(bound.sin_port), i, 20, false); });
    }
    // Stop as soon as the first connection was accepted, with lines in flight.
    for (int i = 0; i < 20000; ++i) {
      Ask ask;
      ask.clients = 0;
      timeval zero = {0, 0};
      prism_base_once(server.rt, -1, EV_TIMEOUT, on_ask_accepted, &ask, &zero);
      std::unique_lock<std::mutex> lock(ask.mu);
      ask.cv.wait(lock, [&] { return ask.answered; });
      if (ask.done) break;
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    event_base_loopbreak(base);
    loop.join();
    // Queued accepts use the listener: drain before freeing it.
    prism_runtime_drain(server.rt);
    evconnlistener_free(listener);
    prism_runtime_free(server.rt);
    g_line_delay_us = 0;
    for (auto& [bev, conn] :
         server.open) {  // Still open when the loop stopped.
      delete conn;
      bufferevent_free(bev);
    }
    server.open.clear();
    for (std::thread& t : clients) t.join();
    EXPECT_GE(server.accepted, 1);
    event_base_free(base);
  }
}

TEST(TelemetryTest, NamesHandlersOfTheConstraint) {
  // Two handlers conflicting globally, one slow: the other waits on that
  // constraint.
  event_base* base = event_base_new();
  std::string path = WriteConstraintFile(
      "telemetry.pb", MakeConstraintSet({H("on_x"), H("on_y"), H("on_w")},
                                        {0, 1, 0, 1, 0, 0, 0, 0, 0}));
  prism_options o = Options(path, PRISM_SCHEDULER_EXACT, 2);
  prism_runtime* rt = prism_runtime_new(base, &o);
  ASSERT_NE(rt, nullptr);
  Teardown t;  // Reuses on_x's wait: X holds its slot until W ran; Y
               // (conflicting) waits.
  t.rt = rt;
  t.x = prism_evtimer_new(rt, on_x, &t);
  t.y = prism_evtimer_new(rt, on_y, &t);
  t.w = prism_event_new(rt, -1, 0, on_w, &t);
  event_active(t.x, EV_TIMEOUT, 0);
  event_active(t.y, EV_TIMEOUT, 0);
  event_active(t.w, EV_TIMEOUT, 0);
  event_base_dispatch(base);
  prism_runtime_drain(rt);
  prism_constraint_stat stats[8];
  size_t n = prism_runtime_constraint_stats(rt, stats, 8);
  bool found = false;
  for (size_t i = 0; i < n && i < 8; ++i) {
    if (stats[i].waiting_handler == H("on_y").name &&
        stats[i].running_handler == H("on_x").name && stats[i].kind == 1) {
      found = stats[i].waits >= 1;
    }
  }
  EXPECT_TRUE(found);
  prism::v1::RuntimeTelemetry snapshot = RuntimeTelemetrySnapshot(rt);
  EXPECT_EQ(snapshot.mode(), "exact");
  EXPECT_EQ(snapshot.workers(), 2u);
  EXPECT_EQ(snapshot.handlers_size(), 3);  // on_x, on_y, on_w ran once each.
  ASSERT_GE(snapshot.waits_size(), 1);
  EXPECT_EQ(snapshot.waits(0).waiting(), 1u);
  EXPECT_EQ(snapshot.waits(0).running(), 0u);
  EXPECT_EQ(snapshot.waits(0).kind(), prism::v1::CONFLICT_KIND_GLOBAL);
  event_free(t.x);
  event_free(t.w);
  prism_runtime_free(rt);
  event_base_free(base);
}

}  // namespace
}  // namespace runtime
}  // namespace prism
