#include "server/http_api.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <spdlog/sinks/ostream_sink.h>
#include <nlohmann/json.hpp>

#include "common/logging.h"
#include "server/json_views.h"

namespace bsm::server {
namespace {

constexpr const char* kAdminToken = "admin-0123456789abcdef0123456789abcdef";
constexpr const char* kReadToken = "read-0123456789abcdef0123456789abcdef";
// 2026-12-03T19:20:00.123Z
constexpr int64_t kSinceMs = 1796325600123;

// Answers from fixed data; the engine behind the real interface has tests of its own.
class FakeBackend : public ApiBackend {
 public:
  std::vector<ServiceView> services() const override {
    std::vector<ServiceView> out;
    for (const auto& [name, service] : services_) {
      ServiceView summary = service;
      summary.components.clear();
      summary.children.clear();
      out.push_back(summary);
    }
    // Reversed, so that the API's sorting shows.
    std::reverse(out.begin(), out.end());
    return out;
  }

  std::optional<ServiceView> service(const std::string& name) const override {
    if (name == "explodes") {
      throw std::runtime_error("engine fell over");
    }
    const auto it = services_.find(name);
    if (it == services_.end()) {
      return std::nullopt;
    }
    return it->second;
  }

  std::vector<AgentView> agents() const override { return agents_; }

  void add(ServiceView service) { services_[service.name] = std::move(service); }
  void addAgent(AgentView agent) { agents_.push_back(std::move(agent)); }

 private:
  std::map<std::string, ServiceView> services_;
  std::vector<AgentView> agents_;
};

FakeBackend makeBackend() {
  FakeBackend backend;

  ServiceView checkout;
  checkout.name = "checkout";
  checkout.description = "Takes the money";
  checkout.criticality = 1;
  checkout.rule = "worst";
  checkout.state = CheckState::kCritical;
  checkout.reason = "app-1 system.load1 is CRITICAL";
  checkout.since_ms = kSinceMs;

  ComponentView load;
  load.host = "app-1";
  load.kind = "metric";
  load.name = "system.load1";
  load.labels = {{"cpu", "all"}};
  load.state = CheckState::kCritical;
  load.reason = "value 9.2 > 8 (crit)";
  load.value = 9.2;
  load.unit = "";
  load.since_ms = kSinceMs;
  load.last_seen_ms = kSinceMs + 5000;
  checkout.components.push_back(load);

  ComponentView pgsql;
  pgsql.host = "db-1";
  pgsql.kind = "check";
  pgsql.name = "check_pgsql";
  pgsql.state = CheckState::kOk;
  pgsql.output = "OK - database template1 (0.02 sec.)";
  pgsql.since_ms = 0;
  pgsql.last_seen_ms = kSinceMs;
  checkout.components.push_back(pgsql);

  checkout.children.push_back({"payments", CheckState::kWarning, "warning"});
  backend.add(checkout);

  ServiceView shop;
  shop.name = "online-shop";
  shop.criticality = 1;
  shop.state = CheckState::kOk;
  backend.add(shop);

  // A name that needs percent-encoding in a URL.
  ServiceView odd;
  odd.name = "web shop/eu+1";
  odd.state = CheckState::kWarning;
  backend.add(odd);

  ServiceView nan;
  nan.name = "nan";
  ComponentView broken;
  broken.host = "h";
  broken.kind = "metric";
  broken.name = "m";
  broken.value = std::numeric_limits<double>::quiet_NaN();
  nan.components.push_back(broken);
  backend.add(nan);

  backend.addAgent({"web-2", false, 0, ""});
  backend.addAgent({"app-1", true, kSinceMs, "127.0.0.1:50000"});
  return backend;
}

class HttpApiTest : public testing::Test {
 protected:
  void SetUp() override {
    api_ = std::make_unique<HttpApi>(backend_, kAdminToken, kReadToken);
    const Status started = api_->start({"127.0.0.1", 0});
    ASSERT_TRUE(started.ok()) << started.error().message;
    ASSERT_NE(api_->port(), 0);
  }

  void TearDown() override { api_->stop(); }

  httplib::Client client() const {
    httplib::Client client("127.0.0.1", api_->port());
    // Paths in these tests are encoded by hand; they must reach the server as written.
    client.set_url_encode(false);
    return client;
  }

