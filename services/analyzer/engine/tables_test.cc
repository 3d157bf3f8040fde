#include "gtest/gtest.h"
#include "services/analyzer/engine/engine.h"
#include "services/analyzer/engine/library_models.h"
#include "services/analyzer/engine/registration_api.h"

namespace prism::analyzer {
namespace {

TEST(RegistrationApi, BuiltinTableParses) {
  const RegistrationApiTable& table = BuiltinRegistrationApis();
  ASSERT_TRUE(table.count("event_new"));
  EXPECT_EQ(table.at("event_new").callbacks.size(), 1u);
  EXPECT_EQ(table.at("event_new").callbacks[0].argument, 3);
  EXPECT_EQ(table.at("event_new").callbacks[0].context_parameter, 2);
  EXPECT_EQ(table.at("event_new").context_argument, 4);
  // The runtime wraps event_new (prism_event_new), not evhttp's or event_set.
  EXPECT_FALSE(table.at("event_new").unscheduled);
  EXPECT_TRUE(table.at("evhttp_set_cb").unscheduled);
  EXPECT_TRUE(table.at("event_set").unscheduled);
  EXPECT_FALSE(table.at("prism_event_new_named").unscheduled);
  ASSERT_TRUE(table.count("bufferevent_setcb"));
  EXPECT_EQ(table.at("bufferevent_setcb").callbacks.size(), 3u);
  EXPECT_EQ(table.at("bufferevent_setcb").callbacks[2].context_parameter, 2);
  // Every bufferevent callback gets the bufferevent (argument 0) first.
  ASSERT_EQ(table.at("bufferevent_setcb").passes.size(), 1u);
  EXPECT_EQ(table.at("bufferevent_setcb").passes[0].parameter, 0);
  EXPECT_EQ(table.at("bufferevent_setcb").passes[0].argument, 0);
  ASSERT_EQ(table.at("evconnlistener_new_bind").passes.size(), 1u);
  EXPECT_EQ(table.at("evconnlistener_new_bind").passes[0].argument,
            PassedParameter::kReturned);
  ASSERT_EQ(table.at("evhttp_set_bevcb").passes.size(), 1u);
  EXPECT_EQ(table.at("evhttp_set_bevcb").passes[0].argument,
            PassedParameter::kShared);
  EXPECT_TRUE(table.at("evhttp_set_cb").passes.empty());
  // An event callback's descriptor is event_new's argument 1.
  ASSERT_EQ(table.at("event_new").passes.size(), 1u);
  EXPECT_EQ(table.at("event_new").passes[0].parameter, 0);
  EXPECT_EQ(table.at("event_new").passes[0].argument, 1);
  for (const char* name :
       {"event_assign", "event_set", "event_base_once", "event_once",
        "bufferevent_new", "evconnlistener_new", "evconnlistener_new_bind",
        "evhttp_set_cb", "evhttp_set_gencb", "prism_event_new_named",
        "prism_event_assign_named", "prism_base_once_named",
        "prism_bufferevent_setcb_named",
        "prism_evconnlistener_new_bind_named"}) {
    EXPECT_TRUE(table.count(name)) << name;
  }
}

TEST(RegistrationApi, RejectsBadLines) {
  EXPECT_FALSE(ParseRegistrationApis("f callback=x:1 context=2").ok());
  EXPECT_FALSE(ParseRegistrationApis("f callback=1:1").ok());
  EXPECT_FALSE(ParseRegistrationApis("f callback=1:1 context=2 bogus=1").ok());
  EXPECT_FALSE(
      ParseRegistrationApis("f callback=1:1 context=2 passes=0:x").ok());
  EXPECT_FALSE(ParseRegistrationApis("f callback=1:1 context=2 passes=0").ok());
  EXPECT_TRUE(ParseRegistrationApis(
                  "f callback=1:1 context=2 passes=0:0,3:return,4:shared")
                  .ok());
  EXPECT_TRUE(
      ParseRegistrationApis("# comment\nf callback=1:1 context=2\n").ok());
}

TEST(Models, BuiltinModelsParse) {
  absl::StatusOr<ModelTable> models = BuiltinModels();
  ASSERT_TRUE(models.ok()) << models.status();
  ASSERT_TRUE(models->count("strtok"));
  EXPECT_EQ(models->at("strtok").hidden.at(0).name, "libc:strtok");
  EXPECT_TRUE(models->at("memcpy").writes.Contains(0));
  EXPECT_TRUE(models->at("memcpy").reads.Contains(1));
  EXPECT_FALSE(models->at("memcpy").writes.Contains(1));
  ASSERT_EQ(models->at("memcpy").copies.size(), 1u);
  EXPECT_EQ(models->at("memcpy").copies[0], std::make_pair(0, 1));
  EXPECT_FALSE(models->at("memmove").copies.empty());
  EXPECT_EQ(models->at("malloc").returns, FunctionModel::Returns::kFresh);
  EXPECT_TRUE(models->at("snprintf").reads.Contains(7));
  EXPECT_TRUE(models->count("event_add"));
  EXPECT_EQ(models->at("fork").unknown, FunctionModel::Unknown::kRead);
  EXPECT_TRUE(models->at("close").releases.Contains(0));
  EXPECT_TRUE(models->at("munmap").frees.Contains(0));
  EXPECT_EQ(models->at("realloc").returns, FunctionModel::Returns::kArgument);
  EXPECT_TRUE(models->at("dup2").releases.Contains(1));
  EXPECT_FALSE(models->at("dup2").releases.Contains(0));
  EXPECT_FALSE(models->at("write").releases.Contains(0));
  // free writes the object, not what its pointers reach.
  EXPECT_TRUE(models->at("free").frees.Contains(0));
  EXPECT_FALSE(models->at("free").writes.Contains(0));
  EXPECT_EQ(models->at("snprintf").unknown, FunctionModel::Unknown::kNone);
  EXPECT_EQ(models->at("chdir").hidden.at(0).name, "libc:cwd");
  EXPECT_EQ(models->at("localtime").returns_hidden,
            models->at("ctime").returns_hidden);
  // strtol stores into *end a pointer into its string; readv stores none.
  ASSERT_EQ(models->at("strtol").stores.size(), 1u);
  EXPECT_EQ(models->at("strtol").stores[0].into, 1);
  EXPECT_EQ(models->at("strtol").stores[0].kind,
            FunctionModel::PointerStore::Kind::kArgument);
  EXPECT_EQ(models->at("strtol").stores[0].from, 0);
  EXPECT_EQ(models->at("getline").stores.at(0).kind,
            FunctionModel::PointerStore::Kind::kFresh);
  EXPECT_TRUE(models->at("readv").deep.Contains(1));
  EXPECT_TRUE(models->at("readv").DescribesPointers(1));
  EXPECT_FALSE(models->at("read").DescribesPointers(1));
  EXPECT_FALSE(models->at("strcpy").deep.Contains(0));
  // stdio streams are locked per call; the buffer fgets fills is not.
  EXPECT_TRUE(models->at("fprintf").locked.Contains(0));
  EXPECT_TRUE(models->at("fgets").locked.Contains(2));
  EXPECT_FALSE(models->at("fgets").locked.Contains(0));
  EXPECT_TRUE(models->at("printf").hidden.at(0).locked);
  // Signal handlers are installed, not called; thread-specific data is per
  // thread.
  EXPECT_TRUE(models->at("sigaction").async.Contains(1));
  EXPECT_FALSE(models->at("sigaction").async.Contains(0));
  EXPECT_TRUE(models->at("pthread_setspecific").hidden.at(0).per_thread);
}

TEST(Models, RejectsBadLines) {
  ModelTable table;
  EXPECT_FALSE(ParseModels("f read=a", "x.model", &table).ok());
  EXPECT_FALSE(ParseModels("f hidden=foo", "x.model", &table).ok());
  EXPECT_FALSE(ParseModels("f returns=sometimes", "x.model", &table).ok());
  EXPECT_FALSE(ParseModels("f copies=0", "x.model", &table).ok());
  EXPECT_FALSE(ParseModels("f copies=0:x", "x.model", &table).ok());
  EXPECT_FALSE(ParseModels("f copies=-1:0", "x.model", &table).ok());
  EXPECT_TRUE(ParseModels("f copies=0:1,2:3", "x.model", &table).ok());
  EXPECT_EQ(table.at("f").copies.size(), 2u);
  EXPECT_FALSE(ParseModels("f format=x", "x.model", &table).ok());
  EXPECT_FALSE(ParseModels("f vformat=-1", "x.model", &table).ok());
  EXPECT_FALSE(ParseModels("f unknown=sometimes", "x.model", &table).ok());
  EXPECT_FALSE(ParseModels("f releases=x", "x.model", &table).ok());
  EXPECT_TRUE(ParseModels("f unknown=write", "x.model", &table).ok());
  EXPECT_FALSE(ParseModels("f hidden=x:locked", "x.model", &table).ok());
  EXPECT_FALSE(ParseModels("f hidden=x:per_thread", "x.model", &table).ok());
  ModelTable per_thread;
  ASSERT_TRUE(
      ParseModels("f hidden=x:write:per_thread:locked", "x.model", &per_thread)
          .ok());
  EXPECT_TRUE(per_thread.at("f").hidden.at(0).per_thread);
  EXPECT_TRUE(per_thread.at("f").hidden.at(0).locked);
  EXPECT_TRUE(per_thread.at("f").hidden.at(0).write);
  // One file modelling a function twice is a mistake; a later file may
  // refine another's model.
  ModelTable twice;
  absl::Status duplicate =
      ParseModels("f nothing\ng write=0\nf read=0", "twice.model", &twice);
  EXPECT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.message(),
            "twice.model:3: 'f' is already modelled at line 1");
  EXPECT_TRUE(ParseModels("f read=0", "later.model", &twice).ok());
  EXPECT_FALSE(ParseModels("f locked=q", "x.model", &table).ok());
  EXPECT_FALSE(ParseModels("f deep=q", "x.model", &table).ok());
  ModelTable stores;
  EXPECT_FALSE(ParseModels("f stores=x", "x.model", &stores).ok());
  EXPECT_FALSE(ParseModels("f stores=1:argx", "x.model", &stores).ok());
  EXPECT_FALSE(ParseModels("f stores=1:often", "x.model", &stores).ok());
  EXPECT_TRUE(
      ParseModels("f stores=1 stores=2:same stores=0:arg3", "x.model", &stores)
          .ok());
  EXPECT_EQ(stores.at("f").stores.size(), 3u);
  EXPECT_EQ(table.at("f").unknown, FunctionModel::Unknown::kWrite);
  absl::Status status = ParseModels("\n\nf frobnicate", "x.model", &table);
  EXPECT_NE(status.message().find("x.model:3"), std::string::npos) << status;
}

TEST(Models, PrintfFormatWrites) {
  absl::StatusOr<ModelTable> models = BuiltinModels();
  ASSERT_TRUE(models.ok()) << models.status();
  const FunctionModel& snprintf_model = models->at("snprintf");
  EXPECT_EQ(snprintf_model.format, 2);
  // A format that is not a literal without %n: every later argument.
  EXPECT_TRUE(snprintf_model.FormatMayWrite(3, false));
  EXPECT_TRUE(snprintf_model.FormatMayWrite(9, false));
  EXPECT_FALSE(snprintf_model.FormatMayWrite(2, false));
  EXPECT_FALSE(snprintf_model.FormatMayWrite(3, true));
  EXPECT_FALSE(snprintf_model.FormatMayWriteUnknown(false));
  const FunctionModel& vsnprintf_model = models->at("vsnprintf");
  EXPECT_TRUE(vsnprintf_model.format_va_list);
  EXPECT_FALSE(vsnprintf_model.FormatMayWrite(3, false));
  EXPECT_TRUE(vsnprintf_model.FormatMayWriteUnknown(false));
  EXPECT_FALSE(vsnprintf_model.FormatMayWriteUnknown(true));
  EXPECT_FALSE(models->at("memcpy").FormatMayWrite(2, false));
  EXPECT_EQ(models->at("evbuffer_add_printf").format, 1);
  EXPECT_EQ(models->at("syslog").format, 1);
  EXPECT_TRUE(models->at("vsyslog").format_va_list);
  EXPECT_TRUE(models->at("fscanf").writes.Contains(5));
  EXPECT_TRUE(models->at("evbuffer_add_file").releases.Contains(1));
}

TEST(Overrides, Parses) {
  absl::StatusOr<std::vector<Override>> overrides = ParseOverrides(
      "# comment\nstats.hits: per-thread counters\n\nconn::state: locked\n",
      "o.txt");
  ASSERT_TRUE(overrides.ok()) << overrides.status();
  ASSERT_EQ(overrides->size(), 2u);
  EXPECT_EQ((*overrides)[0].resource, "stats.hits");
  EXPECT_EQ((*overrides)[0].reason, "per-thread counters");
  EXPECT_EQ((*overrides)[1].declared_at.line(), 4u);
  EXPECT_FALSE(ParseOverrides("just a resource\n", "o.txt").ok());
  EXPECT_FALSE(ParseOverrides("x:\n", "o.txt").ok());
}

}  // namespace
}  // namespace prism::analyzer
