#include "services/analyzer/frontend/summarize.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/analyzer/frontend/compilation_database.h"

namespace prism::frontend {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

// Summarizes `source` written as `name` in a fresh directory, compiled with
// `flags`.
v1::TranslationUnitSummary Summarize(const std::string& name,
                                     const std::string& source,
                                     std::vector<std::string> flags = {}) {
  static int counter = 0;
  std::string dir = absl::StrCat(TempDir(), "/tu", ++counter);
  std::system(absl::StrCat("mkdir -p ", dir).c_str());
  WriteFile(dir + "/" + name, source);
  absl::StatusOr<std::vector<CompileCommand>> commands =
      CommandsFromFlags({name}, flags, dir);
  EXPECT_TRUE(commands.ok());
  absl::StatusOr<v1::TranslationUnitSummary> summary =
      SummarizeTranslationUnit((*commands)[0]);
  EXPECT_TRUE(summary.ok()) << summary.status();
  return *summary;
}

const v1::Function* Find(const v1::TranslationUnitSummary& summary,
                         const std::string& name) {
  for (const v1::Function& function : summary.functions()) {
    if (function.name() == name) return &function;
  }
  return nullptr;
}

// Compact spellings of paths, values and accesses, so expectations read like
// the code.
std::string PathString(const v1::MemoryPath& path) {
  std::string base;
  switch (path.base()) {
    case v1::MemoryPath::BASE_GLOBAL:
      base = "G:" + path.name();
      break;
    case v1::MemoryPath::BASE_PARAMETER:
      base = absl::StrCat("P", path.parameter_index());
      break;
    case v1::MemoryPath::BASE_THIS:
      base = "THIS";
      break;
    case v1::MemoryPath::BASE_FRESH:
      base = "FRESH";
      break;
    case v1::MemoryPath::BASE_RETURN:
      base = absl::StrCat("RET", path.parameter_index());
      break;
    case v1::MemoryPath::BASE_HIDDEN_STATE:
      base = "HIDDEN";
      break;
    default:
      base = "UNKNOWN";
  }
  std::string dots = path.truncated() ? "..." : "";
  if (path.selectors_size() == 0) return base + dots;
  return base + " " + absl::StrJoin(path.selectors(), ".") + dots;
}

std::vector<std::string> Accesses(const v1::Function* function) {
  std::vector<std::string> out;
  if (function == nullptr) return out;
  for (const v1::Access& access : function->accesses()) {
    out.push_back(absl::StrCat(
        access.kind() == v1::ACCESS_KIND_WRITE ? "W " : "R ",
        PathString(access.path()), access.atomic() ? " atomic" : ""));
  }
  return out;
}

std::string ValueString(const v1::ArgumentValue& value) {
  std::vector<std::string> parts;
  for (const v1::ValueSource& source : value.sources()) {
    switch (source.source_case()) {
      case v1::ValueSource::kAddressOf:
        parts.push_back("&" + PathString(source.address_of()));
        break;
      case v1::ValueSource::kLoadedFrom:
        parts.push_back("=" + PathString(source.loaded_from()));
        break;
      case v1::ValueSource::kFunctionUsr:
        parts.push_back("fn " + source.function_usr());
        break;
      default:
        parts.push_back("?");
    }
  }
  return "{" + absl::StrJoin(parts, ", ") + "}";
}

std::vector<std::string> Calls(const v1::Function* function) {
  std::vector<std::string> out;
  if (function == nullptr) return out;
  for (const v1::Call& call : function->calls()) {
    std::vector<std::string> args;
    for (const v1::ArgumentValue& arg : call.arguments())
      args.push_back(ValueString(arg));
    std::string callee = call.callee_name().empty()
                             ? "indirect " + call.indirect_type()
                             : call.callee_name();
    std::string text = absl::StrCat(call.index(), " ", callee, "(",
                                    absl::StrJoin(args, " "), ")");
    if (call.this_argument().sources_size() > 0) {
      absl::StrAppend(&text, " this=", ValueString(call.this_argument()));
    }
    out.push_back(text);
  }
  return out;
}

std::vector<std::string> Stores(const v1::Function* function) {
  std::vector<std::string> out;
  for (const v1::PointerStore& store : function->stores()) {
    out.push_back(PathString(store.target()) +
                  " := " + ValueString(store.value()));
  }
  return out;
}

TEST(SummarizeTest, SeedExampleGlobalAndContextAccesses) {
  v1::TranslationUnitSummary summary = Summarize("server.c", R"(
struct ctxt { int state; };
int glob_ctr;
void handle_send(int fd, short what, void *arg) {
  struct ctxt *ctxt = arg;
  glob_ctr++;
  ctxt->state = 2;
}
void handle_read(int fd, short what, void *arg) {
  struct ctxt *ctxt = arg;
  if (glob_ctr) ctxt->state = 1;
}
)");
  EXPECT_TRUE(summary.parsed());
  EXPECT_EQ(summary.main_file(), "server.c");
  EXPECT_EQ(summary.input_digest().size(), 64u);
  const v1::Function* send = Find(summary, "handle_send");
  ASSERT_NE(send, nullptr);
  EXPECT_TRUE(send->has_body());
  EXPECT_FALSE(send->internal_linkage());
  EXPECT_EQ(send->parameter_count(), 3u);
  EXPECT_EQ(send->type(), "void (int, short, void *)");
  EXPECT_EQ(send->location().file(), "server.c");
  EXPECT_EQ(send->location().line(), 4u);
  EXPECT_THAT(
      Accesses(send),
      UnorderedElementsAre("R G:glob_ctr", "W G:glob_ctr", "W P2 *.state"));
  EXPECT_THAT(Accesses(Find(summary, "handle_read")),
              UnorderedElementsAre("R G:glob_ctr", "W P2 *.state"));
  ASSERT_EQ(send->accesses_size(), 3);
  EXPECT_EQ(send->accesses(2).location().line(), 7u);
  EXPECT_EQ(send->accesses(2).location().column(), 3u);
  EXPECT_EQ(send->accesses(0).path().global_usr(), "c:@glob_ctr");
}

TEST(SummarizeTest, NestedMemberChainsRecordEveryPointerRead) {
  v1::TranslationUnitSummary summary = Summarize("chain.c", R"(
struct state { int value; };
struct inner { struct state *state; };
struct conn { struct inner *conn; };
void f(struct conn *c) { c->conn->state->value = 1; }
)");
  EXPECT_THAT(Accesses(Find(summary, "f")),
              UnorderedElementsAre("R P0 *.conn", "R P0 *.conn.*.state",
                                   "W P0 *.conn.*.state.*.value"));
}

TEST(SummarizeTest, LocalPointerFlowIsFollowed) {
  v1::TranslationUnitSummary summary = Summarize("flow.c", R"(
struct conn { int x; struct conn *next; };
struct conn *g_table[8];
struct conn *lookup(int);
void f(void *arg, int i, long raw) {
  struct conn *c = arg;
  if (i) c = g_table[i];
  c->x = 1;
  struct conn *d = (struct conn *)raw;
  d->x = 2;
  struct conn *e = lookup(i);
  e->x = 3;
}
)");
  const v1::Function* f = Find(summary, "f");
  EXPECT_THAT(Accesses(f), UnorderedElementsAre("R G:g_table []", "W P0 *.x",
                                                "W G:g_table [].*.x",
                                                "W UNKNOWN", "W RET0 *.x"));
  EXPECT_THAT(Calls(f), UnorderedElementsAre("0 lookup({})"));
}

TEST(SummarizeTest, LoopsOverStructuresAreCutToACoveringPath) {
  v1::TranslationUnitSummary summary = Summarize("loop.c", R"(
struct node { int v; struct node *next; struct node *child; };
struct node *head;
void walk(void) {
  for (struct node *p = head; p; p = p->next) p->v = 1;
}
void tree(struct node *t) {
  while (t) t = t->v ? t->child : t->next;
}
)");
  EXPECT_THAT(
      Accesses(Find(summary, "walk")),
      UnorderedElementsAre("R G:head", "W G:head *.v", "R G:head *.next",
                           "W G:head *...", "R G:head *..."));
  EXPECT_THAT(Accesses(Find(summary, "tree")),
              UnorderedElementsAre("R P0 *.v", "R P0 *.child", "R P0 *.next",
                                   "R P0 *...", "R P0 *...", "R P0 *..."));
}

TEST(SummarizeTest, PointersInsideByValueStructsAreFollowed) {
  v1::TranslationUnitSummary summary = Summarize("byvalue.c", R"(
struct conn { int state; };
struct job { int id; struct conn *conn; };
void run(struct job job) {
  job.id = 2;
  job.conn->state = 1;
}
)");
  EXPECT_THAT(Accesses(Find(summary, "run")),
              UnorderedElementsAre("W P0 conn.*.state"));
}

TEST(SummarizeTest, PointersStoredInLocalStructsAreFollowed) {
  v1::TranslationUnitSummary summary = Summarize("localstruct.c", R"(
struct conn { int state; };
struct holder { struct conn *c; int n; };
struct holder g_holder;
void keep(struct conn *arg, struct holder by_value) {
  struct holder h;
  h.c = arg;
  h.c->state = 1;
  g_holder = h;
  by_value.c = &(struct conn){0};
  by_value.c->state = 2;
}
)");
  const v1::Function* keep = Find(summary, "keep");
  EXPECT_THAT(
      Accesses(keep),
      UnorderedElementsAre("W P0 *.state", "W G:g_holder", "W P1 c.*.state"));
  // h is the function's own memory, but what it now points to is not: the
  // store is kept (a caller may pass global memory as arg).
  EXPECT_THAT(Stores(keep),
              UnorderedElementsAre("G:g_holder := {=P0}", "FRESH c := {=P0}"));
}

TEST(SummarizeTest, PointersToSharedMemoryStoredIntoFreshObjectsAreKept) {
  v1::TranslationUnitSummary summary = Summarize("fresh_store.c", R"(
#include <stdlib.h>
struct server { int count; };
struct server g_server;
struct conn { struct server *srv; char *buf; };
struct conn *conn_new(void) {
  struct conn *c = malloc(sizeof *c);
  c->srv = &g_server;
  c->buf = malloc(16);
  return c;
}
)");
  // The global's address is recorded, and so is the fresh buffer stored into
  // the fresh object (the link step decides whether it is that object's own).
  EXPECT_THAT(Stores(Find(summary, "conn_new")),
              UnorderedElementsAre("FRESH srv := {&G:g_server}",
                                   "FRESH buf := {&FRESH}"));
}

TEST(SummarizeTest, CastsBetweenStructsCoverTheWholeObject) {
  v1::TranslationUnitSummary summary = Summarize("pun.c", R"(
struct header { int len; };
struct conn { int state; int len2; };
void f(struct conn *c, void *arg) {
  ((struct header *)c)->len = 1;
  ((struct header *)(void *)c)->len = 3;
  struct conn *d = arg;
  d->state = 2;
}
)");
  EXPECT_THAT(Accesses(Find(summary, "f")),
              UnorderedElementsAre("W P0 *...", "W P0 *...", "W P1 *.state"));
}

// Heap objects the function allocated are recorded (the link step needs what
// happens to them after a registration); a local whose address stays in the
// function's own variables is not.
TEST(SummarizeTest, ArraysCastsAndFreshMemory) {
  v1::TranslationUnitSummary summary = Summarize("arrays.c", R"(
#include <stdlib.h>
struct item { int n; };
int counts[4];
struct item items[4];
void f(int *p, int i) {
  counts[i] = 1;
  items[i].n++;
  p[i] = 2;
  *p = 3;
  int local = 0;
  int *q = &local;
  *q = 4;
  struct item *fresh = malloc(sizeof *fresh);
  fresh->n = 5;
  ((struct item *)p)->n = 6;
}
)");
  EXPECT_THAT(
      Accesses(Find(summary, "f")),
      UnorderedElementsAre("W G:counts []", "R G:items [].n", "W G:items [].n",
                           "W P0 *", "W P0 *", "W FRESH n", "W P0 *.n"));
}

// A pointer moved by arithmetic may point anywhere in the object around what
// it pointed to (common/enclosing.h): container_of steps back from a member.
TEST(SummarizeTest, PointerArithmeticCoversTheEnclosingObject) {
  v1::TranslationUnitSummary summary = Summarize("moved.c", R"(
#include <stddef.h>
struct buffer { char *data; };
struct conn { int refcount; struct buffer out; };
struct server { long hits; struct buffer log; } g_server;
void f(struct conn *c, struct buffer *b, char *text) {
  ((struct conn *)((char *)b - offsetof(struct conn, out)))->refcount = 1;
  char *p = (char *)&g_server.log;
  p -= 8;
  *p = 2;
  char *q = text;
  *q++ = 3;
  *(c->out.data + 4) = 4;
  char *r = &c->out.data[2];
  r[-1] = 5;
}
)");
  EXPECT_THAT(
      Accesses(Find(summary, "f")),
      testing::IsSupersetOf({"W P1 *.<enclosing>...", "W G:g_server...",
                             "W P2 *.<enclosing>...", "W P0 *.out.data.*...",
                             "W P0 *.out.data.*..."}));
}

TEST(SummarizeTest, CallsRecordArgumentsCallbacksAndIndirectTypes) {
  v1::TranslationUnitSummary summary = Summarize("calls.c", R"(
typedef void (*event_callback_fn)(int, short, void *);
struct event_base;
struct event *event_new(struct event_base *, int, short, event_callback_fn, void *);
struct server { int n; } g_server;
static void on_read(int fd, short what, void *arg) {}
static void on_other(int fd, long what, void *arg) {}
#define REGISTER(b, cb, arg) event_new(b, -1, 2, cb, arg)
void setup(struct event_base *base, void *ctx, event_callback_fn dynamic) {
  event_new(base, -1, 2, on_read, ctx);
  event_new(base, -1, 2, (event_callback_fn)on_other, &g_server);
  event_callback_fn cb = on_read;
  REGISTER(base, cb, 0);
  dynamic(1, 2, ctx);
}
)");
  const v1::Function* setup = Find(summary, "setup");
  EXPECT_THAT(
      Calls(setup),
      UnorderedElementsAre(
          "0 event_new({=P0} {} {} {fn c:calls.c@F@on_read} {=P1})",
          "1 event_new({=P0} {} {} {fn c:calls.c@F@on_other} {&G:g_server})",
          "2 event_new({=P0} {} {} {fn c:calls.c@F@on_read} {})",
          "3 indirect void (int, short, void *)({} {} {=P1})"));
  const v1::Function* on_read = Find(summary, "on_read");
  ASSERT_NE(on_read, nullptr);
  EXPECT_TRUE(on_read->address_taken());
  EXPECT_TRUE(on_read->internal_linkage());
  EXPECT_TRUE(Find(summary, "on_other")->address_taken());
  EXPECT_FALSE(setup->address_taken());
  const v1::Function* event_new = Find(summary, "event_new");
  ASSERT_NE(event_new, nullptr);
  EXPECT_FALSE(event_new->has_body());
  EXPECT_EQ(event_new->parameter_count(), 5u);
  EXPECT_EQ(setup->calls(3).callee_value().sources_size(), 1);
}

TEST(SummarizeTest, StoresAndReturns) {
  v1::TranslationUnitSummary summary = Summarize("stores.c", R"(
struct server { int n; };
struct conn { struct server *server; struct conn *next; };
struct server g_server;
struct conn *g_conn;
struct conn *head;
void keep(struct conn *c) {
  g_conn = c;
  c->server = &g_server;
  c->next = head;
  head = 0;
}
struct server *server_of(struct conn *c) { return c->server; }
int *pick(int *a, int *b, int which) { return which ? a : b; }
)");
  EXPECT_THAT(
      Stores(Find(summary, "keep")),
      UnorderedElementsAre("G:g_conn := {=P0}", "P0 *.server := {&G:g_server}",
                           "P0 *.next := {=G:head}"));
  EXPECT_EQ(ValueString(Find(summary, "server_of")->returns()),
            "{=P0 *.server}");
  EXPECT_EQ(ValueString(Find(summary, "pick")->returns()), "{=P0, =P1}");
}

TEST(SummarizeTest, DeclarationsAnnotationsAndAtomics) {
  v1::TranslationUnitSummary summary = Summarize("decls.c", R"(
#define PRISM_HANDLER __attribute__((annotate("prism_handler")))
#define PRISM_NO_CONFLICT(reason) __attribute__((annotate("prism_no_conflict:" reason)))
long hits PRISM_NO_CONFLICT("per-thread statistics");
_Atomic int ticks;
static int file_static;
struct conn { int state; _Atomic long bytes; int cached PRISM_NO_CONFLICT("only a hint"); };
PRISM_HANDLER void on_tick(void *arg) {
  static int calls;
  calls++;
  ticks++;
  file_static = hits;
  ((struct conn *)arg)->bytes += 1;
}
)");
  const v1::Function* on_tick = Find(summary, "on_tick");
  ASSERT_NE(on_tick, nullptr);
  EXPECT_TRUE(on_tick->annotated_handler());
  EXPECT_THAT(
      Accesses(on_tick),
      UnorderedElementsAre("R G:calls", "W G:calls", "R G:ticks atomic",
                           "W G:ticks atomic", "R G:hits", "W G:file_static",
                           "R P0 *.bytes atomic", "W P0 *.bytes atomic"));
  std::vector<std::string> declarations;
  for (const v1::Declaration& declaration : summary.declarations()) {
    declarations.push_back(absl::StrCat(
        declaration.kind() == v1::Declaration::KIND_GLOBAL ? "global "
                                                           : "field ",
        declaration.name(), declaration.atomic() ? " atomic" : "",
        declaration.override_reason().empty()
            ? ""
            : " override=" + declaration.override_reason()));
  }
  EXPECT_THAT(declarations,
              UnorderedElementsAre("global hits override=per-thread statistics",
                                   "global ticks atomic", "global file_static",
                                   "global calls", "field conn::bytes atomic",
                                   "field conn::cached override=only a hint"));
}

TEST(SummarizeTest, CxxMembersLambdasAndConstructors) {
  v1::TranslationUnitSummary summary = Summarize("server.cc", R"(
typedef void (*callback)(int, short, void *);
void register_cb(callback cb, void *arg);
struct Stats { Stats(); ~Stats(); int n; };
class Server {
 public:
  static int instances;
  void start();
  void on_accept(int fd) { accepted_++; instances++; helper(fd); }
  virtual void helper(int fd);
 private:
  int accepted_ = 0;
};
void Server::start() {
  register_cb([](int fd, short what, void *arg) {
    static_cast<Server *>(arg)->on_accept(fd);
  }, this);
  Stats local;
  local.n = accepted_;
}
)",
                                                 {"-std=c++17"});
  EXPECT_TRUE(summary.parsed());
  const v1::Function* accept = Find(summary, "Server::on_accept");
  ASSERT_NE(accept, nullptr);
  EXPECT_THAT(
      Accesses(accept),
      UnorderedElementsAre("R THIS accepted_", "W THIS accepted_",
                           "R G:Server::instances", "W G:Server::instances"));
  EXPECT_THAT(Calls(accept),
              UnorderedElementsAre("0 Server::helper({}) this={&THIS}"));
  EXPECT_TRUE(accept->calls(0).virtual_dispatch());

