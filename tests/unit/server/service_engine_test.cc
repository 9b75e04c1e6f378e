#include "server/service_engine.h"

#include <thread>

#include <gtest/gtest.h>

#include "server_test_support.h"

namespace bsm::server {
namespace {

using testing::Feeder;
using testing::reasonOf;
using testing::RecordingSink;
using testing::stateOf;

constexpr auto OK = CheckState::kOk;
constexpr auto WARN = CheckState::kWarning;
constexpr auto CRIT = CheckState::kCritical;
constexpr auto UNKN = CheckState::kUnknown;

// A realistic epoch time (2023-11-14T22:13:20Z), so that formatted times mean something.
constexpr int64_t kT0 = 1'700'000'000'000;

using Harness = testing::EngineHarness;

constexpr const char* kPool = R"(services:
  worst-pool:
    components: [{host: "web-*", check: http}]
  best-pool:
    rule: best
    components: [{host: "web-*", check: http}]
  pool:
    rule: {at_least: 2}
    components: [{host: "web-*", check: http}]
  half:
    rule: {percent: 50}
    components: [{host: "web-*", check: http}]
)";

TEST(ServiceEngineTest, RulesOverThreeHosts) {
  Harness h(kPool);
  const SeriesId web1 = h.feed.check("web-1", "http", OK, kT0);
  const SeriesId web2 = h.feed.check("web-2", "http", OK, kT0);
  const SeriesId web3 = h.feed.check("web-3", "http", OK, kT0);
  for (const char* service : {"worst-pool", "best-pool", "pool", "half"}) {
    EXPECT_EQ(stateOf(h.engine, service), OK) << service;
  }

  h.feed.check(web3, CRIT, kT0 + 1000);
  EXPECT_EQ(stateOf(h.engine, "worst-pool"), CRIT);
  // The reason names the child that holds the service down.
  EXPECT_EQ(reasonOf(h.engine, "worst-pool"),
            "worst of 3 children is CRITICAL (1 CRITICAL, 2 OK): web-3 http");
  EXPECT_EQ(stateOf(h.engine, "best-pool"), OK);
  EXPECT_EQ(stateOf(h.engine, "pool"), OK);
  EXPECT_EQ(reasonOf(h.engine, "pool"), "2 of 3 children OK, at least 2 needed (1 CRITICAL, 2 OK)");
  EXPECT_EQ(stateOf(h.engine, "half"), OK);  // 50% of 3 is 2

  // One OK, one WARNING, one CRITICAL: OK+WARNING reach 2.
  h.feed.check(web2, WARN, kT0 + 2000);
  EXPECT_EQ(stateOf(h.engine, "pool"), WARN);
  EXPECT_EQ(stateOf(h.engine, "half"), WARN);
  EXPECT_EQ(stateOf(h.engine, "best-pool"), OK);

  // One OK, one UNKNOWN, one CRITICAL: nobody can say two are down.
  h.feed.check(web2, UNKN, kT0 + 3000);
  EXPECT_EQ(stateOf(h.engine, "pool"), UNKN);
  EXPECT_EQ(stateOf(h.engine, "half"), UNKN);
  EXPECT_EQ(stateOf(h.engine, "worst-pool"), CRIT);

  // Two CRITICAL.
  h.feed.check(web2, CRIT, kT0 + 4000);
  EXPECT_EQ(stateOf(h.engine, "pool"), CRIT);
  EXPECT_EQ(stateOf(h.engine, "half"), CRIT);
  EXPECT_EQ(stateOf(h.engine, "best-pool"), OK);

  h.feed.check(web1, CRIT, kT0 + 5000);
  EXPECT_EQ(stateOf(h.engine, "best-pool"), CRIT);
}

TEST(ServiceEngineTest, ServiceWithoutComponentsIsUnknown) {
  Harness h(kPool);
  EXPECT_EQ(stateOf(h.engine, "pool"), UNKN);
  EXPECT_EQ(reasonOf(h.engine, "pool"), "no components match its selectors yet");
  // A series no selector wants changes nothing.
  h.feed.check("db-1", "http", OK, kT0);
  EXPECT_EQ(stateOf(h.engine, "pool"), UNKN);
  EXPECT_TRUE(h.engine.service("pool")->components.empty());
}

TEST(ServiceEngineTest, EdgeImpactWarningCapsAndIgnoreExcludes) {
  Harness h(R"(services:
  shop:
    depends_on: [{service: recommendations, impact: warning}, {service: ads, impact: ignore},
                 web]
  recommendations:
    components: [{host: reco-1, check: http}]
  ads:
    components: [{host: ads-1, check: http}]
  web:
    components: [{host: web-1, check: http}]
)");
  h.feed.check("web-1", "http", OK, kT0);
  const SeriesId reco = h.feed.check("reco-1", "http", OK, kT0);
  const SeriesId ads = h.feed.check("ads-1", "http", OK, kT0);
  EXPECT_EQ(stateOf(h.engine, "shop"), OK);

  h.feed.check(reco, CRIT, kT0 + 1000);
  EXPECT_EQ(stateOf(h.engine, "recommendations"), CRIT);
  EXPECT_EQ(stateOf(h.engine, "shop"), WARN);

  h.feed.check(reco, OK, kT0 + 2000);
  h.feed.check(ads, CRIT, kT0 + 2000);
  EXPECT_EQ(stateOf(h.engine, "shop"), OK);
  EXPECT_EQ(reasonOf(h.engine, "shop"), "all 2 children OK; 1 ignored");

  // Ignored children are still shown, with their own state.
  const auto shop = h.engine.service("shop");
  ASSERT_TRUE(shop.has_value());
  ASSERT_EQ(shop->children.size(), 3u);
  EXPECT_EQ(shop->children[0].name, "recommendations");
  EXPECT_EQ(shop->children[0].impact, "warning");
  EXPECT_EQ(shop->children[1].name, "ads");
  EXPECT_EQ(shop->children[1].impact, "ignore");
  EXPECT_EQ(shop->children[1].state, CRIT);
  EXPECT_EQ(shop->children[2].impact, "normal");
}

TEST(ServiceEngineTest, NewHostJoinsServiceBySelector) {
  Harness h(R"(services:
  storefront:
    components: [{host: "web-*", check: http}]
)");
  h.feed.check("web-1", "http", OK, kT0);
  h.feed.check("web-2", "http", OK, kT0);
  ASSERT_EQ(stateOf(h.engine, "storefront"), OK);
  h.sink.clear();

  // web-7 appears: it joins by itself, and waiting for its first result does not flap the
  // service through UNKNOWN.
  const SeriesId web7 = h.feed.defineCheck("web-7", "http");
  auto view = h.engine.service("storefront");
  ASSERT_EQ(view->components.size(), 3u);
  EXPECT_EQ(view->components[2].host, "web-7");
  EXPECT_EQ(view->components[2].state, UNKN);
  EXPECT_EQ(view->components[2].reason, "no data received yet");
  EXPECT_EQ(stateOf(h.engine, "storefront"), OK);
  EXPECT_TRUE(h.sink.serviceChanges("storefront").empty());

  h.feed.check(web7, CRIT, kT0 + 5000, "HTTP CRITICAL - connection refused\nlong output");
  EXPECT_EQ(stateOf(h.engine, "storefront"), CRIT);
  view = h.engine.service("storefront");
  EXPECT_EQ(view->components[2].reason, "HTTP CRITICAL - connection refused");
  EXPECT_EQ(view->components[2].output, "HTTP CRITICAL - connection refused\nlong output");
  EXPECT_EQ(view->components[2].since_ms, kT0 + 5000);
  EXPECT_EQ(view->components[2].last_seen_ms, kT0 + 5000);
}

TEST(ServiceEngineTest, MetricThresholdsGiveStateAndReason) {
  Harness h(R"(services:
  app:
    components:
      - {host: app-1, metric: system.load1, warn: "> 4", crit: "> 8"}
)");
  const SeriesId load = h.feed.defineMetric("app-1", "system.load1");
  h.feed.metric(load, 1.5, kT0);
  EXPECT_EQ(stateOf(h.engine, "app"), OK);
  h.feed.metric(load, 5, kT0 + 1000);
  EXPECT_EQ(stateOf(h.engine, "app"), WARN);
  h.feed.metric(load, 9.2, kT0 + 2000);
  EXPECT_EQ(stateOf(h.engine, "app"), CRIT);

  const auto view = h.engine.service("app");
  ASSERT_EQ(view->components.size(), 1u);
  const ComponentView& component = view->components[0];
  EXPECT_EQ(component.kind, "metric");
  EXPECT_EQ(component.reason, "system.load1=9.2 > 8");
  ASSERT_TRUE(component.value.has_value());
  EXPECT_DOUBLE_EQ(*component.value, 9.2);
  EXPECT_EQ(component.recent, (std::vector<double>{1.5, 5, 9.2}));
}

TEST(ServiceEngineTest, ReasonOnlyChangeIsNotAStateChange) {
  Harness h(R"(services:
  app:
    components: [{host: app-1, metric: system.load1, crit: "> 8"}]
)");
  const SeriesId load = h.feed.defineMetric("app-1", "system.load1");
  h.feed.metric(load, 9, kT0);
  const size_t recorded = h.sink.changes().size();
  h.feed.metric(load, 9.5, kT0 + 1000);
  EXPECT_EQ(h.sink.changes().size(), recorded);
  EXPECT_EQ(h.engine.service("app")->components[0].reason, "system.load1=9.5 > 8");
  EXPECT_EQ(h.engine.service("app")->components[0].since_ms, kT0);
}

TEST(ServiceEngineTest, PropagatesThroughThreeLevels) {
  Harness h(R"(services:
  shop:
    depends_on: [checkout]
  checkout:
    depends_on: [payments]
  payments:
    components: [{host: pay-1, check: gateway}]
  unrelated:
    components: [{host: other-1, check: ping}]
)");
  const SeriesId gateway = h.feed.check("pay-1", "gateway", OK, kT0);
  h.feed.check("other-1", "ping", OK, kT0);
  EXPECT_EQ(stateOf(h.engine, "shop"), OK);
  h.sink.clear();

  h.feed.check(gateway, CRIT, kT0 + 7000);
  const auto changes = h.sink.changes();
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[0].kind, StateChange::Kind::kComponent);
  EXPECT_EQ(changes[0].host, "pay-1");
  EXPECT_EQ(changes[0].name, "gateway");
  EXPECT_EQ(changes[0].service, "payments");
  const char* expected[] = {"payments", "checkout", "shop"};
  for (size_t i = 1; i < changes.size(); ++i) {
    EXPECT_EQ(changes[i].kind, StateChange::Kind::kService);
    EXPECT_EQ(changes[i].service, expected[i - 1]);
    EXPECT_EQ(changes[i].state, CRIT);
    EXPECT_EQ(changes[i].previous, OK);
    // Stamped with the agent's time of the sample that caused it.
    EXPECT_EQ(changes[i].ts_ms, kT0 + 7000);
  }
  EXPECT_EQ(stateOf(h.engine, "unrelated"), OK);
  EXPECT_EQ(h.engine.service("shop")->since_ms, kT0 + 7000);
}

