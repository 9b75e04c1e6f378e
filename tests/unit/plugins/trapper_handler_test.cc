#include "plugins/zabbix/trapper_handler.h"
#include "recording_emitter.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace bsm::plugins::zabbix {
namespace {

using nlohmann::json;

using testing::RecordingEmitter;

ActiveChecks webChecks() {
  return ActiveChecks({{"web-*", {{"agent.ping", 30}, {"system.uptime", 60}}},
                       {"web-1", {{"agent.ping", 5}, {"vfs.fs.size[/,pused]", 120}}}});
}

TEST(TrapperProtocolTest, FormatsInfoAsZabbixServerDoes) {
  EXPECT_EQ(processedResponse(3, 1, 0.000055),
            R"({"info":"processed: 3; failed: 1; total: 4; seconds spent: 0.000055",)"
            R"("response":"success"})");
  const auto info = parseProcessedResponse(processedResponse(250, 0, 0.1));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->processed, 250u);
  EXPECT_EQ(info->failed, 0u);
  EXPECT_EQ(info->total, 250u);
}

TEST(TrapperProtocolTest, ReadsFailedAnswerAsError) {
  const auto info = parseProcessedResponse(R"({"response":"failed","info":"host [x] not found"})");
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.error().message.find("host [x] not found"), std::string::npos);
  EXPECT_FALSE(parseProcessedResponse("ZBX_NOTSUPPORTED").ok());
  EXPECT_FALSE(parseProcessedResponse(R"({"response":"success","info":"all good"})").ok());
}

TEST(TrapperProtocolTest, CountsBadEntriesWithoutFailingTheRequest) {
  const auto request = parseTrapperRequest(
      R"({"request":"sender data","data":[{"host":"h1","key":"trap.a","value":"1"},)"
      R"({"host":"h1","key":"trap b","value":"x"},)"
      R"({"host":"","key":"k","value":"1"},)"
      R"({"host":"h1","key":"k","value":true},)"
      R"({"host":"h1","key":"k2","value":42.5,"clock":1700000000,"ns":123456789},)"
      R"({"host":"h1","key":"k3","value":"1","clock":18446744073709552},)"
      R"(17])"
      R"(})");
  ASSERT_TRUE(request.ok()) << request.error().message;
  ASSERT_EQ(request->values.size(), 2u);
  EXPECT_EQ(request->values[0].key, "trap.a");
  EXPECT_EQ(request->values[0].timestampMs(99), 99);
  EXPECT_EQ(request->values[1].value, "42.5");
  EXPECT_EQ(request->values[1].timestampMs(99), 1'700'000'000'123);
  ASSERT_EQ(request->refused.size(), 5u);
  EXPECT_EQ(request->refused[0].index, 1u);
  EXPECT_NE(request->refused[1].reason.find("empty host"), std::string::npos);
  EXPECT_NE(request->refused[3].reason.find("\"clock\""), std::string::npos);
  EXPECT_EQ(request->refused[4].index, 6u);
}

TEST(TrapperProtocolTest, RefusesWhatIsNotARequest) {
  for (const char* text : {"", "agent.ping", "[1,2]", R"({"data":[]})",
                           R"({"request":"sender data"})", R"({"request":"sender data","data":{}})",
                           R"({"request":"proxy config"})", R"({"request":"active checks"})"}) {
    EXPECT_FALSE(parseTrapperRequest(text).ok()) << text;
  }
}