  const v1::Function* lambda =
      Find(summary, "Server::start()::<lambda at server.cc:15:15>");
  ASSERT_NE(lambda, nullptr);
  EXPECT_EQ(lambda->location().line(), 15u);
  EXPECT_EQ(lambda->location().column(), 15u);
  EXPECT_TRUE(lambda->address_taken());
  EXPECT_EQ(lambda->type(), "void (int, short, void *)");
  EXPECT_THAT(Calls(lambda),
              UnorderedElementsAre("0 Server::on_accept({}) this={=P2}"));

  const v1::Function* start = Find(summary, "Server::start");
  ASSERT_NE(start, nullptr);
  std::vector<std::string> calls = Calls(start);
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls[0].rfind("0 register_cb({fn c:", 0), 0u) << calls[0];
  EXPECT_THAT(calls, Contains("1 Stats::Stats() this={&FRESH}"));
  EXPECT_THAT(calls, Contains("2 Stats::~Stats() this={&FRESH}"));
  EXPECT_THAT(Accesses(start), UnorderedElementsAre("R THIS accepted_"));
}

TEST(SummarizeTest, DestructorsDestroyMembersAndBases) {
  v1::TranslationUnitSummary summary = Summarize("dtor.cc", R"(
struct Buffer { ~Buffer(); };
struct Base { virtual ~Base(); };
struct Conn : Base {
  ~Conn() override { open = false; }
  bool open = true;
  Buffer in;
  int fd = 0;
};
)",
                                                 {"-std=c++17"});
  EXPECT_THAT(Calls(Find(summary, "Conn::~Conn")),
              UnorderedElementsAre("0 Buffer::~Buffer() this={&THIS in}",
                                   "1 Base::~Base() this={&THIS}"));
  EXPECT_THAT(Accesses(Find(summary, "Conn::~Conn")),
              UnorderedElementsAre("W THIS open"));
}

