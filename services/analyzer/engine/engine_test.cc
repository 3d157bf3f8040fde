// Engine unit tests on hand-built summaries: the link step, handler discovery
// and conflicts without Clang in the loop (tests/analyzer/ runs the whole
// pipeline on real C files).
#include "services/analyzer/engine/engine.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "prism/engine/solved_memo.pb.h"
#include "services/analyzer/engine/solved_memo.h"

namespace prism::analyzer {
namespace {

using prism::v1::AnalysisResult;
using prism::v1::MemoryPath;
using prism::v1::TranslationUnitSummary;

MemoryPath Global(const std::string& name,
                  std::vector<std::string> selectors = {}) {
  MemoryPath path;
  path.set_base(MemoryPath::BASE_GLOBAL);
  path.set_global_usr("c:@" + name);
  path.set_name(name);
  for (const std::string& s : selectors) path.add_selectors(s);
  return path;
}

MemoryPath Param(int index, const std::string& name,
                 std::vector<std::string> selectors) {
  MemoryPath path;
  path.set_base(MemoryPath::BASE_PARAMETER);
  path.set_parameter_index(index);
  path.set_name(name);
  for (const std::string& s : selectors) path.add_selectors(s);
  return path;
}

prism::v1::ArgumentValue Loaded(const MemoryPath& path) {
  prism::v1::ArgumentValue value;
  *value.add_sources()->mutable_loaded_from() = path;
  return value;
}

prism::v1::ArgumentValue AddressOf(const MemoryPath& path) {
  prism::v1::ArgumentValue value;
  *value.add_sources()->mutable_address_of() = path;
  return value;
}

prism::v1::ArgumentValue FunctionValue(const std::string& name) {
  prism::v1::ArgumentValue value;
  value.add_sources()->set_function_usr("c:@F@" + name);
  return value;
}

class Builder {
 public:
  explicit Builder(const std::string& file = "server.c") {
    summary_.set_main_file(file);
    summary_.set_parsed(true);
  }
  prism::v1::Function* Function(const std::string& name, int params = 3,
                                int line = 1) {
    prism::v1::Function* function = summary_.add_functions();
    function->set_usr("c:@F@" + name);
    function->set_name(name);
    function->set_has_body(true);
    function->set_parameter_count(params);
    function->mutable_location()->set_file(summary_.main_file());
    function->mutable_location()->set_line(line);
    current_ = function;
    return function;
  }
  Builder& Access(const MemoryPath& path, bool write, int line) {
    prism::v1::Access* access = current_->add_accesses();
    *access->mutable_path() = path;
    access->set_kind(write ? prism::v1::ACCESS_KIND_WRITE
                           : prism::v1::ACCESS_KIND_READ);
    access->mutable_location()->set_file(summary_.main_file());
    access->mutable_location()->set_line(line);
    access->mutable_location()->set_column(3);
    return *this;
  }
  Builder& Call(const std::string& callee,
                std::vector<prism::v1::ArgumentValue> args, int line,
                bool defined_elsewhere = true) {
    prism::v1::Call* call = current_->add_calls();
    if (defined_elsewhere) call->set_callee_usr("c:@F@" + callee);
    call->set_callee_name(callee);
    for (auto& arg : args) *call->add_arguments() = arg;
    call->mutable_location()->set_file(summary_.main_file());
    call->mutable_location()->set_line(line);
    call->set_index(current_->calls_size() - 1);
    return *this;
  }
  // event_new(base, fd, what, cb, arg)
  Builder& Register(const std::string& handler,
                    prism::v1::ArgumentValue context, int line) {
    return Call("event_new", {{}, {}, {}, FunctionValue(handler), context},
                line, false);
  }
  Builder& Store(const MemoryPath& target, prism::v1::ArgumentValue value,
                 int line) {
    prism::v1::PointerStore* store = current_->add_stores();
    *store->mutable_target() = target;
    *store->mutable_value() = value;
    store->mutable_location()->set_line(line);
    return *this;
  }
  TranslationUnitSummary& summary() { return summary_; }