TEST(TrapperHandlerTest, TakesSenderValuesUnderTheSendersHostNames) {
  TrapperHandler handler("trapper", {});
  RecordingEmitter out;
  const std::string answer = handler.handle(
      R"({"request":"sender data","data":[{"host":"db-1","key":"queue.depth","value":"42"},)"
      R"({"host":"db-2","key":"role","value":"primary","clock":1700000000},)"
      R"({"host":"db-2","key":"bad[","value":"1"}]})",
      "127.0.0.1:5000", out);

  const json parsed = json::parse(answer);
  EXPECT_EQ(parsed["response"], "success");
  EXPECT_TRUE(parsed["info"].get<std::string>().starts_with(
      "processed: 2; failed: 1; total: 3; seconds spent: "))
      << parsed["info"];
  ASSERT_EQ(out.samples.size(), 1u);
  EXPECT_EQ(out.samples[0].host, "db-1");
  EXPECT_EQ(out.samples[0].name, "queue.depth");
  EXPECT_EQ(out.samples[0].value, 42);
  ASSERT_EQ(out.checks.size(), 1u);
  EXPECT_EQ(out.checks[0].host, "db-2");
  EXPECT_EQ(out.checks[0].state, CheckState::kOk);
  EXPECT_EQ(out.checks[0].output, "primary");
  EXPECT_EQ(out.checks[0].ts_ms, 1'700'000'000'000);
  EXPECT_EQ(handler.stats().failed, 1u);
}

TEST(TrapperHandlerTest, AnswersFailedToGarbage) {
  TrapperHandler handler("trapper", {});
  RecordingEmitter out;
  const json parsed = json::parse(handler.handle("{not json", "peer", out));
  EXPECT_EQ(parsed["response"], "failed");
  EXPECT_TRUE(out.samples.empty());
  EXPECT_EQ(handler.stats().refused_requests, 1u);
}

TEST(TrapperHandlerTest, GivesActiveAgentsTheirConfiguredItems) {
  TrapperHandler handler("trapper", webChecks());
  RecordingEmitter out;
  const json parsed = json::parse(handler.handle(
      R"({"request":"active checks","host":"web-1","host_metadata":"linux"})", "peer", out));
  ASSERT_EQ(parsed["response"], "success");
  ASSERT_EQ(parsed["data"].size(), 3u);
  EXPECT_EQ(parsed["data"][0]["key"], "agent.ping");
  // A string: zabbix_agent2 refuses a number there.
  EXPECT_EQ(parsed["data"][0]["delay"], "30");
  EXPECT_EQ(parsed["data"][0]["itemid"], (ActiveItem{"agent.ping", 30}.itemid()));
  EXPECT_EQ(parsed["data"][2]["key"], "vfs.fs.size[/,pused]");
  EXPECT_EQ(parsed["data"][2]["lastlogsize"], 0);
  EXPECT_EQ(parsed["data"][2]["mtime"], 0);
  ASSERT_EQ(out.checks.size(), 1u);
  EXPECT_EQ(out.checks[0].name, TrapperHandler::kAvailableCheck);
  EXPECT_EQ(out.checks[0].host, "web-1");

  const json unknown =
      json::parse(handler.handle(R"({"request":"active checks","host":"db-1"})", "peer", out));
  EXPECT_EQ(unknown["response"], "failed");
  EXPECT_EQ(unknown["info"], "host [db-1] not found");
}

TEST(TrapperHandlerTest, TakesAgentDataOncePerSessionAndId) {
  TrapperHandler handler("trapper", webChecks());
  RecordingEmitter out;
  const std::string data =
      R"({"request":"agent data","session":"465ac615011918a899891badd3268103","data":[)"
      R"({"host":"web-2","key":"agent.ping","value":"1","id":1,"clock":1796323143,"ns":673204597},)"
      R"({"host":"web-2","key":"system.uptime","value":"477","id":2,"clock":1796323143,"ns":0},)"
      R"({"host":"web-2","key":"vfs.fs.size[/x,free]","value":"Cannot obtain filesystem)"
      R"( information: [2] No such file or directory","state":1,"id":3,"clock":1796323143}]})";
  const json first = json::parse(handler.handle(data, "peer", out));
  EXPECT_EQ(first["response"], "success");
  ASSERT_EQ(out.samples.size(), 2u);
  EXPECT_EQ(out.samples[0].ts_ms, 1'796'323'143'673);
  EXPECT_EQ(out.samples[0].interval_ms, 30'000);
  EXPECT_EQ(out.samples[1].interval_ms, 60'000);
  const auto unsupported = std::find_if(out.checks.begin(), out.checks.end(), [](const auto& c) {
    return c.name == "vfs.fs.size[/x,free]";
  });
  ASSERT_NE(unsupported, out.checks.end());
  EXPECT_EQ(unsupported->state, CheckState::kUnknown);
  EXPECT_EQ(unsupported->output,
            "Cannot obtain filesystem information: [2] No such file or directory");

  // The agent did not get our answer and sends the same values again: taken once.
  const json again = json::parse(handler.handle(data, "peer", out));
  EXPECT_EQ(again["response"], "success");
  EXPECT_EQ(out.samples.size(), 2u);
  EXPECT_EQ(handler.stats().duplicates, 3u);

  // The agent restarted: a new session numbers from 1 again.
  std::string restarted = data;
  restarted.replace(restarted.find("465ac6"), 6, "999999");
  handler.handle(restarted, "peer", out);
  EXPECT_EQ(out.samples.size(), 4u);
}

// zabbix_agent2 names the host once per request and each item only by the itemid we gave it.
TEST(TrapperHandlerTest, TakesAgent2DataNamedByItemId) {
  TrapperHandler handler("trapper", webChecks());
  RecordingEmitter out;
  const uint64_t ping = (ActiveItem{"agent.ping", 5}).itemid();
  const std::string data =
      R"({"request":"agent data","session":"ce3b","host":"web-1","version":"6.0","data":[)"
      R"({"id":1,"itemid":)" +
      std::to_string(ping) +
      R"(,"value":"1","clock":1796323143,"ns":0},)"
      R"({"id":2,"itemid":12345,"value":"7","clock":1796323143,"ns":0}]})";
  const json answer = json::parse(handler.handle(data, "peer", out));
  EXPECT_EQ(answer["response"], "success");
  EXPECT_TRUE(answer["info"].get<std::string>().starts_with("processed: 1; failed: 1; total: 2"))
      << answer["info"];
  ASSERT_EQ(out.samples.size(), 1u);
  EXPECT_EQ(out.samples[0].host, "web-1");
  EXPECT_EQ(out.samples[0].name, "agent.ping");
  // web-1 matches both entries; the first gives agent.ping its delay.
  EXPECT_EQ(out.samples[0].interval_ms, 30'000);
}

TEST(ActiveSessionsTest, ForgetsTheLeastRecentlySeenSessionPastCapacity) {
  ActiveSessions sessions(2);
  EXPECT_TRUE(sessions.take("a", 1));
  EXPECT_TRUE(sessions.take("b", 1));
  EXPECT_FALSE(sessions.take("a", 1));  // a is now the most recent
  EXPECT_TRUE(sessions.take("c", 1));   // b is forgotten
  EXPECT_EQ(sessions.size(), 2u);
  EXPECT_FALSE(sessions.take("a", 1));
  EXPECT_TRUE(sessions.take("b", 1));
}

}  // namespace
}  // namespace bsm::plugins::zabbix