TEST(SummarizeTest, CxxAtomicsStaticInitializersAndCallbackTables) {
  v1::TranslationUnitSummary summary = Summarize("atomics.cc", R"(
#include <atomic>
std::atomic<int> g_hits;
int g_base;
typedef void (*cb_t)(int, short, void *);
struct Ops { cb_t read; };
static void on_read(int, short, void *arg) { g_base++; }
static Ops table = {on_read};
int counter() {
  static int calls = g_base;
  return ++calls;
}
void handler(int fd, short, void *arg) {
  g_hits++;
  int now = g_hits.load();
  (void)now;
  auto cb = [](int, short, void *) {};
  table.read(fd, 0, arg);
  (void)cb;
}
)",
                                                 {"-std=c++17"});
  EXPECT_TRUE(summary.parsed());
  EXPECT_TRUE(Find(summary, "on_read")->address_taken());
  EXPECT_THAT(Accesses(Find(summary, "counter")),
              UnorderedElementsAre("R G:g_base", "R G:calls", "R G:calls",
                                   "W G:calls"));
  const v1::Function* handler = Find(summary, "handler");
  ASSERT_NE(handler, nullptr);
  EXPECT_THAT(Accesses(handler),
              UnorderedElementsAre("R G:g_hits atomic", "W G:g_hits atomic",
                                   "R G:g_hits atomic", "R G:table read"));
  std::vector<std::string> calls = Calls(handler);
  EXPECT_THAT(
      calls,
      Contains("0 std::__atomic_base<int>::operator++({}) this={&G:g_hits}"));
  EXPECT_THAT(calls,
              Contains("1 std::__atomic_base<int>::load({}) this={&G:g_hits}"));
  EXPECT_THAT(calls,
              Contains("2 indirect void (int, short, void *)({} {} {=P2})"));
  bool atomic_declared = false;
  for (const v1::Declaration& declaration : summary.declarations()) {
    if (declaration.name() == "g_hits") atomic_declared = declaration.atomic();
  }
  EXPECT_TRUE(atomic_declared);
}