 private:
  TranslationUnitSummary summary_;
  prism::v1::Function* current_ = nullptr;
};

AnalysisResult RunAnalysis(std::vector<TranslationUnitSummary> summaries,
                           std::vector<Override> overrides = {}) {
  AnalysisOptions options;
  options.models = *BuiltinModels();
  options.overrides = std::move(overrides);
  absl::StatusOr<AnalysisResult> result = Analyze(summaries, options);
  EXPECT_TRUE(result.ok()) << result.status();
  return *result;
}

int Cell(const AnalysisResult& result, const std::string& a,
         const std::string& b) {
  int i = -1, j = -1;
  for (int k = 0; k < result.handlers_size(); ++k) {
    if (result.handlers(k).name() == a) i = k;
    if (result.handlers(k).name() == b) j = k;
  }
  EXPECT_GE(i, 0) << a;
  EXPECT_GE(j, 0) << b;
  if (i < 0 || j < 0) return -1;
  return result.matrix().cells()[i * result.handlers_size() + j];
}

// The seed's example: cell (send, read) = 3.
TEST(Engine, SeedExample) {
  Builder b;
  b.Function("handle_send", 3, 10);
  b.Access(Global("glob_ctr"), false, 11).Access(Global("glob_ctr"), true, 11);
  b.Access(Param(2, "ctxt", {"*", "state"}), true, 12);
  b.Function("handle_read", 3, 20);
  b.Access(Global("glob_ctr"), false, 21)
      .Access(Param(2, "ctxt", {"*", "state"}), true, 22);
  b.Function("main", 0, 30);
  b.Register("handle_send", {}, 31).Register("handle_read", {}, 32);
  AnalysisResult result = RunAnalysis({b.summary()});
  ASSERT_EQ(result.handlers_size(), 2);
  EXPECT_EQ(Cell(result, "handle_send", "handle_read"), 3);
  EXPECT_EQ(Cell(result, "handle_read", "handle_send"), 3);
  EXPECT_EQ(Cell(result, "handle_send", "handle_send"), 3);
  EXPECT_EQ(Cell(result, "handle_read", "handle_read"),
            2);  // read/read of glob_ctr: nothing.
  EXPECT_TRUE(result.complete());
  bool found = false;
  for (const auto& conflict : result.conflicts()) {
    if (conflict.resource() == "glob_ctr" && conflict.a() != conflict.b()) {
      found = true;
      EXPECT_EQ(conflict.kind(), prism::v1::CONFLICT_KIND_GLOBAL);
    }
  }
  EXPECT_TRUE(found);
}

// bump(int *p) { (*p)++; } with &g in one handler and &c->events in another.
TEST(Engine, HelperInstantiatedPerCallSite) {
  Builder b;
  b.Function("bump", 1, 1);
  b.Access(Param(0, "p", {"*"}), true, 2);
  b.Function("on_global", 3, 10);
  b.Call("bump", {AddressOf(Global("g_events"))}, 11);
  b.Function("on_context", 3, 20);
  b.Call("bump", {AddressOf(Param(2, "c", {"*", "events"}))}, 21);
  b.Function("main", 0, 30);
  b.Register("on_global", {}, 31).Register("on_context", {}, 32);
  AnalysisResult result = RunAnalysis({b.summary()});
  EXPECT_EQ(Cell(result, "on_global", "on_global"), 1);
  EXPECT_EQ(Cell(result, "on_context", "on_context"), 2);
  EXPECT_EQ(Cell(result, "on_global", "on_context"), 0);
}

TEST(Engine, WrapperRegistrationToDepthTwo) {
  Builder b;
  b.Function("cb", 3, 1);
  b.Access(Global("x"), true, 2);
  // inner(f, arg) { event_new(base, -1, 0, f, arg); }
  b.Function("inner", 2, 10);
  b.Call("event_new",
         {{}, {}, {}, Loaded(Param(0, "f", {})), Loaded(Param(1, "arg", {}))},
         11, false);
  b.Function("outer", 2, 20);
  b.Call("inner", {Loaded(Param(0, "f", {})), Loaded(Param(1, "arg", {}))}, 21);
  b.Function("main", 0, 30);
  b.Call("outer", {FunctionValue("cb"), {}}, 31);
  AnalysisResult result = RunAnalysis({b.summary()});
  ASSERT_EQ(result.handlers_size(), 1);
  EXPECT_EQ(result.handlers(0).name(), "cb");
  ASSERT_EQ(result.handlers(0).registrations_size(), 1);
  EXPECT_EQ(result.handlers(0).registrations(0).via_size(),
            3);  // main, outer, inner
  EXPECT_EQ(Cell(result, "cb", "cb"), 1);
}

TEST(Engine, LocalsOnlyHandlerHasNoConflicts) {
  Builder b;
  b.Function("quiet", 3, 1);
  MemoryPath local;
  local.set_base(MemoryPath::BASE_FRESH);
  b.Access(local, true, 2);
  b.Call("malloc", {{}}, 3, false);
  b.Function("main", 0, 30);
  b.Register("quiet", {}, 31);
  AnalysisResult result = RunAnalysis({b.summary()});
  EXPECT_EQ(Cell(result, "quiet", "quiet"), 0);
  EXPECT_EQ(result.conflicts_size(), 0);
}

TEST(Engine, UnknownFunctionIsConservative) {
  Builder b;
  b.Function("a", 3, 1);
  b.Call("mystery", {Loaded(Param(2, "arg", {}))}, 2, false);
  b.Function("b", 3, 10);
  b.Access(Global("y"), false, 11);
  b.Function("main", 0, 30);
  b.Register("a", {}, 31).Register("b", {}, 32);
  AnalysisResult result = RunAnalysis({b.summary()});
  EXPECT_EQ(Cell(result, "a", "b") & 1,
            1);  // <unknown> write vs a global read.
  EXPECT_EQ(Cell(result, "a", "a") & 1, 1);
  EXPECT_EQ(Cell(result, "b", "b"), 0);
}

TEST(Engine, HiddenStateOfStrtok) {
  Builder b;
  b.Function("a", 3, 1);
  b.Call("strtok", {{}, {}}, 2, false);
  b.Function("b", 3, 10);
  b.Call("strtok", {{}, {}}, 11, false);
  b.Function("c", 3, 20);
  b.Call("strlen", {{}}, 21, false);
  b.Function("main", 0, 30);
  b.Register("a", {}, 31).Register("b", {}, 32).Register("c", {}, 33);
  AnalysisResult result = RunAnalysis({b.summary()});
  EXPECT_EQ(Cell(result, "a", "b"), 1);
  EXPECT_EQ(Cell(result, "a", "c"), 0);
  ASSERT_GT(result.conflicts_size(), 0);
  EXPECT_EQ(result.conflicts(0).resource(), "libc:strtok");
}

TEST(Engine, EscapeMakesContextAccessesGlobal) {
  Builder b;
  b.Function("stash", 3, 1);
  b.Store(Global("g_last"), Loaded(Param(2, "c", {})), 2);
  b.Access(Param(2, "c", {"*", "state"}), true, 3);
  b.Function("peek", 3, 10);
  b.Access(Global("g_last", {"*", "state"}), false, 11);
  b.Function("main", 0, 30);
  b.Register("stash", {}, 31).Register("peek", {}, 32);
  AnalysisResult result = RunAnalysis({b.summary()});
  EXPECT_EQ(Cell(result, "stash", "peek") & 1, 1);
}

TEST(Engine, DifferentFieldsAndOverrides) {
  Builder b;
  b.Function("a", 3, 1);
  b.Access(Global("stats", {"hits"}), true, 2);
  b.Function("b", 3, 10);
  b.Access(Global("stats", {"misses"}), true, 11);
  b.Function("main", 0, 30);
  b.Register("a", {}, 31).Register("b", {}, 32);
  AnalysisResult result = RunAnalysis({b.summary()});
  EXPECT_EQ(Cell(result, "a", "b"), 0);
  EXPECT_EQ(Cell(result, "a", "a"), 1);
  AnalysisResult overridden =
      RunAnalysis({b.summary()}, {{"stats.hits", "per-thread", {}}});
  EXPECT_EQ(Cell(overridden, "a", "a"), 0);
  bool removed = false;
  for (const auto& conflict : overridden.conflicts()) {
    removed |= conflict.removed_by_programmer() &&
               conflict.removal_reason() == "per-thread";
  }
  EXPECT_TRUE(removed);
}

TEST(Engine, FailedTranslationUnitIsIncompleteAndConservative) {
  Builder good("main.c");
  good.Function("main", 0, 1);
  good.Register("h", {}, 2);
  good.Function("g", 3, 5);
  good.Access(Global("y"), false, 6);
  good.Register("g", {}, 7);
  Builder bad("broken.c");
  bad.summary().set_parsed(false);
  bad.Function("h", 3, 1);
  bad.Access(Global("unrelated"), false, 2);
  AnalysisResult result = RunAnalysis({good.summary(), bad.summary()});
  EXPECT_FALSE(result.complete());
  EXPECT_EQ(Cell(result, "h", "g") & 1, 1);
}

TEST(Engine, SameFunctionTwiceIsOneHandler) {
  Builder b;
  b.Function("h", 3, 1);
  b.Access(Global("x"), true, 2);
  b.Function("main", 0, 30);
  b.Register("h", {}, 31);
  AnalysisResult result = RunAnalysis({b.summary(), b.summary()});
  EXPECT_EQ(result.handlers_size(), 1);
}

TEST(Engine, ConstraintSetHues) {
  Builder b;
  for (const char* name : {"a", "b", "c"}) b.Function(name, 3, 1);
  b.summary().mutable_functions(0)->add_accesses()->CopyFrom([] {
    prism::v1::Access access;
    *access.mutable_path() = Global("x");
    access.set_kind(prism::v1::ACCESS_KIND_WRITE);
    return access;
  }());
  *b.summary().mutable_functions(1)->add_accesses() =
      b.summary().functions(0).accesses(0);
  b.Function("main", 0, 30);
  b.Register("a", {}, 31).Register("b", {}, 32).Register("c", {}, 33);
  prism::v1::ConstraintSet set =
      BuildConstraintSet(RunAnalysis({b.summary()}), "abc");
  EXPECT_EQ(set.format_version(), 1u);
  EXPECT_EQ(set.build_id(), "abc");
  ASSERT_EQ(set.hue_size(), 3);
  EXPECT_EQ(set.hue(0), set.hue(1));
  EXPECT_NE(set.hue(0), set.hue(2));
}

// A handler using thread-local storage: the ConstraintSet asks for serial
// execution and says why; a program without one does not.
TEST(Engine, ThreadLocalMeansSerial) {
  Builder b;
  b.Function("a", 3, 1);
  prism::v1::Access* access = b.summary().mutable_functions(0)->add_accesses();
  *access->mutable_path() = Global("t_count");
  access->set_kind(prism::v1::ACCESS_KIND_WRITE);
  b.Function("main", 0, 30);
  b.Register("a", {}, 31);
  prism::v1::TranslationUnitSummary plain = b.summary();
  EXPECT_EQ(
      BuildConstraintSet(RunAnalysis({plain}), "abc").serial_reasons_size(), 0);
  prism::v1::Declaration* declaration = b.summary().add_declarations();
  declaration->set_kind(prism::v1::Declaration::KIND_GLOBAL);
  declaration->set_usr(access->path().global_usr());
  declaration->set_name("t_count");
  declaration->set_per_thread(true);
  prism::v1::ConstraintSet set =
      BuildConstraintSet(RunAnalysis({b.summary()}), "abc");
  ASSERT_EQ(set.serial_reasons_size(), 1);
  EXPECT_NE(set.serial_reasons(0).find("t_count"), std::string::npos);
}

// A recursive component larger than the fixpoint bound gets the worst case:
// its members conflict with every global access (<unknown>), never nothing.
TEST(Engine, HugeRecursiveComponentAssumesTheWorst) {
  Builder b;
  const int n = 80;
  for (int i = 0; i < n; ++i) {
    b.Function("f" + std::to_string(i), 1, i + 1);
    b.Call("f" + std::to_string((i + 1) % n), {Loaded(Param(0, "p", {}))},
           i + 1);
  }
  b.Function("h", 3, 100);
  b.Call("f0", {Loaded(Param(2, "arg", {}))}, 101);
  b.Function("reader", 3, 110);
  b.Access(Global("y"), false, 111);
  b.Function("main", 0, 120);
  b.Register("h", {}, 121).Register("reader", {}, 122);
  AnalysisResult result = RunAnalysis({b.summary()});
  EXPECT_EQ(Cell(result, "h", "reader") & 1, 1);
  EXPECT_EQ(Cell(result, "h", "h"), 3);  // <unknown>, and its context written.
  EXPECT_EQ(Cell(result, "reader", "reader"), 0);
}

TEST(Engine, ReportsMentionConflicts) {
  Builder b;
  b.Function("h", 3, 1);
  b.Access(Global("x"), true, 2);
  b.Function("main", 0, 30);
  b.Register("h", {}, 31);
  AnalysisResult result = RunAnalysis({b.summary()});
  std::string json = FormatReport(result, ReportFormat::kJson);
  EXPECT_NE(json.find("\"matrix\": [[1]]"), std::string::npos) << json;
  EXPECT_NE(json.find("\"resource\": \"x\""), std::string::npos) << json;
  std::string text = FormatReport(result, ReportFormat::kText);
  EXPECT_NE(text.find(" 01"), std::string::npos) << text;
  EXPECT_NE(text.find("server.c:2:3: note: global conflict"), std::string::npos)
      << text;
  std::string sarif = FormatReport(result, ReportFormat::kSarif);
  EXPECT_NE(sarif.find("\"version\": \"2.1.0\""), std::string::npos);
}

// Enough handlers that the pair phase runs on several threads: the report
// is the one a single thread makes, and right. Handler h0 writes g_shared,
// which every other handler reads; each handler writes its own global.
TEST(Engine, PairsOnSeveralThreadsGiveTheSingleThreadReport) {
  constexpr int kHandlers = 48;  // 1,176 pairs: several threads' worth.
  Builder b;
  b.Function("main", 0);
  for (int k = 0; k < kHandlers; ++k) {
    b.Register("h" + std::to_string(k), {}, 10 + k);
  }
  for (int k = 0; k < kHandlers; ++k) {
    b.Function("h" + std::to_string(k), 3, 100 + k);
    b.Access(Global("g_shared"), /*write=*/k == 0, 100 + k);
    b.Access(Global("g" + std::to_string(k)), /*write=*/true, 100 + k);
  }
  auto run = [&](int jobs) {
    AnalysisOptions options;
    options.models = *BuiltinModels();
    options.jobs = jobs;
    absl::StatusOr<AnalysisResult> result = Analyze({b.summary()}, options);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : AnalysisResult();
  };
  const AnalysisResult one = run(1);
  const AnalysisResult four = run(4);
  EXPECT_EQ(one.DebugString(), four.DebugString());
  ASSERT_EQ(four.handlers_size(), kHandlers);
  for (int i = 0; i < kHandlers; ++i) {
    for (int j = 0; j < kHandlers; ++j) {
      const std::string a = "h" + std::to_string(i);
      const std::string c = "h" + std::to_string(j);
      const int want = (i == j || i == 0 || j == 0) ? 1 : 0;
      EXPECT_EQ(Cell(four, a, c), want) << a << " x " << c;
    }
  }
  // The plan's first step is g_shared: it alone holds the 47 pairs with h0
  // (h0 with itself is held by g0 as well).
  ASSERT_GT(four.removal_plan_size(), 0);
  EXPECT_EQ(four.removal_plan(0).group(), "g_shared");
  EXPECT_EQ(four.removal_plan(0).pairs(), kHandlers - 1);
}

// A program of two handlers, each calling a helper of its own: a change to one
// helper solves again only its component and its caller's; the report is the
// one a link without the memo gives.
TranslationUnitSummary TwoHelpers(bool first_helper_writes_y) {
  Builder b;
  b.Function("helper_a", 0, 1);
  b.Access(Global(first_helper_writes_y ? "y" : "x"), true, 2);
  b.Function("helper_b", 0, 5);
  b.Access(Global("z"), true, 6);
  b.Function("on_a", 3, 10);
  b.Call("helper_a", {}, 11);
  b.Function("on_b", 3, 20);
  b.Call("helper_b", {}, 21).Access(Global("y"), false, 22);
  b.Function("main", 0, 30);
  b.Register("on_a", {}, 31).Register("on_b", {}, 32);
  return b.summary();
}

AnalysisResult AnalyzeWithMemo(const TranslationUnitSummary& summary,
                               SolvedMemo* memo) {
  AnalysisOptions options;
  options.models = *BuiltinModels();
  options.solved_memo = memo;
  options.jobs = 2;  // Components reused and kept on several threads.
  absl::StatusOr<AnalysisResult> result = Analyze({summary}, options);
  EXPECT_TRUE(result.ok()) << result.status();
  return *result;
}

TEST(SolvedMemo, ChangeSolvesOnlyWhatItReaches) {
  SolvedMemo memo("test");
  const AnalysisResult cold = AnalyzeWithMemo(TwoHelpers(false), &memo);
  EXPECT_EQ(memo.reused(), 0u);
  const size_t components = memo.solved();
  ASSERT_EQ(components, 5u);  // Five functions, no recursion.

  // Unchanged: everything from the memo, the same report.
  const AnalysisResult warm = AnalyzeWithMemo(TwoHelpers(false), &memo);
  EXPECT_EQ(memo.solved(), 0u);
  EXPECT_EQ(memo.reused(), components);
  EXPECT_EQ(warm.SerializeAsString(), cold.SerializeAsString());

  // helper_a changes: it and on_a are solved again (on_a's callee summary
  // changed); helper_b, on_b and main (whose callees did not change) are not.
  const AnalysisResult changed = AnalyzeWithMemo(TwoHelpers(true), &memo);
  EXPECT_EQ(memo.solved(), 2u);
  EXPECT_EQ(memo.reused(), 3u);
  EXPECT_EQ(changed.SerializeAsString(),
            RunAnalysis({TwoHelpers(true)}).SerializeAsString());
  EXPECT_EQ(Cell(changed, "on_a", "on_b"), 1);  // y, written and read.
  EXPECT_EQ(Cell(cold, "on_a", "on_b"), 0);
}

TEST(SolvedMemo, AnotherContextOrDamagedEntriesAreSolvedAgain) {
  SolvedMemo memo("engine build 1");
  const AnalysisResult cold = AnalyzeWithMemo(TwoHelpers(false), &memo);
  const std::string kept = memo.Serialize();

  // Kept by another build of the engine: nothing of it is used.
  SolvedMemo other("engine build 2");
  ASSERT_TRUE(other.Load(kept));
  EXPECT_EQ(AnalyzeWithMemo(TwoHelpers(false), &other).SerializeAsString(),
            cold.SerializeAsString());
  EXPECT_EQ(other.reused(), 0u);

  // Bytes that are not a memo: refused whole.
  SolvedMemo garbage("engine build 1");
  EXPECT_FALSE(garbage.Load(std::string("\xff\xff\xff not a memo", 22)));

  // One entry damaged (its component's bytes cut short): that component is
  // solved again, the others are reused, the report is the same.
  prism::engine::SolvedMemoEntries entries;
  ASSERT_TRUE(entries.ParseFromString(kept));
  ASSERT_EQ(entries.entries_size(), 5);
  std::string* bytes = entries.mutable_entries(2)->mutable_component();
  bytes->resize(bytes->size() / 2);
  SolvedMemo reloaded("engine build 1");
  ASSERT_TRUE(reloaded.Load(entries.SerializeAsString()));
  EXPECT_EQ(AnalyzeWithMemo(TwoHelpers(false), &reloaded).SerializeAsString(),
            cold.SerializeAsString());
  EXPECT_GE(reloaded.solved(), 1u);
  EXPECT_LT(reloaded.solved(), 5u);

  // One member's summary altered so that it still decodes (a flipped bit
  // inside a string): its digest no longer matches, so it is solved again.
  ASSERT_TRUE(entries.ParseFromString(kept));
  bool altered = false;
  for (prism::engine::SolvedMemoEntries::Entry& entry :
       *entries.mutable_entries()) {
    prism::engine::SolvedComponent component;
    ASSERT_TRUE(component.ParseFromString(entry.component()));
    prism::engine::SolvedFunction function;
    ASSERT_TRUE(function.ParseFromString(component.members(0).solved()));
    for (std::string& text : *function.mutable_strings()) {
      if (text == "c:@x" || text == "c:@z") {
        text = "c:@q";  // Another global: a conflict would move.
        altered = true;
      }
    }
    function.SerializeToString(component.mutable_members(0)->mutable_solved());
    component.SerializeToString(entry.mutable_component());
  }
  ASSERT_TRUE(altered);
  SolvedMemo tampered("engine build 1");
  ASSERT_TRUE(tampered.Load(entries.SerializeAsString()));
  EXPECT_EQ(AnalyzeWithMemo(TwoHelpers(false), &tampered).SerializeAsString(),
            cold.SerializeAsString());
  EXPECT_EQ(tampered.solved(), 2u);  // helper_a and helper_b.
}

}  // namespace
}  // namespace prism::analyzer
