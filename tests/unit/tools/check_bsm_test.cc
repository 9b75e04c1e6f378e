#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/http_api.h"
#include "tools/api_client.h"
#include "tools/check_bsm_command.h"
#include "tools/service_check.h"

namespace bsm::tools {
namespace {

using namespace std::chrono_literals;
using server::ChildServiceView;
using server::ComponentView;
using server::ServiceView;

constexpr const char* kAdminToken = "admin-0123456789abcdef0123456789abcdef";
constexpr const char* kReadToken = "read-0123456789abcdef0123456789abcdef";

// The answer of GET /api/v1/services/checkout from a degraded shop: a CRITICAL check, a
// WARNING metric, an OK component, and child services of every kind of impact.
nlohmann::json degradedCheckout() {
  return nlohmann::json::parse(R"json({
    "name": "checkout", "state": "CRITICAL", "criticality": 1, "rule": "worst",
    "reason": "worst of 5 children is CRITICAL (1 CRITICAL, 1 WARNING, 1 OK): db-1 check_pgsql",
    "since": "2026-12-03T19:20:00.000Z", "description": "Takes the money",
    "components": [
      {"host": "app-1", "metric": "system.load1", "labels": {}, "state": "WARNING",
       "value": 5.2, "unit": "", "output": "", "reason": "system.load1=5.2 > 4"},
      {"host": "db-1", "check": "check_pgsql", "labels": {}, "state": "CRITICAL", "value": null,
       "unit": "", "output": "CONNECTION CRITICAL - no connection to 'template1'\nmore",
       "reason": "CONNECTION CRITICAL - no connection to 'template1'"},
      {"host": "db-2", "check": "check_pgsql", "labels": {}, "state": "OK", "value": null,
       "unit": "", "output": "OK - database template1 (0.01 sec.)", "reason": ""}
    ],
    "children": [
      {"name": "recommendations", "state": "CRITICAL", "impact": "warning"},
      {"name": "payments", "state": "UNKNOWN", "impact": "normal"},
      {"name": "newsletter", "state": "CRITICAL", "impact": "ignore"},
      {"name": "fraud-check", "state": "OK", "impact": "normal"}
    ]
})json");
}

constexpr const char* kCountsAllOk =
    "components_ok=1;;;0 components_warning=0;;;0 components_critical=0;;;0 "
    "components_unknown=0;;;0 children_ok=0;;;0 children_warning=0;;;0 children_critical=0;;;0 "
    "children_unknown=0;;;0";

nlohmann::json healthyShop() {
  return nlohmann::json::parse(R"({
    "name": "online-shop", "state": "OK", "reason": "its only component is OK",
    "components": [{"host": "web-1", "check": "http", "labels": {}, "state": "OK",
                    "output": "HTTP OK", "reason": "HTTP OK"}],
    "children": []
  })");
}

TEST(ServiceCheckTest, OkServiceExitsZeroWithCountsAsPerfdata) {
  const PluginOutput output =
      ServiceCheck::evaluate("online-shop", healthyShop(), SlaLookup{}, false);
  EXPECT_EQ(output.exitCode(), 0);
  EXPECT_EQ(output.render(),
            std::string("BSM OK - online-shop: its only component is OK | ") + kCountsAllOk + "\n");
}

TEST(ServiceCheckTest, StatesMapToNagiosExitCodes) {
  for (const auto& [state, code] :
       std::map<std::string, int>{{"OK", 0}, {"WARNING", 1}, {"CRITICAL", 2}, {"UNKNOWN", 3}}) {
    nlohmann::json service = healthyShop();
    service["state"] = state;
    const PluginOutput output = ServiceCheck::evaluate("online-shop", service, SlaLookup{}, false);
    EXPECT_EQ(output.exitCode(), code) << state;
    EXPECT_EQ(output.render().rfind("BSM " + state + " - online-shop: ", 0), 0u) << output.render();
  }
}