TEST(SummarizeTest, DefaultArgumentsAndMemberInitializersRunAtTheirUse) {
  v1::TranslationUnitSummary summary = Summarize("defaults.cc", R"(
int g_default;
int g_size;
void f(int x = g_default);
struct Buffer {
  Buffer() {}
  int size = g_size;
};
void caller() { f(); }
)",
                                                 {"-std=c++17"});
  EXPECT_THAT(Accesses(Find(summary, "caller")),
              UnorderedElementsAre("R G:g_default"));
  EXPECT_THAT(Accesses(Find(summary, "Buffer::Buffer")),
              UnorderedElementsAre("W THIS size", "R G:g_size"));
}

TEST(SummarizeTest, OddCodeDoesNotCrashAndAsmIsAnUnknownWrite) {
  v1::TranslationUnitSummary summary = Summarize("odd.c", R"(
struct flex { int n; char data[]; };
union u { int i; float f; };
struct bits { unsigned a : 3; unsigned b : 5; };
union u g_u;
struct bits g_bits;
int kr(a, b) int a; char *b; { return a + *b; }
void f(int n, struct flex *fl) {
  int vla[n];
  vla[0] = 1;
  fl->data[2] = 'x';
  g_u.f = 1.0f;
  g_bits.b = 2;
again:
  if (n-- > 0) goto again;
  __asm__ volatile("" ::: "memory");
  int x = ({ int t = g_bits.a; t + 1; });
  (void)x;
}
)");
  EXPECT_TRUE(summary.parsed());
  EXPECT_THAT(Accesses(Find(summary, "f")),
              UnorderedElementsAre("W P1 *.data.[]", "W G:g_u", "W G:g_bits",
                                   "W UNKNOWN", "R G:g_bits"));
  EXPECT_THAT(Accesses(Find(summary, "kr")), UnorderedElementsAre("R P1 *"));
}

TEST(SummarizeTest, FunctionsCastToAnotherTypeAreMarked) {
  v1::TranslationUnitSummary summary = Summarize("cast.c", R"(
struct s;
typedef void (*hook_fn)(void *);
void exact(void *p) { (void)p; }
void other(struct s *p) { (void)p; }
void same(void *p) { (void)p; }
hook_fn g_hooks[3];
void setup(void) {
  g_hooks[0] = exact;
  g_hooks[1] = (hook_fn)other;
  g_hooks[2] = (hook_fn)&same;
}
)");
  EXPECT_TRUE(Find(summary, "other")->address_cast());
  EXPECT_FALSE(Find(summary, "exact")->address_cast());
  EXPECT_FALSE(Find(summary, "same")->address_cast());
  EXPECT_TRUE(Find(summary, "exact")->address_taken());
}