TEST(ServiceEngineTest, DiamondChangesTopServiceOnce) {
  Harness h(R"(services:
  top:
    depends_on: [left, right]
  left:
    depends_on: [base]
  right:
    depends_on: [base]
  base:
    components: [{host: db-1, check: pg}]
)");
  const SeriesId pg = h.feed.check("db-1", "pg", OK, kT0);
  h.sink.clear();
  h.feed.check(pg, CRIT, kT0 + 1000);
  EXPECT_EQ(h.sink.serviceChanges("top").size(), 1u);
  EXPECT_EQ(stateOf(h.engine, "top"), CRIT);
  EXPECT_EQ(reasonOf(h.engine, "top"), "all 2 children CRITICAL: left, right");
}

TEST(ServiceEngineTest, FastInputIsNotStaleBetweenTwoBatches) {
  Harness h(R"(services:
  web:
    components: [{host: web-1, check: http}]
)");
  // Runs every 200 ms, but its values arrive in batches about a second apart.
  const SeriesId http = h.feed.defineCheck("web-1", "http", /*interval_ms=*/200);
  h.feed.check(http, OK, kT0);
  h.engine.tick(kT0 + 2'000);
  EXPECT_EQ(stateOf(h.engine, "web"), OK);
  h.engine.tick(kT0 + 10'500);  // past the 10 s floor
  EXPECT_EQ(stateOf(h.engine, "web"), UNKN);
}

TEST(ServiceEngineTest, ComponentGoesStaleAfterThreeIntervals) {
  Harness h(R"(services:
  web:
    components: [{host: web-1, check: http}]
)");
  const SeriesId http = h.feed.defineCheck("web-1", "http", /*interval_ms=*/10'000);
  h.feed.check(http, OK, kT0);

  h.engine.tick(kT0 + 30'000);  // exactly three intervals: not yet "longer than"
  EXPECT_EQ(stateOf(h.engine, "web"), OK);
  h.engine.tick(kT0 + 31'000);
  EXPECT_EQ(stateOf(h.engine, "web"), UNKN);
  const auto view = h.engine.service("web");
  EXPECT_EQ(view->components[0].reason, "no data for 31s");
  EXPECT_EQ(view->components[0].since_ms, kT0 + 31'000);  // server clock: no sample said so

  // Shown later, the duration has grown.
  h.engine.tick(kT0 + 125'000);
  EXPECT_EQ(h.engine.service("web")->components[0].reason, "no data for 2m 5s");
  EXPECT_EQ(h.engine.service("web")->components[0].since_ms, kT0 + 31'000);

  h.feed.check(http, OK, kT0 + 140'000);
  EXPECT_EQ(stateOf(h.engine, "web"), OK);
}

TEST(ServiceEngineTest, FreshDataPushesStalenessBack) {
  Harness h(R"(services:
  web:
    components: [{host: web-1, check: http, stale_after: 15s}]
)");
  const SeriesId http = h.feed.defineCheck("web-1", "http");
  for (int64_t t = 0; t <= 60'000; t += 10'000) {
    h.feed.check(http, OK, kT0 + t);
    h.engine.tick(kT0 + t + 5'000);
    ASSERT_EQ(stateOf(h.engine, "web"), OK) << "at +" << t;
  }
  h.engine.tick(kT0 + 75'001);
  EXPECT_EQ(stateOf(h.engine, "web"), UNKN);
  EXPECT_EQ(reasonOf(h.engine, "web"), "its only child is UNKNOWN: web-1 http");
}

TEST(ServiceEngineTest, SeriesThatNeverDeliversCountsAsUnknownAfterStaleness) {
  Harness h(R"(services:
  web:
    components: [{host: "web-*", check: http}]
)");
  h.engine.tick(kT0);
  const SeriesId web1 = h.feed.defineCheck("web-1", "http");
  h.feed.check(web1, OK, kT0);
  h.feed.defineCheck("web-2", "http");  // never sends anything
  h.engine.tick(kT0 + 20'000);
  h.feed.check(web1, OK, kT0 + 20'000);
  EXPECT_EQ(stateOf(h.engine, "web"), OK);
  h.engine.tick(kT0 + 31'000);
  EXPECT_EQ(stateOf(h.engine, "web"), UNKN);
  const auto view = h.engine.service("web");
  EXPECT_EQ(view->components[1].reason, "no data received in the 31s since the series was defined");
}

TEST(ServiceEngineTest, AgentPastGraceTurnsItsComponentsUnknown) {
  EngineOptions options;
  options.agent_grace = std::chrono::seconds(30);
  Harness h(R"(services:
  web:
    components: [{host: "web-*", check: http, stale_after: 1h}]
)",
            options);
  h.engine.agentConnected("web-1", "192.0.2.1:50000", kT0);
  h.engine.agentConnected("web-2", "192.0.2.2:50000", kT0);
  h.feed.check("web-1", "http", OK, kT0);
  h.feed.check("web-2", "http", OK, kT0);

  // A disconnect within the grace period changes nothing.
  h.engine.agentDisconnected("web-1", kT0 + 10'000);
  h.engine.tick(kT0 + 39'000);
  EXPECT_EQ(stateOf(h.engine, "web"), OK);
  h.engine.tick(kT0 + 40'000);
  EXPECT_EQ(stateOf(h.engine, "web"), UNKN);
  auto view = h.engine.service("web");
  EXPECT_EQ(view->components[0].state, UNKN);
  EXPECT_EQ(view->components[0].reason, "agent web-1 disconnected since 2023-11-14T22:13:30Z");
  EXPECT_EQ(view->components[1].state, OK);

  // Back: its components say what their data says again.
  h.engine.agentConnected("web-1", "192.0.2.1:50001", kT0 + 50'000);
  EXPECT_EQ(stateOf(h.engine, "web"), OK);

  // A reconnect inside the grace period cancels the expiry.
  h.engine.agentDisconnected("web-2", kT0 + 60'000);
  h.engine.agentConnected("web-2", "192.0.2.2:50001", kT0 + 65'000);
  h.engine.tick(kT0 + 200'000);
  EXPECT_EQ(stateOf(h.engine, "web"), OK);

  const auto agents = h.engine.agents();
  ASSERT_EQ(agents.size(), 2u);
  EXPECT_EQ(agents[0].id, "web-1");
  EXPECT_TRUE(agents[0].connected);
  EXPECT_EQ(agents[0].address, "192.0.2.1:50001");
  EXPECT_EQ(agents[0].last_seen_ms, kT0 + 50'000);
}

TEST(ServiceEngineTest, OverlappingSessionsKeepAgentConnected) {
  Harness h(R"(services:
  web:
    components: [{host: web-1, check: http, stale_after: 1h}]
)");
  h.engine.agentConnected("web-1", "192.0.2.1:1", kT0);
  h.feed.check("web-1", "http", OK, kT0);
  // The new session arrives before the old one is noticed to be gone.
  h.engine.agentConnected("web-1", "192.0.2.1:2", kT0 + 1000);
  h.engine.agentDisconnected("web-1", kT0 + 2000);
  h.engine.tick(kT0 + 120'000);
  EXPECT_EQ(stateOf(h.engine, "web"), OK);
  EXPECT_TRUE(h.engine.agents()[0].connected);
}

TEST(ServiceEngineTest, UnknownSeriesRejectsWholeBatch) {
  Harness h(R"(services:
  app:
    components: [{host: app-1, metric: m, crit: "> 1"}]
)");
  const SeriesId m = h.feed.defineMetric("app-1", "m");
  const SeriesId c = h.feed.defineCheck("app-1", "c");
  MetricPoint points[2];
  points[0].series = m;
  points[0].ts_ms = kT0;
  points[0].value = 5;
  points[1].series = 999;
  points[1].ts_ms = kT0;
  const Status status = h.engine.apply(points, {}, kT0);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("series 999"), std::string::npos);
  EXPECT_FALSE(h.engine.service("app")->components[0].value.has_value());
  EXPECT_EQ(h.engine.stats().points_applied, 0u);

  // A check result for a metric series is refused too.
  CheckPoint wrong{m, kT0, CheckState::kOk, "OK"};
  EXPECT_FALSE(h.engine.apply({}, std::span<const CheckPoint>(&wrong, 1), kT0).ok());
  CheckPoint zero{kNoSeries, kT0, CheckState::kOk, "OK"};
  EXPECT_FALSE(h.engine.apply({}, std::span<const CheckPoint>(&zero, 1), kT0).ok());
  CheckPoint right{c, kT0, CheckState::kOk, "OK"};
  EXPECT_TRUE(h.engine.apply({}, std::span<const CheckPoint>(&right, 1), kT0).ok());
  EXPECT_EQ(h.engine.stats().batches_rejected, 3u);
}

TEST(ServiceEngineTest, OlderSampleThanLatestIsSkipped) {
  Harness h(R"(services:
  app:
    components: [{host: app-1, metric: m, crit: "> 1"}]
)");
  const SeriesId m = h.feed.defineMetric("app-1", "m");
  h.feed.metric(m, 5, kT0 + 1000);
  h.feed.metric(m, 0, kT0);  // a late retry
  EXPECT_EQ(stateOf(h.engine, "app"), CRIT);
  EXPECT_EQ(h.engine.stats().points_out_of_order, 1u);
}

TEST(ServiceEngineTest, DefineSeriesIsStableAndBounded) {
  EngineOptions options;
  options.limits.max_series = 2;
  Harness h("services: {}\n", options);
  SeriesKey key;
  key.agent_id = "web-1";
  key.kind = SeriesKind::kCheck;
  key.host = "web-1";
  key.name = "http";
  const SeriesId first = h.engine.defineSeries(key);
  EXPECT_NE(first, kNoSeries);
  EXPECT_EQ(h.engine.defineSeries(key), first);
  key.agent_id = "poller-2";  // another agent takes the series over: same id
  EXPECT_EQ(h.engine.defineSeries(key), first);

  SeriesKey empty = key;
  empty.host = "";
  EXPECT_FALSE(h.engine.tryDefineSeries(empty).ok());
  SeriesKey control = key;
  control.name = "http\nFAKE LOG LINE";
  EXPECT_FALSE(h.engine.tryDefineSeries(control).ok());
  SeriesKey huge = key;
  huge.labels["k"] = std::string(10'000, 'x');
  EXPECT_FALSE(h.engine.tryDefineSeries(huge).ok());

  key.name = "ping";
  EXPECT_NE(h.engine.defineSeries(key), kNoSeries);
  key.name = "third";
  auto refused = h.engine.tryDefineSeries(key);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("limit"), std::string::npos);
  EXPECT_EQ(h.engine.defineSeries(key), kNoSeries);
}

TEST(ServiceEngineTest, ServicesSortedByCriticalityThenName) {
  Harness h(R"(services:
  zeta: {criticality: 1}
  beta: {}
  alpha: {criticality: 5, description: last}
  gamma: {criticality: 1}
)");
  const auto services = h.engine.services();
  ASSERT_EQ(services.size(), 4u);
  EXPECT_EQ(services[0].name, "gamma");
  EXPECT_EQ(services[1].name, "zeta");
  EXPECT_EQ(services[2].name, "beta");
  EXPECT_EQ(services[3].name, "alpha");
  EXPECT_EQ(services[3].description, "last");
  EXPECT_EQ(services[3].rule, "worst");
  EXPECT_FALSE(h.engine.service("nope").has_value());
}

TEST(ServiceEngineTest, ReplaceModelMatchesExistingSeriesAgain) {
  Harness h(R"(services:
  web:
    components: [{host: "web-*", check: http}]
)");
  h.feed.check("web-1", "http", OK, kT0);
  h.feed.check("db-1", "pg", CRIT, kT0);
  ASSERT_EQ(stateOf(h.engine, "web"), OK);
  h.sink.clear();

  h.engine.replaceModel(ServiceModel::parse(R"(services:
  web:
    components: [{host: "web-*", check: http}, {host: "db-*", check: pg}]
  db:
    components: [{host: "db-*", check: pg}]
)",
                                            "v2.yaml"),
                        kT0 + 1000);
  EXPECT_EQ(stateOf(h.engine, "web"), CRIT);
  EXPECT_EQ(stateOf(h.engine, "db"), CRIT);
  EXPECT_EQ(h.engine.service("web")->components.size(), 2u);
  const auto changes = h.sink.serviceChanges("web");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].previous, OK);
  EXPECT_EQ(changes[0].ts_ms, kT0 + 1000);
  EXPECT_TRUE(h.sink.serviceChanges("db").empty());  // new: starts without a change
}

TEST(ServiceEngineTest, ReadersRunWhileIngestApplies) {
  Harness h(R"(services:
  shop:
    depends_on: [web]
  web:
    rule: {at_least: 2}
    components: [{host: "web-*", check: http}]
)");
  std::vector<SeriesId> ids;
  for (int i = 0; i < 8; ++i) {
    ids.push_back(h.feed.defineCheck("web-" + std::to_string(i), "http"));
  }
  std::thread ingest([&] {
    for (int round = 0; round < 500; ++round) {
      std::vector<CheckPoint> batch;
      for (size_t i = 0; i < ids.size(); ++i) {
        const bool down = (round + static_cast<int>(i)) % 3 == 0;
        batch.push_back({ids[i], kT0 + round, down ? CRIT : OK, down ? "down" : "up"});
      }
      ASSERT_TRUE(h.engine.apply({}, batch, kT0 + round).ok());
      h.engine.tick(kT0 + round);
    }
  });
  size_t reads = 0;
  for (int i = 0; i < 300; ++i) {
    for (const auto& view : h.engine.services()) {
      reads += h.engine.service(view.name)->components.size();
    }
    reads += h.engine.agents().size();
  }
  ingest.join();
  EXPECT_GT(reads, 0u);
  // Round 499: hosts 2 and 5 are down, 6 of 8 up.
  EXPECT_EQ(stateOf(h.engine, "web"), OK);
  EXPECT_EQ(reasonOf(h.engine, "web"), "6 of 8 children OK, at least 2 needed (2 CRITICAL, 6 OK)");
}

}  // namespace
}  // namespace bsm::server