TEST(ServiceCheckTest, DegradedServiceListsWhatIsNotOkWorstFirst) {
  const PluginOutput output =
      ServiceCheck::evaluate("checkout", degradedCheckout(), SlaLookup{}, false);
  EXPECT_EQ(output.exitCode(), 2);
  // CRITICAL before UNKNOWN before WARNING; a child capped at WARNING ranks as WARNING (its own
  // CRITICAL breaks the tie with the metric); an ignored child comes last.
  EXPECT_EQ(output.render(),
            "BSM CRITICAL - checkout: worst of 5 children is CRITICAL (1 CRITICAL, 1 WARNING, 1 "
            "OK): db-1 check_pgsql | components_ok=1;;;0 components_warning=1;;;0 "
            "components_critical=1;;;0 components_unknown=0;;;0 children_ok=1;;;0 "
            "children_warning=0;;;0 children_critical=2;;;0 children_unknown=1;;;0\n"
            "db-1 check_pgsql CRITICAL: CONNECTION CRITICAL - no connection to 'template1'\n"
            "service payments UNKNOWN\n"
            "service recommendations CRITICAL, counted as WARNING (impact: warning)\n"
            "app-1 system.load1 WARNING: system.load1=5.2 > 4\n"
            "service newsletter CRITICAL, ignored (impact: ignore)\n");
}

TEST(ServiceCheckTest, CheckWithoutReasonShowsFirstLineOfItsOutput) {
  nlohmann::json service = degradedCheckout();
  service["components"][1].erase("reason");
  const PluginOutput output = ServiceCheck::evaluate("checkout", service, SlaLookup{}, false);
  ASSERT_FALSE(output.details.empty());
  EXPECT_EQ(output.details[0],
            "db-1 check_pgsql CRITICAL: CONNECTION CRITICAL - no connection to 'template1'");
}

TEST(ServiceCheckTest, MetricLabelsAreShownWithTheName) {
  nlohmann::json service = healthyShop();
  service["state"] = "WARNING";
  service["components"] = nlohmann::json::parse(
      R"([{"host": "web-1", "metric": "system.fs.used_percent", "labels": {"mount": "/"},
           "state": "WARNING", "reason": "system.fs.used_percent{mount=/}=91 > 90"}])");
  const PluginOutput output = ServiceCheck::evaluate("online-shop", service, SlaLookup{}, false);
  ASSERT_EQ(output.details.size(), 1u);
  EXPECT_EQ(output.details[0],
            "web-1 system.fs.used_percent{mount=/} WARNING: system.fs.used_percent{mount=/}=91 > "
            "90");
}

TEST(ServiceCheckTest, AvailabilityFromSlaAnswerLeadsThePerfdata) {
  SlaLookup sla;
  sla.answer = nlohmann::json::parse(R"({"service": "online-shop", "objective": 99.9,
      "window": "30d", "availability": 99.95, "error_budget_remaining": 50.0, "burn_rate": 0.5,
      "downtime_seconds": 1296, "excluded_seconds": 0})");
  const PluginOutput output = ServiceCheck::evaluate("online-shop", healthyShop(), sla, false);
  EXPECT_EQ(output.perfdata, std::string("availability=99.95%;;;0;100 "
                                         "error_budget_remaining=50%;;;;100 ") +
                                 kCountsAllOk);
  EXPECT_EQ(output.exitCode(), 0);
}

TEST(ServiceCheckTest, OverspentErrorBudgetIsNegative) {
  SlaLookup sla;
  sla.answer = nlohmann::json{{"availability", 99.8125}, {"error_budget_remaining", -87.5}};
  const PluginOutput output = ServiceCheck::evaluate("online-shop", healthyShop(), sla, false);
  EXPECT_EQ(output.perfdata.rfind("availability=99.8125%;;;0;100 "
                                  "error_budget_remaining=-87.5%;;;;100 components_ok=1",
                                  0),
            0u)
      << output.perfdata;
}

TEST(ServiceCheckTest, MissingSlaLeavesAvailabilityOutQuietly) {
  SlaLookup sla;
  sla.problem = "no such endpoint: GET /api/v1/services/online-shop/sla";
  const PluginOutput output = ServiceCheck::evaluate("online-shop", healthyShop(), sla, false);
  EXPECT_EQ(output.perfdata, kCountsAllOk);
  EXPECT_TRUE(output.details.empty());
  EXPECT_EQ(output.exitCode(), 0);
}