// Function-pointer types whose pointers may hold a function from outside the
// program: a cast from another value, memory reached through a pointer of
// another type, and a bodyless function's result or out-parameter. A null
// pointer, a program function (cast or not) and an unprototyped function
// converted implicitly (marked address_cast) are not.
TEST(SummarizeTest, ForeignFunctionPointersAreRecorded) {
  v1::TranslationUnitSummary summary = Summarize("foreign.c", R"(
typedef void (*hook_fn)(int);
typedef int (*filter_fn)(int);
typedef long (*reader_fn)(void);
typedef char (*getter_fn)(void);
typedef double (*plain_fn)(double);
void *lookup(const char *name);
getter_fn current_getter(void);
void fill(reader_fn *out);
void legacy();
hook_fn g_hook;
filter_fn g_filter;
reader_fn g_reader;
getter_fn g_getter;
plain_fn g_plain;
void (*g_legacy)(int);
double twice(double x) { return 2 * x; }
void setup(void) {
  g_hook = (hook_fn)lookup("hook");
  *(void **)&g_filter = lookup("filter");
  fill(&g_reader);
  g_getter = current_getter();
  g_plain = 0;
  g_plain = twice;
  g_plain = (plain_fn)twice;
  g_legacy = legacy;
}
)");
  std::map<std::string, std::string> foreign;
  for (const v1::ForeignFunctionPointer& entry :
       summary.foreign_function_pointers()) {
    foreign[entry.type()] =
        entry.why() + (entry.from_callee_usr().empty() ? "" : " (if bodyless)");
  }
  EXPECT_EQ(foreign["void (int)"], "cast from 'void *'");
  EXPECT_EQ(foreign["int (int)"], "its memory reached through a 'void **'");
  EXPECT_EQ(foreign["long (void)"], "its address given to fill (if bodyless)");
  EXPECT_EQ(foreign["char (void)"], "returned by current_getter (if bodyless)");
  EXPECT_EQ(foreign.count("double (double)"), 0u);
  EXPECT_EQ(foreign.size(), 4u);
  EXPECT_TRUE(Find(summary, "legacy")->address_cast());
}

// Function pointers held in memory handed to a bodyless function (a struct of
// callbacks read from a descriptor, an array of them, one pointer below) are
// foreign if the callee may write there; the argument position lets the
// callee's library model decide.
TEST(SummarizeTest, FunctionPointersHeldInHandedMemoryAreRecorded) {
  v1::TranslationUnitSummary summary = Summarize("held.c", R"(
struct ops { void (*step)(int); };
struct table { struct ops *current; long (*hooks[2])(void); };
struct plain { int n; };
long fill(int fd, void *buffer, unsigned long size);
void keep(struct plain *p);
struct ops g_ops;
struct table g_table;
struct plain g_plain;
void setup(int fd) {
  fill(fd, &g_ops, sizeof g_ops);
  fill(fd, &g_table, sizeof g_table);
  keep(&g_plain);
}
)");
  std::map<std::string, int> positions;
  for (const v1::ForeignFunctionPointer& entry :
       summary.foreign_function_pointers()) {
    EXPECT_EQ(entry.why(), "held in memory given to fill") << entry.type();
    positions[entry.type()] = entry.argument_position();
  }
  EXPECT_EQ(positions["void (int)"], 2);
  EXPECT_EQ(positions["long (void)"], 2);
  EXPECT_EQ(positions.size(), 2u);
}

// Globals defined const (their elements, for arrays) and not volatile are
// marked constant, with their array rank; a pointer to const is not const
// itself, and a C++ record with a mutable member is never constant.
TEST(SummarizeTest, ConstantGlobalsAndArrayRanks) {
  v1::TranslationUnitSummary summary = Summarize("constant.cc", R"(
struct Counter { mutable int hits; };
struct Plain { int n; };
const int kLimit = 3;
const Plain kTable[2][3] = {};
const char *g_name = "x";
const char *const kName = "y";
const volatile int kRegister = 0;
const Counter kCounter = {};
int g_plain[4];
int use() { return kLimit + kTable[0][0].n + g_name[0] + kName[0] + kRegister + kCounter.hits + g_plain[0]; }
)");
  std::map<std::string, std::pair<bool, uint32_t>> globals;
  for (const v1::Declaration& declaration : summary.declarations()) {
    if (declaration.kind() != v1::Declaration::KIND_GLOBAL) continue;
    globals[declaration.name()] = {declaration.constant(),
                                   declaration.array_rank()};
  }
  using Facts = std::pair<bool, uint32_t>;
  EXPECT_EQ(globals["kLimit"], Facts(true, 0));
  EXPECT_EQ(globals["kTable"], Facts(true, 2));
  EXPECT_EQ(globals["g_name"], Facts(false, 0));
  EXPECT_EQ(globals["kName"], Facts(true, 0));
  EXPECT_EQ(globals["kRegister"], Facts(false, 0));
  EXPECT_EQ(globals["kCounter"], Facts(false, 0));
  EXPECT_EQ(globals["g_plain"], Facts(false, 1));
}

// Of the constant globals, those that can hold no address are marked so:
// numbers narrower than a pointer, enums, floating point, records and arrays of
// them; not a pointer, a record holding one, an integer as wide as a pointer,
// or a class with a vtable.
TEST(SummarizeTest, ConstantGlobalsThatHoldNoAddress) {
  v1::TranslationUnitSummary summary = Summarize("no_address.cc", R"(
enum Color { kRed, kBlue };
struct Point { int x; short y; char tag[4]; double w; };
struct Holder { int n; const char *name; };
struct Base { int n; };
struct Derived : Base { unsigned char more; };
struct Shape { virtual int area() const { return 0; } int n = 0; };
struct HasRef { const int &r; };
extern const int kOne;
const char kGreeting[] = "hi";
const Point kPoints[2] = {};
const Color kColors[2] = {kRed, kBlue};
const Derived kDerived = {};
const Holder kHolder = {1, "x"};
const long kWide = 1;
const unsigned long long kWider[2] = {};
const char *const kName = "y";
const Shape kShape;
const HasRef kHasRef = {kOne};
Point g_mutable_point;
int use() {
  return kGreeting[0] + kPoints[0].x + kColors[0] + kDerived.more + kHolder.n +
         kWide + kWider[0] + kName[0] + kShape.n + kHasRef.r + g_mutable_point.x;
}
)");
  std::map<std::string, bool> no_address;
  for (const v1::Declaration& declaration : summary.declarations()) {
    if (declaration.kind() != v1::Declaration::KIND_GLOBAL) continue;
    no_address[declaration.name()] = declaration.holds_no_address();
  }
  EXPECT_TRUE(no_address["kGreeting"]);
  EXPECT_TRUE(no_address["kPoints"]);
  EXPECT_TRUE(no_address["kColors"]);
  EXPECT_TRUE(no_address["kDerived"]);
  EXPECT_FALSE(no_address["kHolder"]);
  EXPECT_FALSE(no_address["kWide"]);
  EXPECT_FALSE(no_address["kWider"]);
  EXPECT_FALSE(no_address["kName"]);
  EXPECT_FALSE(no_address["kShape"]);
  EXPECT_FALSE(no_address["kHasRef"]);
  EXPECT_FALSE(no_address["g_mutable_point"]);  // Not constant at all.
  EXPECT_EQ(no_address.count("kGreeting"), 1u);
}