  httplib::Result get(const std::string& path, const std::string& token = kReadToken) const {
    httplib::Headers headers;
    if (!token.empty()) {
      headers.emplace("Authorization", "Bearer " + token);
    }
    return client().Get(path, headers);
  }

  static nlohmann::json json(const httplib::Result& result) {
    return nlohmann::json::parse(result->body);
  }

  FakeBackend backend_ = makeBackend();
  std::unique_ptr<HttpApi> api_;
};

TEST_F(HttpApiTest, HealthzNeedsNoToken) {
  const auto result = client().Get("/healthz");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "ok\n");
}

TEST_F(HttpApiTest, UnknownPathOutsideApiIsPlain404WithoutToken) {
  const auto result = client().Get("/no-such-page");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  EXPECT_EQ(result->body, "not found\n");
}

TEST_F(HttpApiTest, RejectsRequestWithoutToken) {
  const auto result = get("/api/v1/services", "");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 401);
  EXPECT_EQ(result->get_header_value("WWW-Authenticate").rfind("Bearer", 0), 0u);
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
  EXPECT_NE(json(result)["error"].get<std::string>().find("missing bearer token"),
            std::string::npos);
  EXPECT_EQ(api_->rejectedRequests(), 1u);
}

TEST_F(HttpApiTest, RejectsWrongToken) {
  const auto result = get("/api/v1/services", "not-the-token");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 401);
  EXPECT_EQ(result->get_header_value("WWW-Authenticate"),
            R"(Bearer realm="bsm", error="invalid_token")");
  EXPECT_EQ(json(result)["error"], "invalid token");
}

TEST_F(HttpApiTest, RejectsPrefixAndExtensionOfToken) {
  const std::string admin = kAdminToken;
  EXPECT_EQ(get("/api/v1/services", admin.substr(0, admin.size() - 1))->status, 401);
  EXPECT_EQ(get("/api/v1/services", admin + "0")->status, 401);
}