TEST(ServiceCheckTest, VerboseSaysWhyAvailabilityIsMissing) {
  SlaLookup sla;
  sla.problem = "no such endpoint: GET /api/v1/services/online-shop/sla";
  PluginOutput output = ServiceCheck::evaluate("online-shop", healthyShop(), sla, true);
  ASSERT_EQ(output.details.size(), 1u);
  EXPECT_EQ(output.details[0],
            "availability not reported: no such endpoint: GET /api/v1/services/online-shop/sla");

  SlaLookup no_number;
  no_number.answer = nlohmann::json{{"availability", nullptr}};
  output = ServiceCheck::evaluate("online-shop", healthyShop(), no_number, true);
  ASSERT_EQ(output.details.size(), 1u);
  EXPECT_EQ(output.details[0], "availability not reported: the SLA answer holds no availability");
  EXPECT_EQ(output.perfdata, kCountsAllOk);
}

TEST(ServiceCheckTest, AnswerWithoutValidStateIsUnknown) {
  for (const char* text :
       {R"({"name": "x"})", R"({"state": "DOWN"})", R"({"state": 2})", R"([1, 2])", R"("OK")"}) {
    const PluginOutput output =
        ServiceCheck::evaluate("x", nlohmann::json::parse(text), SlaLookup{}, false);
    EXPECT_EQ(output.exitCode(), 3) << text;
    EXPECT_EQ(output.render(),
              "BSM UNKNOWN - x: bsm-server's answer is not a service's state (no valid "
              "\"state\")\n")
        << text;
  }
}

TEST(ServiceCheckTest, ComponentWithoutValidStateCountsAsUnknown) {
  nlohmann::json service = healthyShop();
  service["components"].push_back({{"host", "web-2"}, {"check", "http"}, {"state", "BROKEN"}});
  const PluginOutput output = ServiceCheck::evaluate("online-shop", service, SlaLookup{}, false);
  EXPECT_NE(output.perfdata.find("components_unknown=1;;;0"), std::string::npos);
  ASSERT_EQ(output.details.size(), 1u);
  EXPECT_EQ(output.details[0], "web-2 http UNKNOWN");
}

TEST(ServiceCheckTest, OutputNeverCarriesPipeOrLineBreakFromPeers) {
  nlohmann::json service = healthyShop();
  service["state"] = "CRITICAL";
  service["reason"] = "web-1 http: HTTP CRITICAL | time=3s\nsecond line";
  service["components"][0]["state"] = "CRITICAL";
  service["components"][0]["reason"] = "a|b\tc\r\n";
  const std::string text =
      ServiceCheck::evaluate("online-shop", service, SlaLookup{}, false).render();
  EXPECT_EQ(text.substr(0, text.find(" | components_ok")),
            "BSM CRITICAL - online-shop: web-1 http: HTTP CRITICAL / time=3s second line");
  EXPECT_NE(text.find("\nweb-1 http CRITICAL: a/b c\n"), std::string::npos) << text;
  // Exactly one '|': the perfdata separator on the first line.
  EXPECT_EQ(std::count(text.begin(), text.end(), '|'), 1) << text;
}

TEST(ServiceCheckTest, LongLinesAreCutWithoutSplittingCharacters) {
  nlohmann::json service = healthyShop();
  service["state"] = "WARNING";
  // Two-byte characters, placed so that the cut falls inside one.
  std::string reason = "x";
  for (int i = 0; i < 400; ++i) {
    reason += "\xc3\xa9";
  }
  service["reason"] = reason;
  const PluginOutput output = ServiceCheck::evaluate("online-shop", service, SlaLookup{}, false);
  const std::string first = output.render().substr(0, output.render().find(" | "));
  const std::string shown = first.substr(std::string("BSM WARNING - online-shop: ").size());
  EXPECT_LE(shown.size(), ServiceCheck::kMaxLineBytes + 3);
  ASSERT_GE(shown.size(), 3u);
  EXPECT_EQ(shown.substr(shown.size() - 3), "...");
  // nlohmann::json refuses to dump invalid UTF-8, so this fails on a split character.
  EXPECT_NO_THROW((void)nlohmann::json(shown).dump());
}

TEST(ServiceCheckTest, ManyProblemsAreCappedSoNagiosReadsEverything) {
  nlohmann::json service = healthyShop();
  service["state"] = "CRITICAL";
  service["components"] = nlohmann::json::array();
  for (int i = 0; i < 100; ++i) {
    service["components"].push_back({{"host", "web-" + std::to_string(i)},
                                     {"check", "http"},
                                     {"state", "CRITICAL"},
                                     {"reason", std::string(1000, 'x')}});
  }
  const PluginOutput output = ServiceCheck::evaluate("online-shop", service, SlaLookup{}, false);
  ASSERT_EQ(output.details.size(), ServiceCheck::kMaxDetailLines + 1);
  EXPECT_EQ(output.details.back(), "... and 80 more not OK");
  EXPECT_LT(output.render().size(), 8192u);
  EXPECT_NE(output.perfdata.find("components_critical=100;;;0"), std::string::npos);
}