TEST(SummarizeTest, GlobalsWhoseAddressIsTakenAreMarked) {
  v1::TranslationUnitSummary summary = Summarize("address.c", R"(
struct s { int x; int a[4]; };
struct s g_init_target, g_member, g_array_part, g_plain, g_assigned;
int g_table[8];
struct s *g_p = &g_init_target;
int *g_q = &g_member.x;
int *g_r = g_array_part.a;
struct s *g_later;
int *g_t;
void f(void) {
  g_plain.x = 1;
  g_later = &g_assigned;
  g_t = g_table;
}
)");
  std::map<std::string, bool> taken;
  for (const v1::Declaration& declaration : summary.declarations())
    taken[declaration.name()] = declaration.address_taken();
  EXPECT_TRUE(taken["g_init_target"]);
  EXPECT_TRUE(taken["g_member"]);
  EXPECT_TRUE(taken["g_array_part"]);
  EXPECT_TRUE(taken["g_assigned"]);
  EXPECT_TRUE(taken["g_table"]);
  EXPECT_FALSE(taken["g_plain"]);
  EXPECT_FALSE(taken["g_p"]);
}

TEST(SummarizeTest, InlineAsmAccessesAreAtTheAsmStatement) {
  v1::TranslationUnitSummary summary = Summarize("asm.c", R"(
int g_x;
void f(void) {
  __asm__ volatile("incl %0" : "+m"(g_x));
}
)");
  const v1::Function* f = Find(summary, "f");
  ASSERT_NE(f, nullptr);
  EXPECT_THAT(Accesses(f), UnorderedElementsAre("W G:g_x", "W UNKNOWN"));
  for (const v1::Access& access : f->accesses()) {
    EXPECT_EQ(access.location().file(), "asm.c");
    EXPECT_EQ(access.location().line(), 4u);
    EXPECT_EQ(access.location().column(), 3u);
  }
}

TEST(SummarizeTest, ParseErrorsGiveUnparsedSummaryWithDiagnostics) {
  v1::TranslationUnitSummary summary = Summarize("broken.c", R"(
int g;
void ok(void) { g = 1; }
void broken(void) { g = undeclared_thing + ; }
)");
  EXPECT_FALSE(summary.parsed());
  ASSERT_GT(summary.diagnostics_size(), 0);
  EXPECT_EQ(summary.diagnostics(0).location().file(), "broken.c");
  EXPECT_EQ(summary.diagnostics(0).location().line(), 4u);
  EXPECT_GT(summary.diagnostics(0).location().column(), 0u);
  EXPECT_THAT(summary.diagnostics(0).message(), Not(IsEmpty()));
  EXPECT_THAT(Accesses(Find(summary, "ok")), UnorderedElementsAre("W G:g"));
}

TEST(SummarizeTest, GccOnlyFlagsAreDroppedNotFatal) {
  v1::TranslationUnitSummary summary =
      Summarize("gcc.c", "int g; void f(void) { g = 1; }\n",
                {"-fno-such-gcc-flag", "-O2", "-mfoo-bar"});
  EXPECT_TRUE(summary.parsed());
  EXPECT_THAT(Accesses(Find(summary, "f")), UnorderedElementsAre("W G:g"));
  ASSERT_GT(summary.diagnostics_size(), 0);
  EXPECT_EQ(summary.diagnostics(0).severity(), v1::Diagnostic::SEVERITY_NOTE);
  EXPECT_EQ(
      summary.diagnostics(0).message(),
      "ignored arguments Clang does not know: -fno-such-gcc-flag -mfoo-bar");
}

TEST(SummarizeTest, MissingFileIsUnparsedNotACrash) {
  CompileCommand command;
  command.directory = TempDir();
  command.file = "does_not_exist.c";
  command.arguments = {"clang", "-c", "does_not_exist.c"};
  absl::StatusOr<v1::TranslationUnitSummary> summary =
      SummarizeTranslationUnit(command);
  ASSERT_TRUE(summary.ok());
  EXPECT_FALSE(summary->parsed());
  EXPECT_GT(summary->diagnostics_size(), 0);
}

TEST(SummarizeTest, PathsAreRelativeToTheBuildDirectory) {
  std::string dir = TempDir() + "/paths";
  std::system(absl::StrCat("mkdir -p ", dir, "/src ", dir, "/include ",
                           TempDir(), "/outside")
                  .c_str());
  WriteFile(dir + "/include/conn.h",
            "struct conn { int state; };\n"
            "static inline void touch(struct conn *c) { c->state++; }\n");
  WriteFile(TempDir() + "/outside/extra.h", "extern int g_extra;\n");
  WriteFile(dir + "/src/main.c",
            "#include \"conn.h\"\n#include \"extra.h\"\n"
            "void f(struct conn *c) { touch(c); g_extra = 1; }\n");
  absl::StatusOr<std::vector<CompileCommand>> commands =
      CommandsFromFlags({"src/main.c", "src/main.c"},
                        {"-Iinclude", "-I" + TempDir() + "/outside"}, dir);
  ASSERT_TRUE(commands.ok());
  std::vector<v1::TranslationUnitSummary> summaries =
      SummarizeAll(*commands, 2);
  ASSERT_EQ(summaries.size(), 2u);  // A file listed twice is two TUs.
  for (const v1::TranslationUnitSummary& summary : summaries) {
    EXPECT_TRUE(summary.parsed());
    EXPECT_EQ(summary.main_file(), "src/main.c");
    const v1::Function* touch = Find(summary, "touch");
    ASSERT_NE(touch, nullptr);
    EXPECT_EQ(touch->location().file(), "include/conn.h");
    EXPECT_TRUE(touch->internal_linkage());
    EXPECT_EQ(Find(summary, "f")->location().file(), "src/main.c");
    bool found = false;
    for (const v1::Declaration& declaration : summary.declarations()) {
      if (declaration.name() == "g_extra") {
        found = true;
        EXPECT_EQ(declaration.location().file(),
                  TempDir() + "/outside/extra.h");
      }
    }
    EXPECT_TRUE(found);
  }
  EXPECT_EQ(summaries[0].input_digest(), summaries[1].input_digest());
}

TEST(SummarizeTest, StaticFunctionsInSameNamedFilesHaveDistinctUsrs) {
  std::string dir = TempDir() + "/usr";
  std::system(absl::StrCat("mkdir -p ", dir, "/a ", dir, "/b").c_str());
  WriteFile(dir + "/a/util.c",
            "static int n; static void on_read(void) { n++; }\n"
            "void *a_cb(void) { return (void *)on_read; }\n");
  WriteFile(dir + "/b/util.c",
            "static int n; static void on_read(void) { n++; }\n"
            "void *b_cb(void) { return (void *)on_read; }\n");
  absl::StatusOr<std::vector<CompileCommand>> commands =
      CommandsFromFlags({"a/util.c", "b/util.c"}, {}, dir);
  ASSERT_TRUE(commands.ok());
  std::vector<v1::TranslationUnitSummary> summaries =
      SummarizeAll(*commands, 2);
  ASSERT_EQ(summaries.size(), 2u);
  const v1::Function* a = Find(summaries[0], "on_read");
  const v1::Function* b = Find(summaries[1], "on_read");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->usr(), "c:a/util.c@F@on_read");
  EXPECT_EQ(b->usr(), "c:b/util.c@F@on_read");
  EXPECT_EQ(a->accesses(0).path().global_usr(), "c:a/util.c@n");
  EXPECT_EQ(ValueString(Find(summaries[0], "a_cb")->returns()),
            "{fn c:a/util.c@F@on_read}");
}

