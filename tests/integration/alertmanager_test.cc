// The alertmanager notification channel against Debian's real Prometheus Alertmanager, started
// on a loopback port in a scratch folder (../shared/PEERS.md, "Alertmanager").
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "common/sample.h"
#include "server/notification_dispatcher.h"
#include "tests/integration/alertmanager_peer.h"

namespace bsm::server {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

using bsm::testing::AlertmanagerPeer;
using bsm::testing::kAlertmanager;

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
