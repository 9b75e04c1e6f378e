#include "server/sla_routes.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "server/sqlite_state_store.h"
#include "server_test_support.h"

namespace bsm::server {
namespace {

using testing::TempDir;
using Json = nlohmann::json;

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

int64_t at(const char* rfc3339) {
  return *parseRfc3339(rfc3339);
}

constexpr const char* kModel = R"(services:
  shop:
    sla: {objective: 99, window: day}
    depends_on: [web, {service: ads, impact: ignore}]
  web:
    components: [{host: "web-*", check: http}]
  ads:
    components: [{host: "ads-1", check: http}]
)";

HttpApi::ApiRequest request(std::vector<std::string> segments,
                            std::multimap<std::string, std::string> params = {}) {
  HttpApi::ApiRequest out;
  out.segments = std::move(segments);
  out.params = std::move(params);
  return out;
}

class SlaRoutesTest : public ::testing::Test {
 protected:
  SlaRoutesTest()
      : model_(std::make_shared<const ServiceModel>(ServiceModel::parse(kModel, "m.yaml"))),
        store_(std::move(SqliteStateStore::open(dir_.path()).value())),
        ledger_([this] { return model_; }, *store_, [this] { return now_; }),
        routes_([this] { return model_; }, ledger_, *store_, [this] { return now_; }) {}

  void change(const std::string& service, const char* when, CheckState state,
              const std::string& host = "") {
    StateChange c;
    c.kind = host.empty() ? StateChange::Kind::kService : StateChange::Kind::kComponent;
    c.service = service;
    c.host = host;
    c.series_kind = SeriesKind::kCheck;
    c.name = host.empty() ? "" : "http";
    c.ts_ms = at(when);
    c.state = state;
    c.reason = "because";
    store_->record(std::span<const StateChange>(&c, 1));
    store_->flush();
  }

