#include "server/zabbix_webhook.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/service_engine.h"
#include "server_test_support.h"

namespace bsm::server {
namespace {

using nlohmann::json;
using testing::stateOf;

constexpr const char* kModel = R"(services:
  database:
    components:
      - {host: db-1, check: "MySQL is down on db-1"}
)";

std::string event(const std::string& value, const std::string& severity) {
  return json{{"host", "db-1"},
              {"trigger", "MySQL is down on db-1"},
              {"name", "MySQL is down on db-1"},
              {"event_id", "4711"},
              {"value", value},
              {"severity", severity},
              {"opdata", "mysql.ping: 0"}}
      .dump();
}

TEST(ZabbixWebhookTest, MapsSeveritiesToStates) {
  ZabbixEvent problem;
  const CheckState expected[] = {CheckState::kWarning,  CheckState::kOk,
                                 CheckState::kWarning,  CheckState::kWarning,
                                 CheckState::kCritical, CheckState::kCritical};
  for (int severity = 0; severity <= 5; ++severity) {
    problem.severity = severity;
    EXPECT_EQ(stateOf(problem), expected[severity]) << severity;
  }
  ZabbixEvent resolved;
  resolved.problem = false;
  resolved.severity = 5;
  EXPECT_EQ(stateOf(resolved), CheckState::kOk);
}

TEST(ZabbixWebhookTest, TriggerBecomesAComponentThatFollowsItsEvents) {
  ServiceEngine engine(ServiceModel::parse(kModel, "model.yaml"), nullptr);
  ZabbixWebhook webhook(engine);

  auto reply = webhook.handle(event("1", "4"), "127.0.0.1");
  ASSERT_EQ(reply.status, 200) << reply.json;
  EXPECT_EQ(json::parse(reply.json)["state"], "CRITICAL");
  EXPECT_EQ(stateOf(engine, "database"), CheckState::kCritical);
  const auto view = engine.service("database");
  ASSERT_TRUE(view.has_value());
  ASSERT_EQ(view->components.size(), 1u);
  EXPECT_NE(view->components[0].output.find("PROBLEM: MySQL is down on db-1 (mysql.ping: 0)"),
            std::string::npos)
      << view->components[0].output;

  reply = webhook.handle(event("0", "4"), "127.0.0.1");
  ASSERT_EQ(reply.status, 200) << reply.json;
  EXPECT_EQ(stateOf(engine, "database"), CheckState::kOk);

  // Events come only on change: a day of silence does not make the trigger stale.
  engine.tick(nowMs() + 24LL * 3600 * 1000);
  EXPECT_EQ(stateOf(engine, "database"), CheckState::kOk);
  EXPECT_EQ(webhook.accepted(), 2u);
}

TEST(ZabbixWebhookTest, RefusesBadEventsNamingTheField) {
  ServiceEngine engine(ServiceModel::parse(kModel, "model.yaml"), nullptr);
  ZabbixWebhook webhook(engine);
  struct Case {
    std::string body;
    const char* error;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"not json", "not a JSON object"},
           {R"({"trigger":"t","value":"1","severity":"3"})", "missing \"host\""},
           {R"({"host":"{HOST.HOST}","trigger":"t","value":"1","severity":"3"})",
            "unresolved macro"},
           {R"({"host":"h","trigger":"t","value":"2","severity":"3"})", "\"value\" must be"},
           {R"({"host":"h","trigger":"t","value":"1","severity":"9"})", "\"severity\" must be"},
           {R"({"host":"h","trigger":"t","value":"1"})", "missing \"severity\""},
           {R"({"host":")" + std::string(200, 'x') + R"(","trigger":"t","value":"0"})",
            "longer than 128"},
       }) {
    const auto reply = webhook.handle(c.body, "127.0.0.1");
    EXPECT_EQ(reply.status, 400) << c.body;
    const std::string error = json::parse(reply.json)["error"];
    EXPECT_NE(error.find(c.error), std::string::npos) << c.body << " -> " << error;
  }
  EXPECT_EQ(webhook.refused(), 7u);
  EXPECT_EQ(stateOf(engine, "database"), CheckState::kUnknown);
}

// Zabbix's alerters work in parallel and retry, so a problem can arrive after its recovery.
TEST(ZabbixWebhookTest, LateEventsDoNotUndoNewerOnes) {
  ServiceEngine engine(ServiceModel::parse(kModel, "model.yaml"), nullptr);
  ZabbixWebhook webhook(engine);
  auto post = [&](const std::string& value, const std::string& event_id,
                  const std::string& recovery_id) {
    return webhook.handle(json{{"host", "db-1"},
                               {"trigger", "MySQL is down on db-1"},
                               {"trigger_id", "23001"},
                               {"event_id", event_id},
                               {"recovery_id", recovery_id},
                               {"value", value},
                               {"severity", "4"}}
                              .dump(),
                          "127.0.0.1");
  };
  ASSERT_EQ(post("1", "10", "{EVENT.RECOVERY.ID}").status, 200);
  EXPECT_EQ(stateOf(engine, "database"), CheckState::kCritical);
  ASSERT_EQ(post("0", "10", "12").status, 200);
  EXPECT_EQ(stateOf(engine, "database"), CheckState::kOk);

  // The problem's notification again, retried late: acknowledged, not applied.
  const auto late = post("1", "10", "{EVENT.RECOVERY.ID}");
  ASSERT_EQ(late.status, 200);
  EXPECT_EQ(json::parse(late.json)["ignored"], true);
  EXPECT_EQ(stateOf(engine, "database"), CheckState::kOk);

  // A new problem of the same trigger is newer than the recovery.
  ASSERT_EQ(post("1", "15", "").status, 200);
  EXPECT_EQ(stateOf(engine, "database"), CheckState::kCritical);
}

// Two triggers may share a name on one host; their ids keep them apart.
TEST(ZabbixWebhookTest, TriggerIdsKeepSameNamedTriggersApart) {
  ServiceEngine engine(ServiceModel::parse(kModel, "model.yaml"), nullptr);
  ZabbixWebhook webhook(engine);
  for (const char* id : {"1", "2"}) {
    const auto reply = webhook.handle(json{{"host", "db-1"},
                                           {"trigger", "MySQL is down on db-1"},
                                           {"trigger_id", id},
                                           {"event_id", id},
                                           {"value", "1"},
                                           {"severity", "2"}}
                                          .dump(),
                                      "127.0.0.1");
    ASSERT_EQ(reply.status, 200) << reply.json;
  }
  const auto view = engine.service("database");
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->components.size(), 2u);
}

TEST(ZabbixWebhookTest, ResolvedEventNeedsNoSeverity) {
  const auto parsed = parseZabbixEvent(R"({"host":"h","trigger":"t","value":0})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_FALSE(parsed->problem);
}

}  // namespace
}  // namespace bsm::server
