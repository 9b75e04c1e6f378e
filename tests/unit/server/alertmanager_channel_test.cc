// AlertmanagerChannel against a local receiver that records what Alertmanager would get.
#include "server/alertmanager_channel.h"

#include <gtest/gtest.h>

#include "notification_test_support.h"
#include "server/notification_document.h"
#include "server/notification_outbox.h"
#include "server_test_support.h"

namespace bsm::server {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::HookReceiver;
using testing::TempDir;

Notification shop(CheckState state, CheckState previous) {
  Notification n;
  n.ts_ms = 1'700'000'000'000;
  n.service = "online shop";
  n.criticality = 2;
  n.state = state;
  n.previous = previous;
  n.reason = "checkout is " + std::string(toString(state));
  n.budget = BudgetView{99.9, "30d", 99.95, 42.54, 1101.6, 2.5};
  if (state != CheckState::kOk) {
    CauseView cause;
    cause.component.host = "app-1";
    cause.component.kind = "metric";
    cause.component.name = "system.load1";
    cause.component.state = state;
    cause.component.reason = "value 9.2 > 8 (crit)";
    n.causes.push_back(cause);
  }
  return n;
}

std::unique_ptr<AlertmanagerChannel> channelTo(const HookReceiver& receiver,
                                               NotificationOutbox* state = nullptr) {
  auto url = parseHttpUrl(receiver.url("/api/v2/alerts"));
  AlertmanagerChannel::Settings settings;
  settings.urls = {*url};
  settings.timeout = 2s;
  settings.external_url = "http://bsm:9440";
  return std::make_unique<AlertmanagerChannel>("am", settings, state);
}

TEST(AlertmanagerChannelTest, FiresWithLabelsAndResolvesWithEndsAt) {
  HookReceiver receiver;
  auto channel = channelTo(receiver);
  ASSERT_EQ(
      channel->deliver(notificationDocument(shop(CheckState::kCritical, CheckState::kOk))).outcome,
      Delivery::Outcome::kDelivered);
  ASSERT_EQ(
      channel->deliver(notificationDocument(shop(CheckState::kOk, CheckState::kCritical))).outcome,
      Delivery::Outcome::kDelivered);

  const auto posts = receiver.waitFor(2, 5s);
  ASSERT_EQ(posts.size(), 2u);
  ASSERT_TRUE(posts[0].is_array());
  ASSERT_EQ(posts[0].size(), 1u);
  const json& firing = posts[0][0];
  EXPECT_EQ(firing["labels"], json({{"alertname", "BusinessServiceState"},
                                    {"service", "online shop"},
                                    {"severity", "critical"},
                                    {"criticality", "2"}}));
  EXPECT_EQ(firing["startsAt"], "2023-11-14T22:13:20.000Z");
  EXPECT_GT(firing["endsAt"].get<std::string>(), firing["startsAt"].get<std::string>());
  EXPECT_EQ(firing["generatorURL"], "http://bsm:9440/api/v1/services/online%20shop/root-cause");
  EXPECT_EQ(firing["annotations"]["summary"], "online shop is CRITICAL");
  EXPECT_EQ(firing["annotations"]["description"], "checkout is CRITICAL");
  EXPECT_EQ(firing["annotations"]["root_cause"],
            "metric system.load1 on app-1 is CRITICAL: value 9.2 > 8 (crit)");
  EXPECT_EQ(firing["annotations"]["error_budget"], "42.5% of the error budget left");

  ASSERT_EQ(posts[1].size(), 1u);
  EXPECT_EQ(posts[1][0]["labels"], firing["labels"]);
  EXPECT_EQ(posts[1][0]["startsAt"], firing["startsAt"]);
  EXPECT_LT(posts[1][0]["endsAt"].get<std::string>(), firing["endsAt"].get<std::string>());
  EXPECT_TRUE(channel->firing().empty());
}

TEST(AlertmanagerChannelTest, ASeverityChangeResolvesTheOldAlert) {
  HookReceiver receiver;
  auto channel = channelTo(receiver);
  channel->deliver(notificationDocument(shop(CheckState::kWarning, CheckState::kOk)));
  channel->deliver(notificationDocument(shop(CheckState::kCritical, CheckState::kWarning)));
  const auto posts = receiver.waitFor(2, 5s);
  ASSERT_EQ(posts.size(), 2u);
  ASSERT_EQ(posts[1].size(), 2u);
  EXPECT_EQ(posts[1][0]["labels"]["severity"], "warning");  // ended
  EXPECT_EQ(posts[1][1]["labels"]["severity"], "critical");
  ASSERT_EQ(channel->firing().size(), 1u);
}

TEST(AlertmanagerChannelTest, FiringAlertsSurviveARestartAndAreRefreshed) {
  TempDir dir;
  HookReceiver receiver;
  auto outbox = NotificationOutbox::open(dir.path());
  ASSERT_TRUE(outbox.ok());
  channelTo(receiver, outbox->get())
      ->deliver(notificationDocument(shop(CheckState::kCritical, CheckState::kOk)));

  auto restarted = channelTo(receiver, outbox->get());
  ASSERT_EQ(restarted->firing().size(), 1u);
  restarted->refresh();
  const auto posts = receiver.waitFor(2, 5s);
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[1][0]["labels"], posts[0][0]["labels"]);
  EXPECT_EQ(posts[1][0]["startsAt"], posts[0][0]["startsAt"]);
}

TEST(AlertmanagerChannelTest, ARefusedBodyIsPermanentAndADeadOneIsRetried) {
  HookReceiver receiver;
  receiver.setStatus(422);
  auto channel = channelTo(receiver);
  EXPECT_EQ(
      channel->deliver(notificationDocument(shop(CheckState::kCritical, CheckState::kOk))).outcome,
      Delivery::Outcome::kPermanent);
  receiver.setStatus(503);
  EXPECT_EQ(
      channel->deliver(notificationDocument(shop(CheckState::kCritical, CheckState::kOk))).outcome,
      Delivery::Outcome::kRetry);
  EXPECT_TRUE(channel->firing().empty());
}

}  // namespace
}  // namespace bsm::server