TEST(ServiceCheckTest, ZabbixOutputIsOnlyTheStateNumber) {
  const PluginOutput output =
      ServiceCheck::evaluate("checkout", degradedCheckout(), SlaLookup{}, false);
  EXPECT_EQ(output.renderZabbix(), "2\n");
  EXPECT_EQ(ServiceCheck::unknown("x", "why").renderZabbix(), "3\n");
}

// Runs CheckBsmCommand::parse on a command line.
CheckBsmCommand::Parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "check_bsm");
  std::vector<const char*> argv;
  for (const std::string& arg : args) {
    argv.push_back(arg.c_str());
  }
  return CheckBsmCommand::parse(static_cast<int>(argv.size()), argv.data());
}

TEST(CheckBsmCommandTest, DefaultsAreNagiosLike) {
  const CheckBsmCommand::Parsed parsed = parse({"-H", "bsm.example.net", "-s", "online-shop"});
  ASSERT_TRUE(parsed.options) << parsed.outcome.out;
  EXPECT_EQ(parsed.options->serverUrl(), "http://bsm.example.net:9440");
  EXPECT_EQ(parsed.options->timeout(), 10s);
  EXPECT_EQ(parsed.options->service, "online-shop");
  EXPECT_FALSE(parsed.options->zabbix);
  EXPECT_FALSE(parsed.options->verbose);
  EXPECT_EQ(parsed.options->token_file, "");
}

TEST(CheckBsmCommandTest, TakesLongOptionsAndIpv6Addresses) {
  const CheckBsmCommand::Parsed parsed =
      parse({"--hostname", "::1", "--port", "19440", "--service", "web shop/eu", "--timeout", "2.5",
             "--token-file", "/etc/bsm/read.token", "--zabbix", "-v"});
  ASSERT_TRUE(parsed.options) << parsed.outcome.out;
  EXPECT_EQ(parsed.options->serverUrl(), "http://[::1]:19440");
  EXPECT_EQ(parsed.options->timeout(), 2500ms);
  EXPECT_EQ(parsed.options->service, "web shop/eu");
  EXPECT_EQ(parsed.options->token_file, "/etc/bsm/read.token");
  EXPECT_TRUE(parsed.options->zabbix);
  EXPECT_TRUE(parsed.options->verbose);
}

TEST(CheckBsmCommandTest, UsageErrorsAreUnknownWithUsage) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"-H", "localhost"},
                                             {"-s", "shop"},
                                             {"-H", "localhost", "-s", "shop", "-p", "0"},
                                             {"-H", "localhost", "-s", "shop", "-p", "70000"},
                                             {"-H", "localhost", "-s", "shop", "-t", "0"},
                                             {"-H", "localhost", "-s", "shop", "-t", "soon"},
                                             {"-H", "localhost", "-s", "shop", "--bogus"},
                                             {"-H", "localhost", "-s", "shop", "extra"},
                                             {"-H", "localhost", "-s", ""}}) {
    const CheckBsmCommand::Parsed parsed = parse(args);
    EXPECT_FALSE(parsed.options);
    EXPECT_EQ(parsed.outcome.exit_code, 3);
    EXPECT_EQ(parsed.outcome.out.rfind("BSM UNKNOWN - usage error: ", 0), 0u) << parsed.outcome.out;
    EXPECT_NE(parsed.outcome.out.find("\nUsage: check_bsm -H SERVER"), std::string::npos)
        << parsed.outcome.out;
  }
}

TEST(CheckBsmCommandTest, HelpAndVersionExitUnknownAsPluginsDo) {
  CheckBsmCommand::Parsed parsed = parse({"--help"});
  EXPECT_FALSE(parsed.options);
  EXPECT_EQ(parsed.outcome.exit_code, 3);
  EXPECT_NE(parsed.outcome.out.find("--token-file"), std::string::npos) << parsed.outcome.out;
  EXPECT_NE(parsed.outcome.out.find("--zabbix"), std::string::npos) << parsed.outcome.out;

  parsed = parse({"-V"});
  EXPECT_FALSE(parsed.options);
  EXPECT_EQ(parsed.outcome.exit_code, 3);
  EXPECT_EQ(parsed.outcome.out.rfind("check_bsm ", 0), 0u) << parsed.outcome.out;
}

