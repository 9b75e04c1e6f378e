// The analysis, model and maintenance endpoints over real HTTP, against a real engine.

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "server/acknowledgement_routes.h"
#include "server/analysis_routes.h"
#include "server/http_api.h"
#include "server/maintenance_calendar.h"
#include "server/maintenance_routes.h"
#include "server/model_routes.h"
#include "server_test_support.h"

namespace bsm::server {
namespace {

constexpr const char* kAdminToken = "admin-0123456789abcdef0123456789abcdef";
constexpr const char* kReadToken = "read-0123456789abcdef0123456789abcdef";
constexpr int64_t kT0 = 1'700'000'000'000;

constexpr const char* kModel = R"(services:
  shop:
    criticality: 1
    depends_on: [web, checkout]
  web:
    rule: {at_least: 2}
    components: [{host: "web-*", check: http}]
  checkout:
    components: [{host: db-1, check: pgsql}]
)";

class AnalysisRoutesTest : public ::testing::Test {
 protected:
  AnalysisRoutesTest() : h_(kModel), api_(h_.engine, kAdminToken, kReadToken) {
    for (const char* host : {"web-1", "web-2", "web-3"}) {
      h_.feed.check(host, "http", CheckState::kOk, kT0);
    }
    db_ = h_.feed.check("db-1", "pgsql", CheckState::kOk, kT0);
    auto calendar = MaintenanceCalendar::open(dir_.path());
    EXPECT_TRUE(calendar.ok());
    calendar_ = std::move(calendar.value());
    addAnalysisRoutes(api_, h_.engine);
    addModelRoutes(api_, h_.engine, [this]() -> Result<ReloadSummary> {
      ++reloads_;
      return ReloadSummary{3, 1};
    });
    addAcknowledgementRoutes(api_, h_.engine);
    addMaintenanceRoutes(api_, *calendar_,
                         [this] { h_.engine.setMaintenance(calendar_->active(nowMs()), nowMs()); });
    EXPECT_TRUE(api_.start(HostPort{"127.0.0.1", 0}).ok());
  }
  ~AnalysisRoutesTest() override { api_.stop(); }

  httplib::Result get(const std::string& path, const char* token = kReadToken) {
    httplib::Client client("127.0.0.1", api_.port());
    return client.Get(path, {{"Authorization", std::string("Bearer ") + token}});
  }
  httplib::Result post(const std::string& path, const nlohmann::json& body,
                       const char* token = kAdminToken) {
    httplib::Client client("127.0.0.1", api_.port());
    return client.Post(path, {{"Authorization", std::string("Bearer ") + token}}, body.dump(),
                       "application/json");
  }
  static nlohmann::json json(const httplib::Result& result) {
    return nlohmann::json::parse(result->body, nullptr, false);
  }