TEST_F(HttpApiTest, RejectsOtherAuthorizationSchemes) {
  const auto result =
      client().Get("/api/v1/services", {{"Authorization", std::string("Basic ") + kAdminToken}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 401);
  EXPECT_NE(json(result)["error"].get<std::string>().find("Bearer"), std::string::npos);
}

TEST_F(HttpApiTest, AcceptsSchemeInAnyCase) {
  const auto result =
      client().Get("/api/v1/services", {{"Authorization", std::string("bearer ") + kReadToken}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
}

TEST_F(HttpApiTest, ReadOnlyAndAdminTokensMayRead) {
  EXPECT_EQ(get("/api/v1/services", kReadToken)->status, 200);
  EXPECT_EQ(get("/api/v1/services", kAdminToken)->status, 200);
  EXPECT_EQ(get("/api/v1/agents", kReadToken)->status, 200);
  EXPECT_EQ(api_->rejectedRequests(), 0u);
}

TEST_F(HttpApiTest, ReadOnlyTokenMayNotWrite) {
  const auto result = client().Post("/api/v1/model/reload",
                                    {{"Authorization", std::string("Bearer ") + kReadToken}}, "{}",
                                    "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 403);
  EXPECT_NE(json(result)["error"].get<std::string>().find("admin token"), std::string::npos);
}

TEST_F(HttpApiTest, AdminTokenPassesToRoutingForWrites) {
  // No write endpoint exists yet: the admin token gets past authorization to a JSON 404.
  const auto result = client().Post("/api/v1/model/reload",
                                    {{"Authorization", std::string("Bearer ") + kAdminToken}}, "{}",
                                    "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  EXPECT_EQ(json(result)["error"], "no such endpoint: POST /api/v1/model/reload");
}

TEST_F(HttpApiTest, UnknownApiPathIsJson404WithTokenAnd401Without) {
  const auto with_token = get("/api/v1/nothing-here");
  ASSERT_TRUE(with_token);
  EXPECT_EQ(with_token->status, 404);
  EXPECT_EQ(with_token->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(json(with_token)["error"], "no such endpoint: GET /api/v1/nothing-here");

  EXPECT_EQ(get("/api/v1/nothing-here", "")->status, 401);
}

TEST_F(HttpApiTest, ListsServicesByCriticalityThenName) {
  const auto result = get("/api/v1/services");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(result->get_header_value("Cache-Control"), "no-store");

  const nlohmann::json services = json(result)["services"];
  ASSERT_EQ(services.size(), 4u);
  EXPECT_EQ(services[0]["name"], "checkout");     // criticality 1
  EXPECT_EQ(services[1]["name"], "online-shop");  // criticality 1
  EXPECT_EQ(services[2]["name"], "nan");          // criticality 3
  EXPECT_EQ(services[3]["name"], "web shop/eu+1");

  const nlohmann::json expected = {
      {"name", "checkout"},
      {"state", "CRITICAL"},
      {"reason", "app-1 system.load1 is CRITICAL"},
      {"since", "2026-12-03T19:20:00.123Z"},
      {"criticality", 1},
      {"description", "Takes the money"},
      {"maintenance", "none"},
  };
  EXPECT_EQ(services[0], expected);
  EXPECT_TRUE(services[2]["since"].is_null());
  EXPECT_EQ(services[3]["state"], "WARNING");
}

TEST_F(HttpApiTest, ServiceDetailHasComponentsAndChildren) {
  const auto result = get("/api/v1/services/checkout");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  const nlohmann::json service = json(result);

  EXPECT_EQ(service["name"], "checkout");
  EXPECT_EQ(service["state"], "CRITICAL");
  EXPECT_EQ(service["since"], "2026-12-03T19:20:00.123Z");
  EXPECT_EQ(service["rule"], "worst");

  ASSERT_EQ(service["components"].size(), 2u);
  const nlohmann::json expected_metric = {
      {"host", "app-1"},
      {"metric", "system.load1"},
      {"labels", {{"cpu", "all"}}},
      {"state", "CRITICAL"},
      {"value", 9.2},
      {"unit", ""},
      {"output", ""},
      {"reason", "value 9.2 > 8 (crit)"},
      {"since", "2026-12-03T19:20:00.123Z"},
      {"last_seen", "2026-12-03T19:20:05.123Z"},
      {"maintenance", "none"},
  };
  EXPECT_EQ(service["components"][0], expected_metric);

  const nlohmann::json check = service["components"][1];
  EXPECT_EQ(check["check"], "check_pgsql");
  EXPECT_FALSE(check.contains("metric"));
  EXPECT_TRUE(check["value"].is_null());
  EXPECT_TRUE(check["since"].is_null());
  EXPECT_TRUE(check["labels"].is_object());
  EXPECT_EQ(check["output"], "OK - database template1 (0.02 sec.)");

  const nlohmann::json expected_children =
      nlohmann::json::array({{{"name", "payments"}, {"state", "WARNING"}, {"impact", "warning"}}});
  EXPECT_EQ(service["children"], expected_children);
}

TEST_F(HttpApiTest, UnknownServiceIs404NamingIt) {
  const auto result = get("/api/v1/services/nope");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(json(result), nlohmann::json({{"error", "no service named 'nope'"}}));
}

TEST_F(HttpApiTest, DecodesUrlEncodedServiceNames) {
  // '%2F' is part of the name, not a separator; '+' in a path is a plus, not a space.
  const auto result = get("/api/v1/services/web%20shop%2Feu+1");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  EXPECT_EQ(json(result)["name"], "web shop/eu+1");

  const auto lowercase_hex = get("/api/v1/services/web%20shop%2feu%2B1");
  ASSERT_TRUE(lowercase_hex);
  EXPECT_EQ(lowercase_hex->status, 200);
}

TEST_F(HttpApiTest, DeeperPathUnderServiceIs404) {
  const auto result = get("/api/v1/services/checkout/root-cause");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  EXPECT_NE(json(result)["error"].get<std::string>().find("no such endpoint"), std::string::npos);
}

TEST_F(HttpApiTest, MalformedPercentEncodingIs400) {
  const auto result = get("/api/v1/services/bad%zzname");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  EXPECT_TRUE(json(result).contains("error"));
}

TEST_F(HttpApiTest, NonFiniteValueIsNull) {
  const auto result = get("/api/v1/services/nan");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  EXPECT_TRUE(json(result)["components"][0]["value"].is_null());
}

TEST_F(HttpApiTest, BackendFailureIsJson500) {
  const auto result = get("/api/v1/services/explodes");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 500);
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
  // The engine's words stay in the server log.
  EXPECT_EQ(json(result)["error"].get<std::string>().find("fell over"), std::string::npos);
}

TEST_F(HttpApiTest, ListsAgentsSortedById) {
  const auto result = get("/api/v1/agents");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  const nlohmann::json expected = {
      {"agents",
       {
           {{"id", "app-1"},
            {"connected", true},
            {"last_seen", "2026-12-03T19:20:00.123Z"},
            {"address", "127.0.0.1:50000"}},
           {{"id", "web-2"}, {"connected", false}, {"last_seen", nullptr}, {"address", ""}},
       }},
  };
  EXPECT_EQ(json(result), expected);
}

TEST_F(HttpApiTest, LogsRejectionsRateLimitedAndWithoutTheToken) {
  std::ostringstream log_text;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text);
  const auto logger = logging::get("http");
  logger->sinks().push_back(sink);

  constexpr int kAttempts = 25;
  for (int i = 0; i < kAttempts; ++i) {
    EXPECT_EQ(get("/api/v1/services", "guessed-secret-1234")->status, 401);
  }
  logger->flush();
  logger->sinks().pop_back();

  EXPECT_EQ(api_->rejectedRequests(), static_cast<uint64_t>(kAttempts));
  const std::string text = log_text.str();
  EXPECT_EQ(text.find("guessed-secret-1234"), std::string::npos);
  size_t lines = 0;
  for (size_t pos = text.find("rejected API request"); pos != std::string::npos;
       pos = text.find("rejected API request", pos + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 20u);
  EXPECT_NE(text.find("client=127.0.0.1:"), std::string::npos);
}

TEST(HttpApiStartTest, FailsWhenPortIsTaken) {
  FakeBackend backend;
  HttpApi first(backend, kAdminToken, "");
  ASSERT_TRUE(first.start({"127.0.0.1", 0}).ok());

  HttpApi second(backend, kAdminToken, "");
  const Status status = second.start({"127.0.0.1", first.port()});
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("cannot listen for HTTP on 127.0.0.1:"), std::string::npos)
      << status.error().message;
  EXPECT_NE(status.error().message.find("in use"), std::string::npos) << status.error().message;
}

TEST(HttpApiStartTest, RefusesMissingAdminToken) {
  FakeBackend backend;
  HttpApi api(backend, "", kReadToken);
  const Status status = api.start({"127.0.0.1", 0});
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("admin token"), std::string::npos);
}

TEST(HttpApiStartTest, RefusesReadTokenEqualToAdminToken) {
  FakeBackend backend;
  HttpApi api(backend, kAdminToken, kAdminToken);
  EXPECT_FALSE(api.start({"127.0.0.1", 0}).ok());
}

TEST(HttpApiStartTest, WithoutReadTokenOnlyAdminIsAccepted) {
  FakeBackend backend;
  HttpApi api(backend, kAdminToken, "");
  ASSERT_TRUE(api.start({"127.0.0.1", 0}).ok());
  httplib::Client client("127.0.0.1", api.port());
  EXPECT_EQ(client.Get("/api/v1/agents", {{"Authorization", std::string("Bearer ") + kAdminToken}})
                ->status,
            200);
  // An empty bearer token must not match the absent read-only token.
  EXPECT_EQ(client.Get("/api/v1/agents", {{"Authorization", "Bearer "}})->status, 401);
  EXPECT_EQ(client.Get("/api/v1/agents", {{"Authorization", std::string("Bearer ") + kReadToken}})
                ->status,
            401);
}

TEST(HttpApiStartTest, StopIsIdempotentAndClosesThePort) {
  FakeBackend backend;
  HttpApi api(backend, kAdminToken, "");
  api.stop();  // before start: nothing to do
  ASSERT_TRUE(api.start({"127.0.0.1", 0}).ok());
  const uint16_t port = api.port();
  api.stop();
  api.stop();

  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(2));
  const auto result = client.Get("/healthz");
  EXPECT_FALSE(result);
}

TEST(JsonViewsTest, TimesAreRfc3339UtcWithMillisecondsOrNull) {
  EXPECT_EQ(timeToJson(kSinceMs), "2026-12-03T19:20:00.123Z");
  EXPECT_EQ(timeToJson(1000), "1970-01-01T00:00:01.000Z");
  EXPECT_TRUE(timeToJson(0).is_null());
  EXPECT_TRUE(timeToJson(-5).is_null());
}

TEST(JsonViewsTest, DumpReplacesInvalidUtf8) {
  const nlohmann::json value = {{"output", std::string("bad \xff byte")}};
  EXPECT_EQ(dumpJson(value), "{\"output\":\"bad \xEF\xBF\xBD byte\"}");
}

}  // namespace
}  // namespace bsm::server