class FakeBackend : public server::ApiBackend {
 public:
  std::vector<ServiceView> services() const override {
    std::vector<ServiceView> out;
    for (const auto& [name, service] : services_) {
      out.push_back(service);
    }
    return out;
  }
  std::optional<ServiceView> service(const std::string& name) const override {
    const auto it = services_.find(name);
    return it == services_.end() ? std::nullopt : std::optional<ServiceView>(it->second);
  }
  std::vector<server::AgentView> agents() const override { return {}; }

  std::map<std::string, ServiceView> services_;
};

// Restores an environment variable when the test ends.
class ScopedEnv {
 public:
  explicit ScopedEnv(const char* name) : name_(name) {
    if (const char* value = std::getenv(name)) {
      saved_ = value;
    }
    unsetenv(name);
  }
  ~ScopedEnv() {
    if (saved_) {
      setenv(name_, saved_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> saved_;
};

// check_bsm against the real HttpApi (which has no SLA endpoint yet) on loopback.
class CheckBsmAgainstHttpApiTest : public testing::Test {
 protected:
  void SetUp() override {
    ServiceView checkout;
    checkout.name = "web shop/eu";
    checkout.state = CheckState::kWarning;
    checkout.reason = "worst of 2 children is WARNING: app-1 system.load1";
    ComponentView load;
    load.host = "app-1";
    load.kind = "metric";
    load.name = "system.load1";
    load.state = CheckState::kWarning;
    load.reason = "system.load1=5.2 > 4";
    load.value = 5.2;
    checkout.components.push_back(load);
    checkout.children.push_back(ChildServiceView{"payments", CheckState::kOk, "normal"});
    backend_.services_[checkout.name] = checkout;

    api_ = std::make_unique<server::HttpApi>(backend_, kAdminToken, kReadToken);
    const Status started = api_->start({"127.0.0.1", 0});
    ASSERT_TRUE(started.ok()) << started.error().message;

    dir_ = std::filesystem::temp_directory_path() /
           ("check-bsm-test-" + std::to_string(getpid()) + "-" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    token_file_ = (dir_ / "read.token").string();
    std::ofstream(token_file_) << kReadToken << "\n";
    chmod(token_file_.c_str(), 0600);
  }

  void TearDown() override {
    api_->stop();
    std::filesystem::remove_all(dir_);
  }

  CheckBsmOutcome check(std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "-H", "127.0.0.1", "-p", std::to_string(api_->port()), "--token-file", token_file_};
    args.insert(args.end(), extra.begin(), extra.end());
    const CheckBsmCommand::Parsed parsed = parse(args);
    EXPECT_TRUE(parsed.options) << parsed.outcome.out;
    return parsed.options ? CheckBsmCommand::execute(*parsed.options) : parsed.outcome;
  }

  ScopedEnv env_token_{"BSM_TOKEN"};
  FakeBackend backend_;
  std::unique_ptr<server::HttpApi> api_;
  std::filesystem::path dir_;
  std::string token_file_;
};

TEST_F(CheckBsmAgainstHttpApiTest, ReportsStateWithoutAvailabilityWhileTheServerHasNoSla) {
  const CheckBsmOutcome outcome = check({"-s", "web shop/eu"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_EQ(outcome.out,
            "BSM WARNING - web shop/eu: worst of 2 children is WARNING: app-1 system.load1 | "
            "components_ok=0;;;0 components_warning=1;;;0 components_critical=0;;;0 "
            "components_unknown=0;;;0 children_ok=1;;;0 children_warning=0;;;0 "
            "children_critical=0;;;0 children_unknown=0;;;0\n"
            "app-1 system.load1 WARNING: system.load1=5.2 > 4\n");
}

TEST_F(CheckBsmAgainstHttpApiTest, VerboseNamesTheMissingSlaEndpoint) {
  const CheckBsmOutcome outcome = check({"-s", "web shop/eu", "-v"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.out.find("\navailability not reported: no such endpoint: GET "
                             "/api/v1/services/web shop/eu/sla\n"),
            std::string::npos)
      << outcome.out;
}

TEST_F(CheckBsmAgainstHttpApiTest, UnknownServiceIsUnknownWithTheServersWords) {
  const CheckBsmOutcome outcome = check({"-s", "no-such-shop"});
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_EQ(outcome.out, "BSM UNKNOWN - no-such-shop: no service named 'no-such-shop'\n");
}

TEST_F(CheckBsmAgainstHttpApiTest, WrongTokenIsUnknown) {
  std::ofstream(token_file_) << "not-the-token-0123456789\n";
  const CheckBsmOutcome outcome = check({"-s", "web shop/eu"});
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_EQ(outcome.out,
            "BSM UNKNOWN - web shop/eu: the server refused the token: invalid token\n");
}

TEST_F(CheckBsmAgainstHttpApiTest, TokenFromEnvironmentWhenNoFileIsGiven) {
  setenv("BSM_TOKEN", kReadToken, 1);
  const CheckBsmCommand::Parsed parsed =
      parse({"-H", "127.0.0.1", "-p", std::to_string(api_->port()), "-s", "web shop/eu"});
  ASSERT_TRUE(parsed.options);
  EXPECT_EQ(CheckBsmCommand::execute(*parsed.options).exit_code, 1);
}

TEST_F(CheckBsmAgainstHttpApiTest, NoTokenAtAllIsUnknown) {
  const CheckBsmCommand::Parsed parsed =
      parse({"-H", "127.0.0.1", "-p", std::to_string(api_->port()), "-s", "web shop/eu"});
  ASSERT_TRUE(parsed.options);
  const CheckBsmOutcome outcome = CheckBsmCommand::execute(*parsed.options);
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_EQ(outcome.out,
            "BSM UNKNOWN - web shop/eu: no API token: give --token-file FILE or set BSM_TOKEN\n");
}

TEST_F(CheckBsmAgainstHttpApiTest, UnreadableTokenFileIsUnknown) {
  token_file_ = (dir_ / "missing.token").string();
  const CheckBsmOutcome outcome = check({"-s", "web shop/eu"});
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_EQ(outcome.out.rfind("BSM UNKNOWN - web shop/eu: ", 0), 0u) << outcome.out;
  EXPECT_NE(outcome.out.find("missing.token"), std::string::npos) << outcome.out;
}

TEST_F(CheckBsmAgainstHttpApiTest, TokenFileWarningsGoToTheLongOutput) {
  chmod(token_file_.c_str(), 0644);
  const CheckBsmOutcome outcome = check({"-s", "web shop/eu"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.out.find("\nwarning: "), std::string::npos) << outcome.out;
}

TEST_F(CheckBsmAgainstHttpApiTest, ZabbixModePrintsTheNumberAndExitsZero) {
  CheckBsmOutcome outcome = check({"-s", "web shop/eu", "--zabbix"});
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(outcome.out, "1\n");

  outcome = check({"-s", "no-such-shop", "--zabbix"});
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(outcome.out, "3\n");
}

TEST_F(CheckBsmAgainstHttpApiTest, ServerDownIsUnknown) {
  const uint16_t port = api_->port();
  api_->stop();
  const CheckBsmCommand::Parsed parsed = parse(
      {"-H", "127.0.0.1", "-p", std::to_string(port), "-s", "shop", "--token-file", token_file_});
  ASSERT_TRUE(parsed.options);
  const CheckBsmOutcome outcome = CheckBsmCommand::execute(*parsed.options);
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_EQ(outcome.out.rfind("BSM UNKNOWN - shop: cannot reach bsm-server at http://127.0.0.1:" +
                                  std::to_string(port) + ": ",
                              0),
            0u)
      << outcome.out;
}

// A stand-in for a bsm-server that has the SLA endpoint, or that misbehaves.
class FakeServer {
 public:
  FakeServer() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() does nothing until the serving loop has begun.
    while (!server_.is_running()) {
      std::this_thread::sleep_for(1ms);
    }
  }
  ~FakeServer() {
    server_.stop();
    thread_.join();
  }

  httplib::Server& server() { return server_; }
  uint16_t port() const { return static_cast<uint16_t>(port_); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

PluginOutput runAgainst(const FakeServer& fake, std::chrono::milliseconds timeout = 2s) {
  Result<ApiClient> client =
      ApiClient::create("http://127.0.0.1:" + std::to_string(fake.port()), kReadToken);
  EXPECT_TRUE(client.ok());
  return ServiceCheck::run(*client, {.service = "online-shop", .timeout = timeout});
}

TEST(ServiceCheckRunTest, AvailabilityLightsUpWhenTheServerHasTheSlaEndpoint) {
  FakeServer fake;
  fake.server().Get("/api/v1/services/online-shop", [](const auto&, httplib::Response& response) {
    response.set_content(healthyShop().dump(), "application/json");
  });
  fake.server().Get("/api/v1/services/online-shop/sla",
                    [](const auto&, httplib::Response& response) {
                      response.set_content(
                          R"({"service": "online-shop", "objective": 99.9, "window": "30d",
                              "availability": 99.987, "error_budget_remaining": 87.0,
                              "burn_rate": 0.13, "downtime_seconds": 337,
                              "excluded_seconds": 0})",
                          "application/json");
                    });
  const PluginOutput output = runAgainst(fake);
  EXPECT_EQ(output.exitCode(), 0);
  EXPECT_EQ(output.perfdata.rfind("availability=99.987%;;;0;100 "
                                  "error_budget_remaining=87%;;;;100 components_ok=1;;;0",
                                  0),
            0u)
      << output.render();
}

TEST(ServiceCheckRunTest, FailingSlaEndpointKeepsTheState) {
  FakeServer fake;
  nlohmann::json critical = healthyShop();
  critical["state"] = "CRITICAL";
  fake.server().Get("/api/v1/services/online-shop",
                    [&critical](const auto&, httplib::Response& response) {
                      response.set_content(critical.dump(), "application/json");
                    });
  fake.server().Get("/api/v1/services/online-shop/sla", [](const auto&, httplib::Response& r) {
    r.status = 500;
    r.set_content(R"({"error": "internal error; the server log has the details"})",
                  "application/json");
  });
  const PluginOutput output = runAgainst(fake);
  EXPECT_EQ(output.exitCode(), 2);
  EXPECT_EQ(output.perfdata.rfind("components_ok=", 0), 0u) << output.render();
}

TEST(ServiceCheckRunTest, AnswerThatIsNotJsonIsUnknown) {
  FakeServer fake;
  fake.server().Get("/api/v1/services/online-shop", [](const auto&, httplib::Response& r) {
    r.set_content("<html>it works</html>", "text/html");
  });
  const PluginOutput output = runAgainst(fake);
  EXPECT_EQ(output.exitCode(), 3);
  EXPECT_NE(output.summary.find("not JSON"), std::string::npos) << output.render();
}

TEST(ServiceCheckRunTest, JsonThatIsNotAServiceIsUnknown) {
  FakeServer fake;
  fake.server().Get("/api/v1/services/online-shop", [](const auto&, httplib::Response& r) {
    r.set_content(R"({"services": []})", "application/json");
  });
  const PluginOutput output = runAgainst(fake);
  EXPECT_EQ(output.exitCode(), 3);
  EXPECT_NE(output.summary.find("no valid \"state\""), std::string::npos) << output.render();
}

TEST(ServiceCheckRunTest, SlowServerTimesOutAsUnknown) {
  FakeServer fake;
  fake.server().Get("/api/v1/services/online-shop", [](const auto&, httplib::Response& r) {
    std::this_thread::sleep_for(1500ms);
    r.set_content(healthyShop().dump(), "application/json");
  });
  const auto started = std::chrono::steady_clock::now();
  const PluginOutput output = runAgainst(fake, 300ms);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1200ms);
  EXPECT_EQ(output.exitCode(), 3);
  EXPECT_EQ(output.summary, "no answer from bsm-server at http://127.0.0.1:" +
                                std::to_string(fake.port()) + " within the timeout of 0.3 s");
}

TEST(ServiceCheckRunTest, SlowSlaLeavesAvailabilityOutWithinTheTimeout) {
  FakeServer fake;
  fake.server().Get("/api/v1/services/online-shop", [](const auto&, httplib::Response& r) {
    r.set_content(healthyShop().dump(), "application/json");
  });
  fake.server().Get("/api/v1/services/online-shop/sla", [](const auto&, httplib::Response& r) {
    std::this_thread::sleep_for(1500ms);
    r.set_content(R"({"availability": 100})", "application/json");
  });
  const auto started = std::chrono::steady_clock::now();
  const PluginOutput output = runAgainst(fake, 500ms);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1200ms);
  EXPECT_EQ(output.exitCode(), 0);
  EXPECT_EQ(output.perfdata.find("availability"), std::string::npos) << output.render();
}

}  // namespace
}  // namespace bsm::tools