  testing::TempDir dir_;
  testing::EngineHarness h_;
  HttpApi api_;
  std::unique_ptr<MaintenanceCalendar> calendar_;
  SeriesId db_ = kNoSeries;
  int reloads_ = 0;
};

TEST_F(AnalysisRoutesTest, RootCauseNamesTheCauseAndWhatItAffects) {
  h_.feed.check(db_, CheckState::kCritical, kT0 + 1000, "connection refused");
  const auto result = get("/api/v1/services/shop/root-cause");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  const nlohmann::json body = json(result);
  EXPECT_EQ(body["state"], "CRITICAL");
  ASSERT_EQ(body["causes"].size(), 1u);
  EXPECT_EQ(body["causes"][0]["host"], "db-1");
  EXPECT_EQ(body["causes"][0]["check"], "pgsql");
  EXPECT_EQ(body["causes"][0]["output"], "connection refused");
  EXPECT_EQ(body["causes"][0]["affects"], nlohmann::json({"shop", "checkout"}));
  EXPECT_EQ(get("/api/v1/services/nope/root-cause")->status, 404);
}

TEST_F(AnalysisRoutesTest, ImpactAndItsErrors) {
  const auto result = get("/api/v1/impact?host=db-1&check=pgsql");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  const nlohmann::json body = json(result);
  EXPECT_EQ(body["components"], 1);
  ASSERT_EQ(body["services"].size(), 2u);
  EXPECT_EQ(body["services"][0]["name"], "shop");
  EXPECT_EQ(body["services"][0]["state_if_down"], "CRITICAL");
  EXPECT_EQ(get("/api/v1/impact")->status, 400);
  EXPECT_NE(json(get("/api/v1/impact?host=a&check=b&metric=c"))["error"].get<std::string>().find(
                "not both"),
            std::string::npos);
}

TEST_F(AnalysisRoutesTest, WhatIfWithTheReadOnlyToken) {
  const auto result = post(
      "/api/v1/what-if",
      {{"components", {{{"host", "web-1"}}, {{"host", "web-2"}}}}, {"duration", "2h"}}, kReadToken);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  const nlohmann::json body = json(result);
  EXPECT_EQ(body["components"], 2);
  EXPECT_EQ(body["duration_seconds"], 7200);
  ASSERT_EQ(body["services"].size(), 2u);
  EXPECT_EQ(body["services"][0]["name"], "shop");
  EXPECT_EQ(body["services"][0]["state"], "CRITICAL");
  EXPECT_EQ(body["services"][0]["live_state"], "OK");
  EXPECT_EQ(testing::stateOf(h_.engine, "shop"), CheckState::kOk);

  const auto bad = [&](const nlohmann::json& request) {
    const auto answer = post("/api/v1/what-if", request);
    EXPECT_EQ(answer->status, 400) << request.dump();
    return json(answer)["error"].get<std::string>();
  };
  EXPECT_NE(bad({{"components", {{{"host", "a"}, {"state", "DOWN"}}}}}).find("components[0]"),
            std::string::npos);
  EXPECT_NE(bad({{"components", nlohmann::json::array()}}).find("non-empty"), std::string::npos);
  EXPECT_NE(bad({{"components", {{{"check", "x"}}}}}).find("host is required"), std::string::npos);
  EXPECT_NE(bad({{"components", {{{"host", "a"}}}}, {"duration", "soon"}}).find("duration"),
            std::string::npos);
  EXPECT_NE(bad({{"components", {{{"host", "a"}, {"labels", {{"x", 1}}}}}}}).find("labels"),
            std::string::npos);
}

TEST_F(AnalysisRoutesTest, ModelValidateDiffAndReload) {
  const nlohmann::json files = {
      {"files",
       {{{"name", "new.yaml"},
         {"text",
          "services:\n  shop:\n    depends_on: [web]\n  web:\n    rule: {at_least: 4}\n"
          "    components: [{host: \"web-*\", check: http}]\n  search: {}\n"}}}}};
  const auto diff = post("/api/v1/model/diff", files, kReadToken);
  ASSERT_EQ(diff->status, 200) << diff->body;
  const nlohmann::json body = json(diff);
  EXPECT_EQ(body["added"], nlohmann::json({"search"}));
  EXPECT_EQ(body["removed"], nlohmann::json({"checkout"}));
  EXPECT_EQ(body["changed"], nlohmann::json({"shop", "web"}));
  // Three web servers can never make four: web and the shop above it would fail.
  ASSERT_EQ(body["states"].size(), 2u);
  EXPECT_EQ(testing::stateOf(h_.engine, "web"), CheckState::kOk);

  const auto invalid = post("/api/v1/model/validate", {{"files",
                                                        {{{"name", "bad.yaml"},
                                                          {"text",
                                                           "services:\n  a:\n"
                                                           "    rule: most\n"}}}}});
  EXPECT_EQ(invalid->status, 400);
  EXPECT_NE(json(invalid)["error"].get<std::string>().find("bad.yaml:3:11"), std::string::npos);

  EXPECT_EQ(post("/api/v1/model/reload", nlohmann::json::object(), kReadToken)->status, 403);
  EXPECT_EQ(post("/api/v1/model/reload", nlohmann::json::object())->status, 200);
  EXPECT_EQ(reloads_, 1);
}

TEST_F(AnalysisRoutesTest, MaintenanceAddListRemove) {
  h_.feed.check(db_, CheckState::kCritical, kT0 + 1000);
  const auto added =
      post("/api/v1/maintenance", {{"host", "db-1"}, {"duration", "1h"}, {"reason", "upgrade"}});
  ASSERT_EQ(added->status, 201) << added->body;
  const int64_t id = json(added)["id"];
  EXPECT_EQ(json(added)["active"], true);
  EXPECT_EQ(h_.engine.service("checkout")->maintenance, MaintenanceCover::kExcluded);

  const auto listed = get("/api/v1/maintenance");
  ASSERT_EQ(json(listed)["windows"].size(), 1u);
  EXPECT_EQ(json(listed)["windows"][0]["reason"], "upgrade");

  EXPECT_EQ(post("/api/v1/maintenance", {{"host", "db-1"}, {"reason", "x"}})->status, 400);
  EXPECT_EQ(post("/api/v1/maintenance", {{"host", "db-1"}, {"duration", "1h"}, {"reason", "x"}},
                 kReadToken)
                ->status,
            403);

  httplib::Client client("127.0.0.1", api_.port());
  const httplib::Headers admin = {{"Authorization", std::string("Bearer ") + kAdminToken}};
  EXPECT_EQ(client.Delete("/api/v1/maintenance/" + std::to_string(id), admin)->status, 200);
  EXPECT_EQ(client.Delete("/api/v1/maintenance/" + std::to_string(id), admin)->status, 404);
  EXPECT_EQ(client.Delete("/api/v1/maintenance/abc", admin)->status, 400);
  EXPECT_EQ(h_.engine.service("checkout")->maintenance, MaintenanceCover::kNone);
}

TEST_F(AnalysisRoutesTest, AcknowledgeAndTakeBack) {
  h_.feed.check(db_, CheckState::kCritical, kT0 + 1000);
  EXPECT_EQ(post("/api/v1/acknowledgements", {{"host", "db-1"}})->status, 400);  // no comment
  EXPECT_EQ(post("/api/v1/acknowledgements", {{"host", "db-1"}, {"comment", "on it"}}, kReadToken)
                ->status,
            403);
  const auto acked =
      post("/api/v1/acknowledgements",
           {{"host", "db-1"}, {"check", "pgsql"}, {"comment", "on it"}, {"author", "ops"}});
  ASSERT_EQ(acked->status, 200) << acked->body;
  EXPECT_EQ(json(acked)["acknowledged"], 1);
  const nlohmann::json service = json(get("/api/v1/services/checkout"));
  EXPECT_EQ(service["components"][0]["acknowledged"]["author"], "ops");

  httplib::Client client("127.0.0.1", api_.port());
  const auto removed = client.Delete("/api/v1/acknowledgements?host=db-1",
                                     {{"Authorization", std::string("Bearer ") + kAdminToken}});
  ASSERT_EQ(removed->status, 200);
  EXPECT_EQ(json(removed)["removed"], 1);
}

}  // namespace
}  // namespace bsm::server