TEST(SummarizeTest, LiteralFormatsAndDescriptorOrigins) {
  v1::TranslationUnitSummary summary = Summarize(
      "fd.c",
      "struct conn { int fd; };\n"
      "int fmt(char *, const char *, ...);\n"
      "int sink(int, int, int, int);\n"
      "void f(struct conn *c, const char *dynamic, int param) {\n"
      "  int local = c->fd;\n"
      "  int other;\n"
      "  other = param;\n"
      "  sink(local, other, c->fd + 1, c ? c->fd : local);\n"
      "  fmt(0, \"%s %d 100%%n\"); fmt(0, \"%5hhn\"); fmt(0, dynamic);\n"
      "}\n");
  const v1::Function* f = Find(summary, "f");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->calls_size(), 4);
  auto origins = [](const v1::ArgumentValue& argument) {
    std::vector<std::string> out;
    for (const v1::MemoryPath& path : argument.integer_loaded_from())
      out.push_back(PathString(path));
    return out;
  };
  const v1::Call& sink = f->calls(0);
  EXPECT_THAT(origins(sink.arguments(0)), UnorderedElementsAre("P0 *.fd"));
  EXPECT_THAT(origins(sink.arguments(1)), UnorderedElementsAre("P2"));
  EXPECT_THAT(origins(sink.arguments(2)), IsEmpty());  // A new number.
  EXPECT_THAT(origins(sink.arguments(3)), UnorderedElementsAre("P0 *.fd"));
  EXPECT_TRUE(f->calls(1).arguments(1).literal_without_percent_n());
  EXPECT_FALSE(f->calls(2).arguments(1).literal_without_percent_n());
  EXPECT_FALSE(f->calls(3).arguments(1).literal_without_percent_n());
  EXPECT_FALSE(f->calls(1).arguments(0).literal_without_percent_n());
}

TEST(SummarizeTest, PointerArgumentsReadFromMemoryAndPointerFreePointees) {
  v1::TranslationUnitSummary summary = Summarize(
      "ptr.c",
      "struct bev;\n"
      "struct conn { struct bev *bev; char name[8]; struct conn *next; };\n"
      "struct flat { int a; char b[4]; };\n"
      "void take(void *, const void *);\n"
      "void g(struct conn *c, struct flat *f, struct bev *b, char *s) {\n"
      "  take(c->bev, c->name);\n"
      "  take(b, &f->a);\n"
      "  take(c, c->next);\n"
      "  take(s, f);\n"
      "}\n");
  const v1::Function* g = Find(summary, "g");
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(g->calls_size(), 4);
  auto read_from = [](const v1::ArgumentValue& argument) {
    std::vector<std::string> out;
    for (const v1::MemoryPath& path : argument.pointer_loaded_from())
      out.push_back(PathString(path));
    return out;
  };
  EXPECT_THAT(read_from(g->calls(0).arguments(0)),
              UnorderedElementsAre("P0 *.bev"));
  EXPECT_THAT(read_from(g->calls(0).arguments(1)), IsEmpty());  // &name[0]
  EXPECT_THAT(read_from(g->calls(1).arguments(0)), IsEmpty());  // A variable.
  EXPECT_THAT(read_from(g->calls(2).arguments(1)),
              UnorderedElementsAre("P0 *.next"));
  EXPECT_TRUE(g->calls(0).arguments(1).pointee_without_pointers());  // char[8]
  EXPECT_TRUE(g->calls(1).arguments(1).pointee_without_pointers());  // &int
  // Pointer variables may point to anything (a char buffer holding a copy of
  // a pointer).
  EXPECT_FALSE(g->calls(3).arguments(0).pointee_without_pointers());
  EXPECT_FALSE(g->calls(3).arguments(1).pointee_without_pointers());
  EXPECT_FALSE(g->calls(0).arguments(0).pointee_without_pointers());  // bev?
  EXPECT_FALSE(g->calls(2).arguments(0).pointee_without_pointers());  // conn
}

TEST(SummarizeTest, DescriptorOriginsThroughCyclicLocals) {
  v1::TranslationUnitSummary summary = Summarize("cycle.c",
                                                 "struct conn { int fd; };\n"
                                                 "int sink(int, int);\n"
                                                 "void g(struct conn *c) {\n"
                                                 "  int a = c->fd, b = a;\n"
                                                 "  a = b;\n"
                                                 "  sink(a, b++);\n"
                                                 "}\n");
  const v1::Function* g = Find(summary, "g");
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(g->calls_size(), 1);
  for (int i = 0; i < 2; ++i) {
    const v1::ArgumentValue& argument = g->calls(0).arguments(i);
    ASSERT_EQ(argument.integer_loaded_from_size(), 1) << i;
    EXPECT_EQ(PathString(argument.integer_loaded_from(0)), "P0 *.fd") << i;
  }
}

TEST(SummarizeTest, VaStartDoesNotTakeTheLastParametersAddress) {
  v1::TranslationUnitSummary summary =
      Summarize("va.c",
                "#include <stdarg.h>\n"
                "int vf(const char *, va_list);\n"
                "void log_msg(const char *fmt, ...) {\n"
                "  va_list ap;\n"
                "  va_start(ap, fmt);\n"
                "  vf(fmt, ap);\n"
                "  va_end(ap);\n"
                "}\n");
  const v1::Function* log_msg = Find(summary, "log_msg");
  ASSERT_NE(log_msg, nullptr);
  bool found = false;
  for (const v1::Call& call : log_msg->calls()) {
    if (call.callee_name() != "vf") continue;
    found = true;
    EXPECT_EQ(ValueString(call.arguments(0)), "{=P0}");
  }
  EXPECT_TRUE(found);
}

