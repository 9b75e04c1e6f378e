// The service engine's acceptance test: real bsm-server and bsm-agent processes on loopback,
// checks the test flips between OK and CRITICAL through files, and the notifications arriving at
// a local webhook receiver and at Debian's real Alertmanager, started by the test.
//
//   shop (worst, criticality 1, SLA 99.9% over 30d)
//   |- web-pool {at_least: 2}   http on web-1, web-2 (agents of their own) and web-3 (reported
//   |                           by agent web-2 with check_host, as a proxy for a host without one)
//   `- checkout                 pgsql on db-1
//
// Each check is check_dummy from the monitoring plugins, run every second by a two-line script
// that reads the exit code from a file the test writes.
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/check_bsm_deployment.h"
#include "tests/integration/alertmanager_peer.h"
#include "tests/unit/server/notification_test_support.h"
#include "tools/api_client.h"

namespace bsm {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::kBinDir;

constexpr const char* kCheckDummy = "/usr/lib/nagios/plugins/check_dummy";
constexpr const char* kAdminToken = "engine-e2e-admin-token-0123456789";

// Every wait in this file: state propagates within a few agent intervals (1 s), so 20 s is a
// hang, not a slow machine.
constexpr auto kDeadline = 20s;

// Calls `done` every 100 ms until it answers true or `wait` passes.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds wait = kDeadline) {
  const auto until = std::chrono::steady_clock::now() + wait;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) {
      return false;
    }
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

const json* findByName(const json& list, const std::string& name) {
  if (!list.is_array()) {
    return nullptr;
  }
  for (const auto& entry : list) {
    if (entry.value("name", "") == name) {
      return &entry;
    }
  }
  return nullptr;
}

class ServiceEngineEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(testing::kAlertmanager)) {
      GTEST_SKIP() << testing::kAlertmanager
                   << " is missing: install prometheus-alertmanager (scripts/install-deps)";
    }
    if (!std::filesystem::exists(kCheckDummy)) {
      GTEST_SKIP() << kCheckDummy << " is missing: install monitoring-plugins";
    }
    scratch_ = std::make_unique<testing::ScratchDir>("bsm-engine-e2e");
    http_port_ = testing::freeLoopbackPort();
    agent_port_ = testing::freeLoopbackPort();

    alertmanager_ = std::make_unique<testing::AlertmanagerPeer>();
    ASSERT_TRUE(alertmanager_->waitReady()) << alertmanager_->log();
    hook_ = std::make_unique<server::testing::HookReceiver>();

    const std::string pki = path("pki");
    std::vector<std::string> commands = {
        kBinDir + "bsmctl pki new-ca --dir " + pki,
        kBinDir + "bsmctl pki issue --dir " + pki + " --cn server --san 127.0.0.1"};
    for (const char* agent : {"web-1", "web-2", "db-1"}) {
      commands.push_back(kBinDir + "bsmctl pki issue --dir " + pki + " --cn " + agent);
    }
    for (const std::string& command : commands) {
      const auto [status, output] = testing::runCommand(command);
      ASSERT_EQ(status, 0) << command << "\n" << output;
    }
    write("admin.token", std::string(kAdminToken) + "\n");
    chmod(path("admin.token").c_str(), 0600);

    write("check.sh",
          "#!/bin/sh\n"
          "# $1 holds the exit code the test wants; check_dummy prints the matching line.\n"
          "exec " +
              std::string(kCheckDummy) + " \"$(cat \"$1\")\" \"$2\"\n");
    for (const char* check : {"web-1", "web-2", "web-3", "db-1"}) {
      setCheck(check, 0);
    }

    write("server.yaml", "listen: {agents: 127.0.0.1:" + std::to_string(agent_port_) +
                             ", http: 127.0.0.1:" + std::to_string(http_port_) +
                             "}\n"
                             "tls: {ca: pki/ca.crt, cert: pki/server.crt, key: pki/server.key}\n"
                             "data_dir: data\n"
                             "tokens: {admin_file: admin.token}\n"
                             "models: [\"shop.yaml\"]\n"
                             "agent_grace: 2s\n"
                             "notification_settle: 0s\n"
                             "notifications:\n"
                             "  - {name: hook, type: webhook, url: \"" +
                             hook_->url() +
                             "\"}\n"
                             "  - {name: am, type: alertmanager, urls: [\"" +
                             alertmanager_->url() +
                             "\"], resend_interval: 1s,\n"
                             "     external_url: \"http://127.0.0.1:" +
                             std::to_string(http_port_) + "\"}\n");
    write("shop.yaml", R"(services:
  shop:
    description: The web shop customers use
    criticality: 1
    sla: {objective: 99.9, window: 30d}
    depends_on: [web-pool, checkout]
  web-pool:
    criticality: 2
    rule: {at_least: 2}
    components:
      - {host: "web-*", check: http}
  checkout:
    criticality: 2
    components:
      - {host: db-1, check: pgsql}
)");
    writeAgent("web-1", {checkInput("http", "web-1", "")});
    writeAgent("web-2", {checkInput("http", "web-2", ""), checkInput("http", "web-3", "web-3")});
    writeAgent("db-1", {checkInput("pgsql", "db-1", "")});

    server_ = std::make_unique<testing::Process>(
        std::vector<std::string>{kBinDir + "bsm-server", "--config", path("server.yaml")},
        path("server.log"));
    for (const char* agent : {"web-1", "web-2", "db-1"}) {
      agents_.push_back(std::make_unique<testing::Process>(
          std::vector<std::string>{kBinDir + "bsm-agent", "--config",
                                   path(std::string(agent) + ".yaml")},
          path(std::string(agent) + ".log")));
    }
    auto client =
        tools::ApiClient::create("http://127.0.0.1:" + std::to_string(http_port_), kAdminToken);
    ASSERT_TRUE(client.ok()) << client.error().message;
    client_ = std::make_unique<tools::ApiClient>(std::move(*client));
  }

  void TearDown() override {
    agents_.clear();
    server_.reset();
    hook_.reset();
    alertmanager_.reset();
    scratch_.reset();
  }

  std::string path(const std::string& relative) const { return scratch_->file(relative); }

  void write(const std::string& relative, const std::string& text) const {
    std::ofstream(path(relative)) << text;
  }

  // The exit code the check of `host` returns from its next run on: 0 OK, 2 CRITICAL.
  void setCheck(const std::string& host, int code) const {
    // Written aside and renamed, so that a run never reads a half-written file.
    write("state." + host + ".new", std::to_string(code) + "\n");
    std::filesystem::rename(path("state." + host + ".new"), path("state." + host));
  }

  std::string checkInput(const std::string& check, const std::string& host,
                         const std::string& check_host) const {
    std::string input = "  - {plugin: nagios, name: " + check + "-" + host + ", check: " + check +
                        ", interval: 1s,\n     command: [/bin/sh, \"" + path("check.sh") +
                        "\", \"" + path("state." + host) + "\", \"" + check + " on " + host + "\"]";
    if (!check_host.empty()) {
      input += ", check_host: " + check_host;
    }
    return input + "}\n";
  }

  void writeAgent(const std::string& id, const std::vector<std::string>& inputs) const {
    std::string text = "agent: {id: " + id +
                       "}\nserver: {address: 127.0.0.1:" + std::to_string(agent_port_) +
                       ", ca: pki/ca.crt, cert: pki/" + id + ".crt, key: pki/" + id +
                       ".key}\ninterval: 1s\ninputs:\n";
    for (const std::string& input : inputs) {
      text += input;
    }
    write(id + ".yaml", text);
  }

  // GETs `api_path` until `accept` likes the answer or the deadline passes; the last answer is
  // left in `last` for the failure message.
  bool pollApi(const std::string& api_path, const std::function<bool(const json&)>& accept,
               json& last) {
    return eventually([&] {
      auto answer = client_->get(api_path);
      if (!answer.ok()) {
        last = json{{"request_failed", answer.error().message}};
        return false;
      }
      last = std::move(*answer);
      return accept(last);
    });
  }

  json services() {
    auto answer = client_->get("/api/v1/services");
    return answer.ok() ? (*answer)["services"] : json::array();
  }

  // The named service's entry in GET /api/v1/services, or null.
  json service(const std::string& name) {
    const json all = services();
    const json* entry = findByName(all, name);
    return entry ? *entry : json();
  }

  bool waitForServiceField(const std::string& name, const std::string& field,
                           const std::string& value, json& last) {
    return pollApi(
        "/api/v1/services",
        [&](const json& answer) {
          const json* entry = findByName(answer["services"], name);
          return entry != nullptr && entry->value(field, "") == value;
        },
        last);
  }

  // Waits until the component of `host` in `service` has `state`: the agent's run has arrived.
  bool waitForComponent(const std::string& service, const std::string& host,
                        const std::string& state, json& last) {
    return pollApi(
        "/api/v1/services/" + service,
        [&](const json& answer) {
          for (const auto& component : answer.value("components", json::array())) {
            if (component.value("host", "") == host && component.value("state", "") == state) {
              return true;
            }
          }
          return false;
        },
        last);
  }

  // Waits for a webhook state_change of `service` from `previous` (empty: any) to `state` at or
  // after index `from`; answers its index, or -1.
  int waitForHook(const std::string& service, const std::string& previous, const std::string& state,
                  size_t from) {
    int found = -1;
    eventually([&] {
      const std::vector<json> bodies = hook_->waitFor(0, 0ms);
      for (size_t i = from; i < bodies.size(); ++i) {
        if (bodies[i].is_object() && bodies[i].value("service", "") == service &&
            bodies[i].value("kind", "") == "state_change" &&
            (previous.empty() || bodies[i].value("previous_state", "") == previous) &&
            bodies[i].value("state", "") == state) {
          found = static_cast<int>(i);
          return true;
        }
      }
      return false;
    });
    return found;
  }

  // Every check OK: the whole model settles OK, and the webhook has been told so.
  void waitForAllOk() {
    json last;
    ASSERT_TRUE(pollApi(
        "/api/v1/services",
        [](const json& answer) {
          int ok = 0;
          for (const auto& entry : answer.value("services", json::array())) {
            ok += entry.value("state", "") == "OK";
          }
          return ok == 3;
        },
        last))
        << "awaited shop, web-pool and checkout OK; last answer:\n"
        << last.dump(2) << logs();
    ASSERT_TRUE(waitForComponent("web-pool", "web-3", "OK", last))
        << "awaited web-3's http, reported by agent web-2 with check_host:\n"
        << last.dump(2);
    // The services pass through UNKNOWN (and, while the agents connect one by one, the pool
    // through CRITICAL) before they are OK: the steps below count documents from here on and
    // match on the previous state as well.
    ASSERT_GE(waitForHook("shop", "", "OK", 0), 0)
        << "awaited the webhook's state_change of shop to OK:\n"
        << json(hook_->waitFor(0, 0ms)).dump(2) << logs();
  }

  // bsmctl against this server with the admin token; stdout and stderr apart, so --json output
  // parses.
  testing::CommandRun bsmctl(const std::string& args) const {
    const std::string command = kBinDir +
                                "bsmctl --server http://127.0.0.1:" + std::to_string(http_port_) +
                                " --token-file " + path("admin.token") + " " + args;
    return testing::runCommand(command, path("bsmctl.err"));
  }

  std::string logs() const {
    std::string text = "--- server.log\n" + (server_ ? server_->log() : "");
    for (const auto& agent : agents_) {
      text += "--- agent log\n" + agent->log();
    }
    return text;
  }

  std::unique_ptr<testing::ScratchDir> scratch_;
  uint16_t http_port_ = 0;
  uint16_t agent_port_ = 0;
  std::unique_ptr<testing::AlertmanagerPeer> alertmanager_;
  std::unique_ptr<server::testing::HookReceiver> hook_;
  std::unique_ptr<testing::Process> server_;
  std::vector<std::unique_ptr<testing::Process>> agents_;
  std::unique_ptr<tools::ApiClient> client_;
};