  TempDir dir_;
  std::shared_ptr<const ServiceModel> model_;
  std::unique_ptr<SqliteStateStore> store_;
  int64_t now_ = at("2026-03-02T12:00:00Z");
  SlaLedger ledger_;
  SlaRoutes routes_;
};

TEST_F(SlaRoutesTest, SlaAnswersTheContractFields) {
  change("shop", "2026-03-01T00:00:00Z", CheckState::kOk);
  change("shop", "2026-03-02T06:00:00Z", CheckState::kCritical);
  change("shop", "2026-03-02T06:06:00Z", CheckState::kOk);
  const auto reply = routes_.sla(request({"api", "v1", "services", "shop", "sla"}));
  ASSERT_EQ(reply.status, 200) << reply.json;
  const Json body = Json::parse(reply.json);
  EXPECT_EQ(body["service"], "shop");
  EXPECT_EQ(body["window"], "day");
  EXPECT_DOUBLE_EQ(body["downtime_seconds"].get<double>(), 360);
  // 12 hours of the day so far: 360 s of 43200 down.
  EXPECT_NEAR(body["availability"].get<double>(), 99.166667, 1e-6);
  // 1% of the whole day is 864 s; 504 s are left.
  EXPECT_NEAR(body["error_budget_remaining"].get<double>(), 58.333333, 1e-6);
  for (const char* key : {"objective", "burn_rate", "excluded_seconds", "unknown_seconds",
                          "error_budget_seconds", "burn_rates", "alerts_firing"}) {
    EXPECT_TRUE(body.contains(key)) << key;
  }
}

TEST_F(SlaRoutesTest, SlaWithoutHistorySaysSo) {
  const Json body =
      Json::parse(routes_.sla(request({"api", "v1", "services", "shop", "sla"})).json);
  EXPECT_TRUE(body["availability"].is_null());
  EXPECT_CONTAINS(body["availability_note"].get<std::string>(), "nothing measured");
}

TEST_F(SlaRoutesTest, RefusalsNameTheParameterOrTheService) {
  auto reply =
      routes_.sla(request({"api", "v1", "services", "shop", "sla"}, {{"window", "fortnight"}}));
  EXPECT_EQ(reply.status, 400);
  EXPECT_CONTAINS(reply.json, "parameter 'window'");
  EXPECT_EQ(routes_.sla(request({"api", "v1", "services", "nope", "sla"})).status, 404);
  reply = routes_.sla(request({"api", "v1", "services", "web", "sla"}));
  EXPECT_EQ(reply.status, 404);
  EXPECT_CONTAINS(reply.json, "has no sla");
  reply = routes_.report(
      request({"api", "v1", "services", "shop", "sla", "report"}, {{"period", "year"}}));
  EXPECT_EQ(reply.status, 400);
  EXPECT_CONTAINS(reply.json, "parameter 'period'");
  reply = routes_.report(
      request({"api", "v1", "services", "shop", "sla", "report"}, {{"from", "yesterday"}}));
  EXPECT_CONTAINS(reply.json, "parameter 'from'");
  EXPECT_CONTAINS(routes_.history(request({"api", "v1", "history"})).json, "'service'");
  EXPECT_CONTAINS(
      routes_.history(request({"api", "v1", "history"}, {{"service", "shop"}, {"check", "x"}}))
          .json,
      "goes with 'host'");
  reply = routes_.tree(request({"api", "v1", "services", "shop", "history", "tree"}));
  EXPECT_EQ(reply.status, 400);
  EXPECT_CONTAINS(reply.json, "parameter 'at'");
}

TEST_F(SlaRoutesTest, ReportAsCsv) {
  change("shop", "2026-03-01T00:00:00Z", CheckState::kOk);
  change("shop", "2026-03-01T12:00:00Z", CheckState::kCritical);
  change("shop", "2026-03-01T12:14:24Z", CheckState::kOk);  // 864 s: the day's whole budget
  const auto reply = routes_.report(
      request({"api", "v1", "services", "shop", "sla", "report"},
              {{"period", "day"}, {"from", "2026-03-01T00:00:00Z"}, {"format", "csv"}}));
  ASSERT_EQ(reply.status, 200) << reply.json;
  EXPECT_EQ(reply.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(reply.json.substr(0, reply.json.find('\r')),
            "from,to,availability,error_budget_remaining,counted_seconds,downtime_seconds,"
            "excluded_seconds,unknown_seconds,no_data_seconds,burn_rate");
  EXPECT_CONTAINS(reply.json,
                  "2026-03-01T00:00:00.000Z,2026-03-02T00:00:00.000Z,99.000000,0.000000,"
                  "86400.000,864.000,");
}

TEST_F(SlaRoutesTest, HistoryOldestFirst) {
  change("shop", "2026-03-01T00:00:00Z", CheckState::kOk);
  change("shop", "2026-03-01T01:00:00Z", CheckState::kCritical);
  change("web", "2026-03-01T01:00:00Z", CheckState::kCritical, "web-1");
  const Json shop =
      Json::parse(routes_.history(request({"api", "v1", "history"}, {{"service", "shop"}})).json);
  ASSERT_EQ(shop["transitions"].size(), 2u);
  EXPECT_EQ(shop["transitions"][0]["state"], "OK");
  EXPECT_EQ(shop["transitions"][1]["state"], "CRITICAL");
  const Json web = Json::parse(
      routes_.history(request({"api", "v1", "history"}, {{"host", "web-1"}, {"check", "http"}}))
          .json);
  ASSERT_EQ(web["transitions"].size(), 1u);
  EXPECT_EQ(web["transitions"][0]["check"], "http");
}

TEST_F(SlaRoutesTest, TreeShowsStatesAndCausesAtATime) {
  change("shop", "2026-03-01T00:00:00Z", CheckState::kOk);
  change("web", "2026-03-01T00:00:00Z", CheckState::kOk);
  change("web", "2026-03-01T00:00:00Z", CheckState::kOk, "web-1");
  change("ads", "2026-03-01T00:00:00Z", CheckState::kCritical, "ads-1");
  change("web", "2026-03-01T03:10:00Z", CheckState::kCritical, "web-1");
  change("web", "2026-03-01T03:10:00Z", CheckState::kCritical);
  change("shop", "2026-03-01T03:10:00Z", CheckState::kCritical);
  change("web", "2026-03-01T03:20:00Z", CheckState::kOk, "web-1");

  const auto reply = routes_.tree(request({"api", "v1", "services", "shop", "history", "tree"},
                                          {{"at", "2026-03-01T04:12:00+01:00"}}));
  ASSERT_EQ(reply.status, 200) << reply.json;
  const Json body = Json::parse(reply.json);
  ASSERT_EQ(body["services"].size(), 3u);
  EXPECT_EQ(body["services"][0]["name"], "shop");
  EXPECT_EQ(body["services"][0]["state"], "CRITICAL");
  EXPECT_EQ(body["services"][1]["name"], "web");
  EXPECT_EQ(body["services"][1]["parent"], "shop");
  EXPECT_TRUE(body["services"][2]["state"].is_null());  // ads: no service history
  // web-1 was CRITICAL at 03:12Z; ads-1 too, but ads is ignored by shop.
  ASSERT_EQ(body["causes"].size(), 1u);
  EXPECT_EQ(body["causes"][0]["host"], "web-1");
  EXPECT_EQ(body["causes"][0]["since"], "2026-03-01T03:10:00.000Z");
}

}  // namespace
}  // namespace bsm::server