TEST(SummarizeTest, SystemHeaderBodiesOnlyWhenReferenced) {
  std::string dir = TempDir() + "/sys";
  std::system(absl::StrCat("mkdir -p ", dir, "/sysinc").c_str());
  WriteFile(dir + "/sysinc/lib.h",
            "extern int lib_state;\n"
            "static inline void lib_used(void) { lib_state++; }\n"
            "static inline void lib_unused(void) { lib_state--; }\n");
  WriteFile(dir + "/main.c",
            "#include <lib.h>\nvoid f(void) { lib_used(); }\n");
  absl::StatusOr<std::vector<CompileCommand>> commands =
      CommandsFromFlags({"main.c"}, {"-isystem", dir + "/sysinc"}, dir);
  ASSERT_TRUE(commands.ok());
  absl::StatusOr<v1::TranslationUnitSummary> summary =
      SummarizeTranslationUnit((*commands)[0]);
  ASSERT_TRUE(summary.ok());
  const v1::Function* used = Find(*summary, "lib_used");
  ASSERT_NE(used, nullptr);
  EXPECT_TRUE(used->has_body());
  EXPECT_THAT(Accesses(used),
              UnorderedElementsAre("R G:lib_state", "W G:lib_state"));
  EXPECT_EQ(Find(*summary, "lib_unused"), nullptr);
}

TEST(SummarizeTest, AssemblyIsSkippedNotAFailure) {
  CompileCommand command;
  command.directory = TempDir();
  command.file = "start.S";
  command.arguments = {"gcc", "-c", "start.S"};
  absl::StatusOr<v1::TranslationUnitSummary> summary =
      SummarizeTranslationUnit(command);
  ASSERT_TRUE(summary.ok());
  EXPECT_TRUE(summary->parsed());
  EXPECT_EQ(summary->functions_size(), 0);
}

TEST(SummarizeTest, DigestFollowsContentsAndArguments) {
  std::string source = "int g; void f(void) { g = 1; }\n";
  v1::TranslationUnitSummary a = Summarize("d.c", source);
  v1::TranslationUnitSummary b = Summarize("d.c", source);
  v1::TranslationUnitSummary c = Summarize("d.c", source + "int h;\n");
  v1::TranslationUnitSummary d = Summarize("d.c", source, {"-DX=1"});
  EXPECT_EQ(a.input_digest(), b.input_digest());
  EXPECT_NE(a.input_digest(), c.input_digest());
  EXPECT_NE(a.input_digest(), d.input_digest());
}

TEST(SummarizeTest, SummarizeAllMatchesOneByOne) {
  std::string dir = TempDir() + "/all";
  std::system(absl::StrCat("mkdir -p ", dir).c_str());
  std::vector<std::string> files;
  for (int i = 0; i < 5; ++i) {
    std::string name = absl::StrCat("f", i, ".c");
    WriteFile(dir + "/" + name, absl::StrCat("int g", i, "; void f", i,
                                             "(int *p) { *p = g", i, "; }\n"));
    files.push_back(name);
  }
  absl::StatusOr<std::vector<CompileCommand>> commands =
      CommandsFromFlags(files, {}, dir);
  ASSERT_TRUE(commands.ok());
  std::vector<v1::TranslationUnitSummary> all = SummarizeAll(*commands, 3);
  ASSERT_EQ(all.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<v1::TranslationUnitSummary> one =
        SummarizeTranslationUnit((*commands)[i]);
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(all[i].SerializeAsString(), one->SerializeAsString()) << i;
    EXPECT_EQ(all[i].main_file(), files[i]);
  }
}

// The object each access designates through its last dereference, and every
// type a global's own storage may hold: typed in C with strict aliasing only.
constexpr char kTypedAccesses[] = R"(
struct conn { int state; };
struct totals { long count; struct conn last; unsigned char tag[4]; };
union either { int i; float f; };
struct sockaddr { unsigned short sa_family; };
typedef int loose_int __attribute__((may_alias));
struct totals g_totals;
union either g_either;
struct conn *g_conn;
int *g_level;
char *g_name;
struct sockaddr *g_sa;
loose_int *g_loose;
void f(void) {
  g_conn->state = 1;
  (*g_conn).state = 2;
  *g_level = 3;
  g_level[1] = 4;
  g_name[0] = 'x';
  g_sa->sa_family = 5;
  *g_loose = 6;
  g_totals.last.state = 7;
}
)";

std::map<std::string, std::string> DesignatedTypes(
    const v1::TranslationUnitSummary& summary) {
  std::map<std::string, std::string> out;
  const v1::Function* f = Find(summary, "f");
  if (f == nullptr) return out;
  for (const v1::Access& access : f->accesses()) {
    if (access.kind() != v1::ACCESS_KIND_WRITE) continue;
    out[absl::StrCat(access.location().line())] = access.designated_type();
  }
  return out;
}

const v1::Declaration* Global(const v1::TranslationUnitSummary& summary,
                              const std::string& name) {
  for (const v1::Declaration& declaration : summary.declarations()) {
    if (declaration.name() == name) return &declaration;
  }
  return nullptr;
}

TEST(SummarizeTest, AccessesDesignateTypedObjectsInStrictC) {
  v1::TranslationUnitSummary summary = Summarize("typed.c", kTypedAccesses);
  EXPECT_THAT(
      DesignatedTypes(summary),
      ::testing::ElementsAre(::testing::Pair("15", "conn"),  // g_conn->state
                             ::testing::Pair("16", "conn"),  // (*g_conn).state
                             ::testing::Pair("17", "#int32"),  // *g_level
                             ::testing::Pair("18", "#int32"),  // g_level[1]
                             ::testing::Pair("19", ""),  // a char: any object
                             ::testing::Pair("20", ""),  // POSIX socket address
                             ::testing::Pair("21", ""),  // may_alias
                             ::testing::Pair("22", "")));  // no dereference
  const v1::Declaration* totals = Global(summary, "g_totals");
  ASSERT_NE(totals, nullptr);
  EXPECT_TRUE(totals->typed_storage());
  EXPECT_FALSE(totals->untyped_storage());
  EXPECT_THAT(totals->storage_types(),
              ::testing::UnorderedElementsAre("totals", "conn", "#int64",
                                              "#int32", "#bytes"));
  const v1::Declaration* either = Global(summary, "g_either");
  ASSERT_NE(either, nullptr);
  EXPECT_THAT(either->storage_types(),
              ::testing::UnorderedElementsAre("#int32", "#float32"));
}

TEST(SummarizeTest, NoTypesWithoutStrictAliasingOrInCpp) {
  for (const auto& [name, flags] :
       std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"relaxed.c", {"-fno-strict-aliasing"}},
           {"typed.cc", {"-std=c++17"}}}) {
    SCOPED_TRACE(name);
    v1::TranslationUnitSummary summary = Summarize(name, kTypedAccesses, flags);
    for (const auto& [line, type] : DesignatedTypes(summary))
      EXPECT_EQ(type, "") << "line " << line;
    const v1::Declaration* totals = Global(summary, "g_totals");
    ASSERT_NE(totals, nullptr);
    EXPECT_FALSE(totals->typed_storage());
    EXPECT_TRUE(totals->untyped_storage());
    EXPECT_THAT(totals->storage_types(), IsEmpty());
  }
}

}  // namespace
}  // namespace prism::frontend