TEST_F(ServiceEngineEndToEndTest, FailuresDriveStateRootCauseNotificationsAndMaintenance) {
  json last;

  ASSERT_NO_FATAL_FAILURE(waitForAllOk());

  // 1. One pool member fails: the pool keeps two of three, so nothing above it is affected.
  {
    SCOPED_TRACE("one pool member failing");
    setCheck("web-1", 2);
    ASSERT_TRUE(waitForComponent("web-pool", "web-1", "CRITICAL", last))
        << "awaited web-1's http CRITICAL in web-pool:\n"
        << last.dump(2);
    EXPECT_EQ(service("web-pool")["state"], "OK") << services().dump(2);
    EXPECT_EQ(service("shop")["state"], "OK") << services().dump(2);
    auto root_cause = client_->get("/api/v1/services/shop/root-cause");
    ASSERT_TRUE(root_cause.ok()) << root_cause.error().message;
    EXPECT_EQ((*root_cause)["state"], "OK");
    EXPECT_TRUE((*root_cause)["causes"].empty())
        << "a failed member of a pool that is still OK is no cause:\n"
        << root_cause->dump(2);
    const testing::CommandRun run = bsmctl("root-cause shop");
    EXPECT_EQ(run.status, 0) << run.out << run.err;
    EXPECT_NE(run.out.find("no causes"), std::string::npos) << run.out;
  }

  // 2. The database fails: checkout and so the shop are CRITICAL, and the database is why.
  const size_t hooks_before_outage = hook_->count();
  {
    SCOPED_TRACE("database failing");
    setCheck("db-1", 2);
    ASSERT_TRUE(waitForServiceField("shop", "state", "CRITICAL", last))
        << "awaited shop CRITICAL after db-1's pgsql failed:\n"
        << last.dump(2) << logs();
    EXPECT_EQ(service("checkout")["state"], "CRITICAL");

    auto root_cause = client_->get("/api/v1/services/shop/root-cause");
    ASSERT_TRUE(root_cause.ok()) << root_cause.error().message;
    const json& causes = (*root_cause)["causes"];
    ASSERT_FALSE(causes.empty()) << root_cause->dump(2);
    EXPECT_EQ(causes[0]["host"], "db-1") << root_cause->dump(2);
    EXPECT_EQ(causes[0]["check"], "pgsql") << root_cause->dump(2);
    EXPECT_EQ(causes[0]["state"], "CRITICAL") << root_cause->dump(2);
    EXPECT_EQ(causes[0]["service"], "checkout") << root_cause->dump(2);
    EXPECT_NE(causes[0]["output"].get<std::string>().find("pgsql on db-1"), std::string::npos)
        << root_cause->dump(2);
    const json affects = causes[0]["affects"];
    EXPECT_NE(std::find(affects.begin(), affects.end(), "shop"), affects.end())
        << root_cause->dump(2);
    EXPECT_NE(std::find(affects.begin(), affects.end(), "checkout"), affects.end())
        << root_cause->dump(2);
    for (const auto& cause : causes) {
      EXPECT_NE(cause["host"], "web-1") << "the pool is OK, so web-1 explains nothing:\n"
                                        << root_cause->dump(2);
    }
    const testing::CommandRun run = bsmctl("root-cause shop");
    EXPECT_EQ(run.status, 0) << run.out << run.err;
    EXPECT_NE(run.out.find("db-1"), std::string::npos) << run.out;

    // The webhook document, as docs/notifications.md describes it.
    const int index = waitForHook("shop", "OK", "CRITICAL", hooks_before_outage);
    ASSERT_GE(index, 0) << "awaited a webhook state_change to CRITICAL for shop; received:\n"
                        << json(hook_->waitFor(0, 0ms)).dump(2) << logs();
    const json document = hook_->waitFor(0, 0ms)[index];
    EXPECT_EQ(document["version"], 1) << document.dump(2);
    EXPECT_EQ(document["previous_state"], "OK") << document.dump(2);
    EXPECT_EQ(document["criticality"], 1) << document.dump(2);
    EXPECT_EQ(document["description"], "The web shop customers use") << document.dump(2);
    ASSERT_FALSE(document["causes"].empty()) << document.dump(2);
    EXPECT_EQ(document["causes"][0]["host"], "db-1") << document.dump(2);
    EXPECT_EQ(document["causes"][0]["check"], "pgsql") << document.dump(2);
    ASSERT_TRUE(document["budget"].is_object()) << document.dump(2);
    EXPECT_EQ(document["budget"]["objective"], 99.9) << document.dump(2);

    // Alertmanager holds a firing alert for the shop.
    json alerts;
    ASSERT_TRUE(eventually([&] {
      alerts = alertmanager_->alertsFor("shop");
      return alerts.size() == 1;
    })) << "awaited one active alert for shop in Alertmanager; it holds:\n"
        << alerts.dump(2) << alertmanager_->log() << logs();
    const json& alert = alerts[0];
    EXPECT_EQ(alert["status"]["state"], "active") << alert.dump(2);
    EXPECT_EQ(alert["labels"]["alertname"], "BusinessServiceState") << alert.dump(2);
    EXPECT_EQ(alert["labels"]["severity"], "critical") << alert.dump(2);
    EXPECT_EQ(alert["labels"]["criticality"], "1") << alert.dump(2);
    EXPECT_EQ(alert["annotations"]["summary"], "shop is CRITICAL") << alert.dump(2);
    EXPECT_NE(alert["annotations"]["root_cause"].get<std::string>().find(
                  "check pgsql on db-1 is CRITICAL"),
              std::string::npos)
        << alert.dump(2);
    EXPECT_EQ(alert["generatorURL"],
              "http://127.0.0.1:" + std::to_string(http_port_) + "/api/v1/services/shop/root-cause")
        << alert.dump(2);
  }

  // 3. Impact and what-if answer from the live model, and what-if changes nothing live.
  {
    SCOPED_TRACE("impact and what-if");
    testing::CommandRun run = bsmctl("impact --host db-1 --json");
    ASSERT_EQ(run.status, 0) << run.out << run.err;
    const json impact = json::parse(run.out, nullptr, false);
    ASSERT_TRUE(impact.is_object()) << run.out;
    EXPECT_EQ(impact["host"], "db-1") << impact.dump(2);
    EXPECT_EQ(impact["components"], 1) << impact.dump(2);
    const json* shop = findByName(impact["services"], "shop");
    const json* checkout = findByName(impact["services"], "checkout");
    ASSERT_NE(shop, nullptr) << impact.dump(2);
    ASSERT_NE(checkout, nullptr) << impact.dump(2);
    EXPECT_EQ((*shop)["state"], "CRITICAL") << impact.dump(2);
    EXPECT_EQ((*shop)["state_if_down"], "CRITICAL") << impact.dump(2);
    EXPECT_EQ(impact["services"][0]["name"], "shop") << "most important first:\n" << impact.dump(2);
    EXPECT_EQ(findByName(impact["services"], "web-pool"), nullptr) << impact.dump(2);

    // web-1 is down already: web-2 as well would leave the pool one OK member of the two it
    // needs. The shop is CRITICAL either way, so only the pool would change.
    run = bsmctl("what-if --down host:web-2 --json");
    ASSERT_EQ(run.status, 0) << run.out << run.err;
    const json what_if = json::parse(run.out, nullptr, false);
    ASSERT_TRUE(what_if.is_object()) << run.out;
    EXPECT_EQ(what_if["components"], 1) << what_if.dump(2);
    EXPECT_TRUE(what_if["unmatched"].empty()) << what_if.dump(2);
    const json* pool = findByName(what_if["services"], "web-pool");
    ASSERT_NE(pool, nullptr) << what_if.dump(2);
    EXPECT_EQ((*pool)["state"], "CRITICAL") << what_if.dump(2);
    EXPECT_EQ((*pool)["live_state"], "OK") << what_if.dump(2);
    EXPECT_EQ(findByName(what_if["services"], "shop"), nullptr) << what_if.dump(2);

    EXPECT_EQ(service("web-pool")["state"], "OK") << services().dump(2);
    auto pool_detail = client_->get("/api/v1/services/web-pool");
    ASSERT_TRUE(pool_detail.ok());
    for (const auto& component : (*pool_detail)["components"]) {
      if (component["host"] == "web-2") {
        EXPECT_EQ(component["state"], "OK") << "what-if touched live state:\n"
                                            << pool_detail->dump(2);
      }
    }
  }

  // 4. Planned work on the failing database puts checkout and the shop in maintenance; a second
  // failure the window does not cover takes the shop out of it again.
  {
    SCOPED_TRACE("maintenance");
    const testing::CommandRun run =
        bsmctl("maintenance add --host db-1 --duration 1h --reason 'PostgreSQL 16 upgrade'");
    ASSERT_EQ(run.status, 0) << run.out << run.err;
    ASSERT_TRUE(waitForServiceField("shop", "maintenance", "excluded", last))
        << "awaited shop in maintenance (excluded) under the window on db-1:\n"
        << last.dump(2);
    EXPECT_EQ(service("checkout")["maintenance"], "excluded") << services().dump(2);
    EXPECT_EQ(service("web-pool")["maintenance"], "none") << services().dump(2);

    setCheck("web-2", 2);
    ASSERT_TRUE(waitForServiceField("web-pool", "state", "CRITICAL", last))
        << "awaited web-pool CRITICAL with web-1 and web-2 down:\n"
        << last.dump(2);
    ASSERT_TRUE(waitForServiceField("shop", "maintenance", "none", last))
        << "a partial window must not hide the pool's unplanned outage:\n"
        << last.dump(2);
    EXPECT_EQ(service("shop")["state"], "CRITICAL") << services().dump(2);
    EXPECT_EQ(service("checkout")["maintenance"], "excluded") << services().dump(2);
  }

  // 5. Everything recovers: the shop is OK, the webhook hears it and the alert resolves.
  {
    SCOPED_TRACE("recovery");
    const size_t hooks_before_recovery = hook_->count();
    for (const char* host : {"web-1", "web-2", "db-1"}) {
      setCheck(host, 0);
    }
    ASSERT_TRUE(waitForServiceField("shop", "state", "OK", last))
        << "awaited shop OK after every check recovered:\n"
        << last.dump(2) << logs();
    EXPECT_EQ(service("shop")["maintenance"], "none") << services().dump(2);
    auto root_cause = client_->get("/api/v1/services/shop/root-cause");
    ASSERT_TRUE(root_cause.ok());
    EXPECT_TRUE((*root_cause)["causes"].empty()) << root_cause->dump(2);

    const int index = waitForHook("shop", "CRITICAL", "OK", hooks_before_recovery);
    ASSERT_GE(index, 0) << "awaited a webhook state_change to OK for shop; received:\n"
                        << json(hook_->waitFor(0, 0ms)).dump(2);
    const json document = hook_->waitFor(0, 0ms)[index];
    EXPECT_EQ(document["version"], 1) << document.dump(2);
    EXPECT_EQ(document["previous_state"], "CRITICAL") << document.dump(2);
    EXPECT_TRUE(document["causes"].empty()) << document.dump(2);

    json alerts;
    EXPECT_TRUE(eventually([&] {
      alerts = alertmanager_->alertsFor("shop");
      return alerts.empty();
    })) << "awaited the shop's alert resolved (gone from the active list); still held:\n"
        << alerts.dump(2);

    // The outage counted against the SLA, and the planned part of it did not.
    ASSERT_TRUE(pollApi(
        "/api/v1/services/shop/sla",
        [](const json& answer) {
          return answer.value("downtime_seconds", 0.0) > 0 &&
                 answer.value("excluded_seconds", 0.0) > 0;
        },
        last))
        << "awaited downtime and excluded time in the shop's SLA:\n"
        << last.dump(2);
    EXPECT_LT(last["availability"].get<double>(), 100.0) << last.dump(2);
  }

  for (auto& agent : agents_) {
    EXPECT_EQ(agent->stop(), 0) << agent->log();
  }
  EXPECT_EQ(server_->stop(), 0) << server_->log();
}
// Found while writing the test above, left disabled until the server is fixed. With a window on
// db-1 covering checkout's outage, web-1 and web-2 failing take the shop out of maintenance,
// while the window still runs for an hour. The webhook then gets a state_change CRITICAL ->
// CRITICAL whose reason reads "maintenance is over and it is still CRITICAL: all 2 children
// CRITICAL" (server/service_engine_analysis.cc words every way out of maintenance so), and the
// Alertmanager alert's description says the same. Nothing is over: an unplanned outage came on
// top of planned work, which is what the person paged needs to read.
TEST_F(ServiceEngineEndToEndTest, AFailureOutsideAWindowIsNotReportedAsTheWindowsEnd) {
  ASSERT_NO_FATAL_FAILURE(waitForAllOk());
  json last;
  setCheck("db-1", 2);
  ASSERT_TRUE(waitForServiceField("shop", "state", "CRITICAL", last)) << last.dump(2);
  const testing::CommandRun run =
      bsmctl("maintenance add --host db-1 --duration 1h --reason 'PostgreSQL 16 upgrade'");
  ASSERT_EQ(run.status, 0) << run.out << run.err;
  ASSERT_TRUE(waitForServiceField("shop", "maintenance", "excluded", last)) << last.dump(2);

  const size_t before = hook_->count();
  setCheck("web-1", 2);
  setCheck("web-2", 2);
  const int index = waitForHook("shop", "CRITICAL", "CRITICAL", before);
  ASSERT_GE(index, 0) << "awaited the webhook telling that shop left maintenance:\n"
                      << json(hook_->waitFor(0, 0ms)).dump(2);
  const json document = hook_->waitFor(0, 0ms)[index];
  EXPECT_EQ(document["reason"].get<std::string>().find("maintenance is over"), std::string::npos)
      << "the window on db-1 still runs:\n"
      << document.dump(2);
}

}  // namespace
}  // namespace bsm
