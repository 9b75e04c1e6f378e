// The dispatcher with real channels: webhooks to a local cpp-httplib receiver, and commands.
#include "server/notification_dispatcher.h"

#include <sys/stat.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "common/sample.h"
#include "notification_test_support.h"
#include "server_test_support.h"

namespace bsm::server {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::HookReceiver;
using testing::TempDir;

// Quick retries, so a test that waits for a comeback does not wait minutes.
NotificationDispatcher::Options fastOptions(const std::string& data_dir) {
  NotificationDispatcher::Options options;
  options.data_dir = data_dir;
  options.retry.first = 50ms;
  options.retry.longest = 200ms;
  return options;
}

NotificationChannelConfig webhook(const std::string& name, const std::string& url) {
  NotificationChannelConfig config;
  config.name = name;
  config.type = NotificationChannelConfig::Type::kWebhook;
  config.urls = {url};
  config.timeout = 2s;
  return config;
}

NotificationChannelConfig exec(const std::string& name, std::vector<std::string> command) {
  NotificationChannelConfig config;
  config.name = name;
  config.type = NotificationChannelConfig::Type::kExec;
  config.command = std::move(command);
  config.timeout = 5s;
  return config;
}

Notification failure(const std::string& service, int sequence = 0) {
  Notification n;
  n.kind = Notification::Kind::kStateChange;
  n.ts_ms = 1'700'000'000'000 + sequence;
  n.service = service;
  n.description = "Customer-facing web shop";
  n.criticality = 1;
  n.state = CheckState::kCritical;
  n.previous = CheckState::kOk;
  n.reason = "checkout is CRITICAL (" + std::to_string(sequence) + ")";
  CauseView cause;
  cause.component.host = "db-1";
  cause.component.kind = "check";
  cause.component.name = "check_pgsql";
  cause.component.state = CheckState::kCritical;
  cause.component.output = "CRITICAL - connection refused";
  cause.component.since_ms = 1'700'000'000'000;
  cause.affects = {service, "checkout"};
  cause.service = "checkout";
  n.causes.push_back(cause);
  n.impact.push_back(ImpactView{"online-shop", CheckState::kCritical, 1, CheckState::kCritical});
  return n;
}

std::unique_ptr<NotificationDispatcher> makeDispatcher(
    std::vector<NotificationChannelConfig> channels, const NotificationDispatcher::Options& o) {
  auto created = NotificationDispatcher::create(std::move(channels), o);
  EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
  return std::move(created.value());
}

// Waits until `done` holds or `wait` passes.
template <typename Predicate>
bool eventually(Predicate done, std::chrono::milliseconds wait = 10s) {
  const auto until = std::chrono::steady_clock::now() + wait;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) {
      return false;
    }
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

TEST(NotificationDispatcherTest, PostsTheVersionedDocumentToAWebhook) {
  TempDir dir;
  HookReceiver receiver;
  auto channel = webhook("ops", receiver.url());
  channel.headers = {{"Authorization", "Bearer s3cret"}};
  auto dispatcher = makeDispatcher({channel}, fastOptions(dir.path()));
  dispatcher->setBudgetLookup([](const std::string& service) -> std::optional<BudgetView> {
    if (service != "online-shop") {
      return std::nullopt;
    }
    return BudgetView{99.9, "30d", 99.95, 42.5, 1101.6, 2.5};
  });
  ASSERT_TRUE(dispatcher->start());

  dispatcher->notify(failure("online-shop"));
  const auto bodies = receiver.waitFor(1, 10s);
  ASSERT_EQ(bodies.size(), 1u);
  const json& doc = bodies[0];
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["kind"], "state_change");
  EXPECT_EQ(doc["time"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(doc["service"], "online-shop");
  EXPECT_EQ(doc["description"], "Customer-facing web shop");
  EXPECT_EQ(doc["criticality"], 1);
  EXPECT_EQ(doc["state"], "CRITICAL");
  EXPECT_EQ(doc["previous_state"], "OK");
  EXPECT_EQ(doc["reason"], "checkout is CRITICAL (0)");
  ASSERT_EQ(doc["causes"].size(), 1u);
  EXPECT_EQ(doc["causes"][0]["host"], "db-1");
  EXPECT_EQ(doc["causes"][0]["check"], "check_pgsql");
  EXPECT_EQ(doc["causes"][0]["state"], "CRITICAL");
  EXPECT_EQ(doc["causes"][0]["output"], "CRITICAL - connection refused");
  EXPECT_EQ(doc["causes"][0]["affects"], json({"online-shop", "checkout"}));
  EXPECT_TRUE(doc["causes"][0].contains("labels"));
  EXPECT_TRUE(doc["causes"][0].contains("since"));
  ASSERT_EQ(doc["impact"].size(), 1u);
  EXPECT_EQ(doc["impact"][0],
            json({{"name", "online-shop"}, {"state", "CRITICAL"}, {"criticality", 1}}));
  EXPECT_EQ(doc["budget"]["objective"], 99.9);
  EXPECT_EQ(doc["budget"]["window"], "30d");
  EXPECT_EQ(doc["budget"]["remaining_percent"], 42.5);
  EXPECT_EQ(doc["budget"]["remaining_seconds"], 1101.6);
  EXPECT_EQ(doc["budget"]["burn_rate"], 2.5);
  EXPECT_FALSE(doc.contains("alert"));
  EXPECT_EQ(receiver.headers(0).find("Authorization")->second, "Bearer s3cret");
  EXPECT_TRUE(eventually([&] { return dispatcher->stats()["ops"].sent == 1; }));
}

TEST(NotificationDispatcherTest, BurnRateAlertsCarryTheAlertAndItsRates) {
  TempDir dir;
  HookReceiver receiver;
  auto dispatcher = makeDispatcher({webhook("ops", receiver.url())}, fastOptions(dir.path()));
  ASSERT_TRUE(dispatcher->start());

  Notification burn;
  burn.kind = Notification::Kind::kBurnRate;
  burn.ts_ms = 1'700'000'000'000;
  burn.service = "online-shop";
  burn.state = CheckState::kCritical;
  burn.alert = "page";
  burn.burn_rates = {{"1h", 14.4}, {"5m", 15.0}};
  dispatcher->notify(burn);

  const auto bodies = receiver.waitFor(1, 10s);
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(bodies[0]["kind"], "burn_rate");
  EXPECT_EQ(bodies[0]["alert"], "page");
  EXPECT_EQ(bodies[0]["burn_rates"], json::parse(R"([{"window":"1h","rate":14.4},
                                                      {"window":"5m","rate":15.0}])"));
  EXPECT_TRUE(bodies[0]["budget"].is_null());
}

TEST(NotificationDispatcherTest, AReceiverThatWasDownGetsEverythingInOrder) {
  TempDir dir;
  int port;
  {
    HookReceiver first;  // only to learn a free port, then gone
    port = first.port();
  }
  auto dispatcher =
      makeDispatcher({webhook("ops", "http://127.0.0.1:" + std::to_string(port) + "/hook")},
                     fastOptions(dir.path()));
  ASSERT_TRUE(dispatcher->start());
  for (int i = 0; i < 5; ++i) {
    dispatcher->notify(failure("svc", i));
  }
  ASSERT_TRUE(eventually([&] { return dispatcher->stats()["ops"].failed_attempts >= 2; }));
  EXPECT_EQ(dispatcher->stats()["ops"].pending, 5u);

  HookReceiver back(port);
  const auto bodies = back.waitFor(5, 10s);
  ASSERT_EQ(bodies.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(bodies[i]["reason"], "checkout is CRITICAL (" + std::to_string(i) + ")");
  }
  ASSERT_TRUE(eventually([&] { return dispatcher->stats()["ops"].sent == 5; }));
  EXPECT_EQ(dispatcher->stats()["ops"].pending, 0u);
  EXPECT_EQ(dispatcher->stats()["ops"].dropped, 0u);
}

TEST(NotificationDispatcherTest, AServerErrorIsRetriedUntilItSucceeds) {
  TempDir dir;
  HookReceiver receiver;
  receiver.setStatus(503);
  auto dispatcher = makeDispatcher({webhook("ops", receiver.url())}, fastOptions(dir.path()));
  ASSERT_TRUE(dispatcher->start());
  dispatcher->notify(failure("svc"));
  ASSERT_TRUE(eventually([&] { return receiver.count() >= 3; }));
  receiver.setStatus(200);
  ASSERT_TRUE(eventually([&] { return dispatcher->stats()["ops"].sent == 1; }));
  EXPECT_GE(dispatcher->stats()["ops"].failed_attempts, 3u);
}

TEST(NotificationDispatcherTest, APermanentRefusalIsNotRetried) {
  TempDir dir;
  HookReceiver receiver;
  receiver.setStatus(400);
  auto dispatcher = makeDispatcher({webhook("ops", receiver.url())}, fastOptions(dir.path()));
  ASSERT_TRUE(dispatcher->start());
  dispatcher->notify(failure("svc", 1));
  ASSERT_TRUE(eventually([&] { return dispatcher->stats()["ops"].refused == 1; }));

  // The next one goes through; the refused one never came back.
  receiver.setStatus(200);
  dispatcher->notify(failure("svc", 2));
  ASSERT_TRUE(eventually([&] { return dispatcher->stats()["ops"].sent == 1; }));
  EXPECT_EQ(receiver.count(), 2u);
  EXPECT_EQ(dispatcher->stats()["ops"].failed_attempts, 0u);
}

TEST(NotificationDispatcherTest, ASlowReceiverDoesNotDelayAnotherChannel) {
  TempDir dir;
  HookReceiver slow;
  slow.setDelay(5s);
  HookReceiver fast;
  auto slow_channel = webhook("slow", slow.url());
  slow_channel.timeout = 10s;
  auto dispatcher =
      makeDispatcher({slow_channel, webhook("fast", fast.url())}, fastOptions(dir.path()));
  ASSERT_TRUE(dispatcher->start());

  dispatcher->notify(failure("svc", 1));
  dispatcher->notify(failure("svc", 2));
  ASSERT_EQ(fast.waitFor(2, 10s).size(), 2u);
  // Both reached the fast receiver while the slow one still holds its first request.
  EXPECT_EQ(slow.count(), 0u);
  EXPECT_EQ(dispatcher->stats()["slow"].sent, 0u);
  slow.release();
  EXPECT_EQ(slow.waitFor(2, 10s).size(), 2u);
}

TEST(NotificationDispatcherTest, ChannelsTakeOnlyTheirServicesCriticalitiesAndKinds) {
  TempDir dir;
  HookReceiver receiver;
  auto shop = webhook("shop", receiver.url("/shop"));
  shop.services = {"online-*"};
  auto important = webhook("important", receiver.url("/important"));
  important.min_criticality = 2;
  important.kinds = {Notification::Kind::kNewCause};

  Notification shop_change = failure("online-shop");  // criticality 1, state change
  Notification cause = failure("billing");
  cause.kind = Notification::Kind::kNewCause;
  cause.criticality = 2;
  Notification minor = failure("intranet");
  minor.kind = Notification::Kind::kNewCause;
  minor.criticality = 3;

  EXPECT_TRUE(shop.accepts(shop_change));
  EXPECT_FALSE(shop.accepts(cause));
  EXPECT_FALSE(important.accepts(shop_change));
  EXPECT_TRUE(important.accepts(cause));
  EXPECT_FALSE(important.accepts(minor));
}

TEST(NotificationDispatcherTest, ARestartDeliversWhatTheOutboxKept) {
  TempDir dir;
  int port;
  {
    HookReceiver first;
    port = first.port();
  }
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  {
    auto dispatcher = makeDispatcher({webhook("ops", url)}, fastOptions(dir.path()));
    ASSERT_TRUE(dispatcher->start());
    for (int i = 0; i < 3; ++i) {
      dispatcher->notify(failure("svc", i));
    }
    ASSERT_TRUE(eventually([&] { return dispatcher->stats()["ops"].failed_attempts >= 1; }));
    dispatcher->stop();
  }

  HookReceiver back(port);
  auto dispatcher = makeDispatcher({webhook("ops", url)}, fastOptions(dir.path()));
  ASSERT_TRUE(dispatcher->start());
  const auto bodies = back.waitFor(3, 10s);
  ASSERT_EQ(bodies.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(bodies[i]["reason"], "checkout is CRITICAL (" + std::to_string(i) + ")");
  }
  ASSERT_TRUE(eventually([&] { return dispatcher->stats()["ops"].sent == 3; }));

  // Delivered ones are gone from the outbox: a third start sends nothing.
  dispatcher->stop();
  auto outbox = NotificationOutbox::open(dir.path());
  ASSERT_TRUE(outbox.ok());
  EXPECT_TRUE(outbox.value()->pending()->empty());
}

TEST(NotificationDispatcherTest, NotificationsOlderThanMaxAgeAreDroppedAndCounted) {
  TempDir dir;
  HookReceiver receiver;
  {
    auto outbox = NotificationOutbox::open(dir.path());
    ASSERT_TRUE(outbox.ok());
    const std::string document = R"({"version":1,"kind":"state_change","service":"old"})";
    ASSERT_TRUE(outbox.value()->add({"ops"}, nowMs() - 2 * 3600 * 1000, document).ok());
    ASSERT_TRUE(outbox.value()->add({"gone"}, nowMs(), document).ok());
  }
  auto channel = webhook("ops", receiver.url());
  channel.max_age = std::chrono::hours(1);
  auto dispatcher = makeDispatcher({channel}, fastOptions(dir.path()));
  ASSERT_TRUE(dispatcher->start());
  ASSERT_TRUE(eventually([&] { return dispatcher->stats()["ops"].dropped == 1; }));

  dispatcher->notify(failure("svc"));
  ASSERT_EQ(receiver.waitFor(1, 10s).size(), 1u);
  EXPECT_EQ(receiver.waitFor(1, 10s)[0]["service"], "svc");
  dispatcher->stop();
  auto outbox = NotificationOutbox::open(dir.path());
  EXPECT_TRUE(outbox.value()->pending()->empty())
      << "what waited for an unconfigured channel is removed";
}

std::string script(const TempDir& dir, const std::string& name, const std::string& body) {
  const std::string path = dir.write(name, "#!/bin/sh\n" + body);
  ::chmod(path.c_str(), 0755);
  return path;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(NotificationDispatcherTest, ExecHandsTheDocumentOnStdinAndStateInTheEnvironment) {
  TempDir dir;
  const std::string out = dir.path() + "/stdin.json";
  const std::string env = dir.path() + "/env.txt";
  const std::string command =
      script(dir, "notify.sh", "cat > \"$1\"\nenv | grep '^BSM_' | sort > \"$2\"\n");
  auto dispatcher = makeDispatcher({exec("run", {command, out, env})}, fastOptions(dir.path()));
  ASSERT_TRUE(dispatcher->start());
  dispatcher->notify(failure("online-shop"));
  ASSERT_TRUE(eventually([&] { return dispatcher->stats()["run"].sent == 1; }));

  const json doc = json::parse(readFile(out));
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["service"], "online-shop");
  EXPECT_EQ(doc["causes"][0]["host"], "db-1");
  const std::string vars = readFile(env);
  EXPECT_NE(vars.find("BSM_SERVICE=online-shop\n"), std::string::npos) << vars;
  EXPECT_NE(vars.find("BSM_STATE=CRITICAL\n"), std::string::npos) << vars;
  EXPECT_NE(vars.find("BSM_PREVIOUS_STATE=OK\n"), std::string::npos) << vars;
  EXPECT_NE(vars.find("BSM_KIND=state_change\n"), std::string::npos) << vars;
  EXPECT_NE(vars.find("BSM_REASON=checkout is CRITICAL (0)\n"), std::string::npos) << vars;
  EXPECT_NE(vars.find("BSM_ROOT_CAUSE=check check_pgsql on db-1 is CRITICAL"), std::string::npos)
      << vars;
}

TEST(NotificationDispatcherTest, ExecThatTimesOutOrFailsIsRetried) {
  TempDir dir;
  const std::string marker = dir.path() + "/attempts";
  // Hangs on the first attempt, fails on the second, succeeds on the third.
  const std::string command = script(dir, "flaky.sh",
                                     "echo x >> \"$1\"\n"
                                     "n=$(wc -l < \"$1\")\n"
                                     "[ \"$n\" -eq 1 ] && exec sleep 30\n"
                                     "[ \"$n\" -eq 2 ] && exit 1\n"
                                     "exit 0\n");
  auto channel = exec("run", {command, marker});
  channel.timeout = 1s;
  auto dispatcher = makeDispatcher({channel}, fastOptions(dir.path()));
  ASSERT_TRUE(dispatcher->start());
  dispatcher->notify(failure("svc"));
  ASSERT_TRUE(eventually([&] { return dispatcher->stats()["run"].sent == 1; }, 15s));
  // At least the hang and the failure; a loaded machine may time out a slow start as well.
  EXPECT_GE(dispatcher->stats()["run"].failed_attempts, 2u);
}

}  // namespace
}  // namespace bsm::server
