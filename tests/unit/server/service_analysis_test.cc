// Root causes, impact, what-if and the notifications the engine builds from them.

#include <gtest/gtest.h>

#include "server_test_support.h"

namespace bsm::server {
namespace {

using Harness = testing::EngineHarness;
using testing::stateOf;

constexpr auto OK = CheckState::kOk;
constexpr auto WARN = CheckState::kWarning;
constexpr auto CRIT = CheckState::kCritical;

constexpr int64_t kT0 = 1'700'000'000'000;

// A shop over a redundant web pool, a checkout with its database, and a reporting service that
// shares the database.
constexpr const char* kShop = R"(services:
  shop:
    criticality: 1
    depends_on: [web, checkout]
  web:
    criticality: 2
    rule: {at_least: 2}
    components: [{host: "web-*", check: http}]
  checkout:
    criticality: 2
    components:
      - {host: app-1, check: app}
      - {host: db-1, check: pgsql}
  reporting:
    criticality: 4
    components: [{host: db-1, check: pgsql}]
)";

struct Shop {
  Shop() : h(kShop) {
    for (const char* host : {"web-1", "web-2", "web-3"}) {
      web.push_back(h.feed.check(host, "http", OK, kT0));
    }
    app = h.feed.check("app-1", "app", OK, kT0);
    db = h.feed.check("db-1", "pgsql", OK, kT0);
  }
  Harness h;
  std::vector<SeriesId> web;
  SeriesId app = kNoSeries;
  SeriesId db = kNoSeries;
};

std::vector<std::string> causeNames(const RootCauseView& view) {
  std::vector<std::string> names;
  for (const auto& cause : view.causes) {
    names.push_back(cause.component.host + " " + cause.component.name);
  }
  return names;
}

TEST(ServiceAnalysisTest, FailedMemberOfHealthyPoolIsNotACause) {
  Shop s;
  s.h.feed.check(s.web[0], CRIT, kT0 + 1000);
  s.h.feed.check(s.app, CRIT, kT0 + 2000);
  ASSERT_EQ(stateOf(s.h.engine, "shop"), CRIT);
  const auto view = s.h.engine.rootCause("shop");
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(causeNames(*view), std::vector<std::string>{"app-1 app"});
  EXPECT_EQ(view->causes[0].service, "checkout");
  EXPECT_EQ(view->causes[0].component.state, CRIT);
  EXPECT_EQ(view->causes[0].component.since_ms, kT0 + 2000);
  EXPECT_EQ(view->causes[0].affects, (std::vector<std::string>{"shop", "checkout"}));

  // Once the pool itself degrades, its failed members are causes too.
  s.h.feed.check(s.web[1], CRIT, kT0 + 3000);
  EXPECT_EQ(causeNames(*s.h.engine.rootCause("shop")).size(), 3u);
  EXPECT_TRUE(s.h.engine.rootCause("web").has_value());
  EXPECT_TRUE(s.h.engine.rootCause("reporting")->causes.empty());  // OK: nothing to explain
  EXPECT_FALSE(s.h.engine.rootCause("nope").has_value());
}

TEST(ServiceAnalysisTest, CauseBehindSeveralFailingServicesRanksFirst) {
  Shop s;
  // The app fails first, the database later; the database also takes reporting down.
  s.h.feed.check(s.app, CRIT, kT0 + 1000);
  s.h.feed.check(s.db, CRIT, kT0 + 2000);
  const auto view = s.h.engine.rootCause("shop");
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(causeNames(*view), (std::vector<std::string>{"db-1 pgsql", "app-1 app"}));
  EXPECT_EQ(view->causes[0].affects, (std::vector<std::string>{"shop", "checkout", "reporting"}));
}

TEST(ServiceAnalysisTest, EqualCausesRankByFirstFailure) {
  Shop s;
  s.h.feed.check(s.web[2], CRIT, kT0 + 1000);
  s.h.feed.check(s.web[0], CRIT, kT0 + 2000);
  s.h.feed.check(s.web[1], WARN, kT0 + 3000);
  const auto view = s.h.engine.rootCause("web");
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(causeNames(*view),
            (std::vector<std::string>{"web-3 http", "web-1 http", "web-2 http"}));
}

TEST(ServiceAnalysisTest, ImpactOfAHostListsEverythingAboveIt) {
  Shop s;
  const ImpactResult impact = s.h.engine.impact({"db-1", std::nullopt, "", {}});
  EXPECT_EQ(impact.components, 2u);  // pgsql in checkout and in reporting
  ASSERT_EQ(impact.services.size(), 3u);
  EXPECT_EQ(impact.services[0].name, "shop");
  EXPECT_EQ(impact.services[0].state, OK);
  EXPECT_EQ(impact.services[0].state_if_down, CRIT);
  EXPECT_EQ(impact.services[1].name, "checkout");
  EXPECT_EQ(impact.services[2].name, "reporting");

  // One web server down hurts nothing: the pool holds.
  const ImpactResult web = s.h.engine.impact({"web-1", SeriesKind::kCheck, "http", {}});
  ASSERT_EQ(web.services.size(), 2u);
  for (const auto& service : web.services) {
    EXPECT_EQ(service.state_if_down, OK) << service.name;
  }
  EXPECT_EQ(s.h.engine.impact({"nope", std::nullopt, "", {}}).components, 0u);
}

TEST(ServiceAnalysisTest, WhatIfChangesNothingLive) {
  Shop s;
  const WhatIfResult result = s.h.engine.whatIf({{{"web-1", std::nullopt, "", {}}, CRIT},
                                                 {{"web-2", SeriesKind::kCheck, "http", {}}, CRIT},
                                                 {{"ghost", std::nullopt, "", {}}, CRIT}});
  EXPECT_EQ(result.components, 2u);
  EXPECT_EQ(result.unmatched, std::vector<std::string>{"host ghost"});
  ASSERT_EQ(result.services.size(), 2u);
  EXPECT_EQ(result.services[0].name, "shop");
  EXPECT_EQ(result.services[0].state, CRIT);
  EXPECT_EQ(result.services[0].live_state, OK);
  EXPECT_EQ(result.services[1].name, "web");
  EXPECT_EQ(stateOf(s.h.engine, "shop"), OK);
  EXPECT_EQ(stateOf(s.h.engine, "web"), OK);

  // A what-if that would mend a live failure shows the recovery.
  s.h.feed.check(s.db, CRIT, kT0 + 1000);
  const WhatIfResult mend = s.h.engine.whatIf({{{"db-1", SeriesKind::kCheck, "pgsql", {}}, OK}});
  ASSERT_EQ(mend.services.size(), 3u);
  EXPECT_EQ(mend.services[0].state, OK);
  EXPECT_EQ(mend.services[0].live_state, CRIT);
}

TEST(ServiceAnalysisTest, NotifiesStateChangesWithCausesAndNewCausesOnce) {
  Shop s;
  s.h.notifications.clear();
  s.h.feed.check(s.app, CRIT, kT0 + 1000);
  auto sent = s.h.notifications.notifications();
  // checkout and shop changed; reporting and web did not.
  ASSERT_EQ(sent.size(), 2u);
  for (const auto& notification : sent) {
    EXPECT_EQ(notification.kind, Notification::Kind::kStateChange);
    EXPECT_EQ(notification.state, CRIT);
    EXPECT_EQ(notification.previous, OK);
    ASSERT_EQ(notification.causes.size(), 1u);
    EXPECT_EQ(notification.causes[0].component.host, "app-1");
  }
  const auto checkout =
      std::find_if(sent.begin(), sent.end(), [](const auto& n) { return n.service == "checkout"; });
  ASSERT_NE(checkout, sent.end());
  ASSERT_EQ(checkout->impact.size(), 1u);
  EXPECT_EQ(checkout->impact[0].name, "shop");

  // The database fails too: no service changes state in the shop's chain, but both have a new
  // cause; reporting changes state.
  s.h.notifications.clear();
  s.h.feed.check(s.db, CRIT, kT0 + 2000);
  sent = s.h.notifications.notifications();
  int new_causes = 0;
  for (const auto& notification : sent) {
    if (notification.kind == Notification::Kind::kNewCause) {
      ++new_causes;
      EXPECT_TRUE(notification.service == "shop" || notification.service == "checkout");
      EXPECT_EQ(notification.causes.size(), 2u);
    } else {
      EXPECT_EQ(notification.service, "reporting");
    }
  }
  EXPECT_EQ(new_causes, 2);
  EXPECT_EQ(sent.size(), 3u);

  // The same cause flapping inside the failure is not new again.
  s.h.notifications.clear();
  s.h.feed.check(s.db, WARN, kT0 + 3000);
  s.h.feed.check(s.db, CRIT, kT0 + 4000);
  for (const auto& notification : s.h.notifications.notifications()) {
    EXPECT_NE(notification.kind, Notification::Kind::kNewCause) << notification.service;
  }

  // Recovery is a state change with no causes.
  s.h.notifications.clear();
  s.h.feed.check(s.db, OK, kT0 + 5000);
  s.h.feed.check(s.app, OK, kT0 + 5000);
  bool shop_ok = false;
  for (const auto& notification : s.h.notifications.notifications()) {
    if (notification.service == "shop") {
      shop_ok = notification.state == OK && notification.causes.empty();
    }
  }
  EXPECT_TRUE(shop_ok);
}

TEST(ServiceAnalysisTest, NotificationsHeldAfterStartAreToldOnceWhenSettled) {
  Harness h(kShop);
  // Shorter than the checks' staleness (three 10 s intervals), so nothing goes stale meanwhile.
  h.engine.holdNotificationsUntil(kT0 + 20'000);
  // Agents come back one by one: the pool is short for a moment.
  const SeriesId web1 = h.feed.check("web-1", "http", OK, kT0);
  h.feed.check("web-2", "http", OK, kT0 + 100);
  h.feed.check("app-1", "app", OK, kT0 + 100);
  h.feed.check("db-1", "pgsql", CRIT, kT0 + 200);
  h.feed.check(web1, OK, kT0 + 300);
  EXPECT_TRUE(h.notifications.notifications().empty());

  h.engine.tick(kT0 + 19'000);
  EXPECT_TRUE(h.notifications.notifications().empty());
  h.engine.tick(kT0 + 20'000);
  const auto told = h.notifications.notifications();
  ASSERT_EQ(told.size(), 4u);  // every service once, in the state it settled in
  for (const auto& notification : told) {
    EXPECT_EQ(notification.previous, CheckState::kUnknown);
    if (notification.service == "shop") {
      EXPECT_EQ(notification.state, CRIT);
      ASSERT_EQ(notification.causes.size(), 1u);
      EXPECT_EQ(notification.causes[0].component.host, "db-1");
    }
    if (notification.service == "web") {
      EXPECT_EQ(notification.state, OK);
    }
  }
  // Afterwards, changes are told as they happen; the database is no new cause.
  h.notifications.clear();
  h.feed.check("web-3", "http", CRIT, kT0 + 21'000);
  EXPECT_TRUE(h.notifications.notifications().empty());
}

}  // namespace
}  // namespace bsm::server
