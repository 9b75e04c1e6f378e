// The alertmanager notification channel against Debian's real Prometheus Alertmanager, started
// on a loopback port in a scratch folder (../shared/PEERS.md, "Alertmanager").
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "common/sample.h"
#include "server/http_post.h"
#include "server/notification_dispatcher.h"
#include "zabbix_fixture.h"

namespace bsm::server {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kAlertmanager = "/usr/bin/prometheus-alertmanager";

// Alertmanager with one receiver that sends nowhere: the test reads what it holds over its API.
class AlertmanagerPeer {
 public:
  AlertmanagerPeer() : scratch_("bsm-alertmanager") {
    port_ = bsm::testing::freeAgentPort();
    std::ofstream(scratch_.file("alertmanager.yml")) << "route:\n"
                                                        "  receiver: nowhere\n"
                                                        "  group_by: [alertname]\n"
                                                        "  group_wait: 1s\n"
                                                        "  group_interval: 1s\n"
                                                        "receivers:\n"
                                                        "  - name: nowhere\n";
    std::filesystem::create_directories(scratch_.file("data"));
    // An empty cluster address turns gossip off, so only the API port is opened.
    pid_ = bsm::testing::spawnInOwnGroup(
        {kAlertmanager, "--config.file=" + scratch_.file("alertmanager.yml"),
         "--storage.path=" + scratch_.file("data"),
         "--web.listen-address=127.0.0.1:" + std::to_string(port_),
         "--cluster.listen-address=", "--web.external-url=" + url()},
        scratch_.file("alertmanager.log"));
  }
  ~AlertmanagerPeer() { bsm::testing::stopGroup(pid_); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return bsm::testing::readWholeFile(scratch_.file("alertmanager.log")); }

  bool waitReady() {
    const auto ready = parseHttpUrl(url() + "/-/ready");
    for (int i = 0; i < 300; ++i) {
      if (getUrl(*ready, 1s).status == 200) {
        return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  // The alerts Alertmanager holds for `service` (resolved ones are not listed).
  json alertsFor(const std::string& service) {
    const auto alerts = parseHttpUrl(url() + "/api/v2/alerts");
    const HttpAnswer answer = getUrl(*alerts, 2s);
    json out = json::array();
    const json all = json::parse(answer.body, nullptr, false);
    if (!all.is_array()) {
      return out;
    }
    for (const auto& alert : all) {
      if (alert["labels"].value("service", "") == service) {
        out.push_back(alert);
      }
    }
    return out;
  }

  const bsm::testing::ScratchDir& scratch() const { return scratch_; }

 private:
  bsm::testing::ScratchDir scratch_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

Notification shopNotification(CheckState state, CheckState previous) {
  Notification n;
  n.kind = Notification::Kind::kStateChange;
  n.ts_ms = nowMs();
  n.service = "online-shop";
  n.criticality = 1;
  n.state = state;
  n.previous = previous;
  n.reason = state == CheckState::kOk ? "all children OK" : "checkout is CRITICAL";
  if (state != CheckState::kOk) {
    CauseView cause;
    cause.component.host = "db-1";
    cause.component.kind = "check";
    cause.component.name = "check_pgsql";
    cause.component.state = CheckState::kCritical;
    cause.component.output = "CRITICAL - connection refused";
    cause.affects = {"online-shop", "checkout"};
    n.causes.push_back(cause);
  }
  return n;
}

template <typename Predicate>
bool eventually(Predicate done, std::chrono::milliseconds wait) {
  const auto until = std::chrono::steady_clock::now() + wait;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) {
      return false;
    }
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

TEST(AlertmanagerTest, AFailingServiceFiresAndItsRecoveryResolves) {
  if (!std::filesystem::exists(kAlertmanager)) {
    GTEST_SKIP() << kAlertmanager
                 << " is missing: install prometheus-alertmanager (scripts/install-deps)";
  }
  AlertmanagerPeer alertmanager;
  ASSERT_TRUE(alertmanager.waitReady()) << alertmanager.log();

  NotificationChannelConfig channel;
  channel.name = "am";
  channel.type = NotificationChannelConfig::Type::kAlertmanager;
  channel.urls = {alertmanager.url()};
  channel.timeout = 5s;
  channel.resend_interval = 1s;
  channel.external_url = "http://bsm.example.net:9440";
  NotificationDispatcher::Options options;
  options.data_dir = alertmanager.scratch().file("bsm");
  auto dispatcher = NotificationDispatcher::create({channel}, options);
  ASSERT_TRUE(dispatcher.ok()) << dispatcher.error().message;
  ASSERT_TRUE((*dispatcher)->start());

  (*dispatcher)->notify(shopNotification(CheckState::kCritical, CheckState::kOk));
  json firing;
  ASSERT_TRUE(eventually(
      [&] {
        firing = alertmanager.alertsFor("online-shop");
        return firing.size() == 1;
      },
      15s))
      << alertmanager.log();
  const json& alert = firing[0];
  EXPECT_EQ(alert["labels"]["alertname"], "BusinessServiceState");
  EXPECT_EQ(alert["labels"]["severity"], "critical");
  EXPECT_EQ(alert["labels"]["criticality"], "1");
  EXPECT_EQ(alert["status"]["state"], "active");
  EXPECT_EQ(alert["annotations"]["summary"], "online-shop is CRITICAL");
  EXPECT_EQ(alert["annotations"]["description"], "checkout is CRITICAL");
  EXPECT_EQ(alert["annotations"]["root_cause"],
            "check check_pgsql on db-1 is CRITICAL: CRITICAL - connection refused");
  EXPECT_EQ(alert["generatorURL"],
            "http://bsm.example.net:9440/api/v1/services/online-shop/root-cause");

  // The firing alert is sent again every resend interval, each time valid for longer.
  const std::string first_ends = alert["endsAt"];
  EXPECT_TRUE(eventually(
      [&] {
        const json now = alertmanager.alertsFor("online-shop");
        return now.size() == 1 && now[0]["endsAt"].get<std::string>() > first_ends;
      },
      10s));

  (*dispatcher)->notify(shopNotification(CheckState::kOk, CheckState::kCritical));
  EXPECT_TRUE(eventually([&] { return alertmanager.alertsFor("online-shop").empty(); }, 15s))
      << alertmanager.alertsFor("online-shop").dump();
  EXPECT_EQ((*dispatcher)->stats()["am"].sent, 2u);
  EXPECT_EQ((*dispatcher)->stats()["am"].pending, 0u);
}

}  // namespace
}  // namespace bsm::server
