// Maintenance as the engine applies it: what a window covers, when a service counts as in
// maintenance, and what that does to notifications.

#include <gtest/gtest.h>

#include "server_test_support.h"

namespace bsm::server {
namespace {

using Harness = testing::EngineHarness;
using testing::stateOf;

constexpr auto OK = CheckState::kOk;
constexpr auto CRIT = CheckState::kCritical;
constexpr auto kNone = MaintenanceCover::kNone;
constexpr auto kCounted = MaintenanceCover::kCounted;
constexpr auto kExcluded = MaintenanceCover::kExcluded;

constexpr int64_t kT0 = 1'700'000'000'000;

constexpr const char* kShop = R"(services:
  shop:
    depends_on: [checkout, web]
  checkout:
    components:
      - {host: app-1, check: app}
      - {host: db-1, check: pgsql}
  web:
    rule: {at_least: 1}
    components: [{host: "web-*", check: http}]
  lenient:
    count: {maintenance: ok}
    depends_on: [checkout]
)";

MaintenanceCover maintenanceOf(const ServiceEngine& engine, const std::string& name) {
  return engine.service(name)->maintenance;
}

ActiveMaintenance onHost(const std::string& host, MaintenanceCover cover) {
  ActiveMaintenance active;
  active.hosts[host] = cover;
  return active;
}

struct Shop {
  Shop() : h(kShop) {
    app = h.feed.check("app-1", "app", OK, kT0);
    db = h.feed.check("db-1", "pgsql", OK, kT0);
    h.feed.check("web-1", "http", OK, kT0);
  }
  Harness h;
  SeriesId app = kNoSeries;
  SeriesId db = kNoSeries;
};

TEST(ServiceMaintenanceTest, FullyCoveredOutageIsMaintenance) {
  Shop s;
  s.h.engine.setMaintenance(onHost("db-1", kExcluded), kT0 + 1000);
  // Nothing fails yet: a window alone does not put an OK service in maintenance.
  EXPECT_EQ(maintenanceOf(s.h.engine, "checkout"), kNone);
  EXPECT_EQ(s.h.engine.service("checkout")->components[1].maintenance, kExcluded);

  s.h.notifications.clear();
  s.h.feed.check(s.db, CRIT, kT0 + 2000);
  // The state stays the truth; the flag says it is planned, all the way up.
  EXPECT_EQ(stateOf(s.h.engine, "checkout"), CRIT);
  EXPECT_EQ(maintenanceOf(s.h.engine, "checkout"), kExcluded);
  EXPECT_EQ(stateOf(s.h.engine, "shop"), CRIT);
  EXPECT_EQ(maintenanceOf(s.h.engine, "shop"), kExcluded);
  // `maintenance: ok` counts the covered child as OK.
  EXPECT_EQ(stateOf(s.h.engine, "lenient"), OK);
  // Planned work pages nobody.
  EXPECT_TRUE(s.h.notifications.notifications().empty());

  // The history tells the SLA when planned time starts.
  bool recorded = false;
  for (const auto& change : s.h.sink.serviceChanges("checkout")) {
    recorded |= change.state == CRIT && change.maintenance == kExcluded;
  }
  EXPECT_TRUE(recorded);
}

TEST(ServiceMaintenanceTest, PartialWindowDoesNotHideAnUnplannedOutage) {
  Shop s;
  s.h.engine.setMaintenance(onHost("db-1", kExcluded), kT0 + 1000);
  s.h.feed.check(s.db, CRIT, kT0 + 2000);
  ASSERT_EQ(maintenanceOf(s.h.engine, "shop"), kExcluded);

  // The app fails too, and no window covers it.
  s.h.notifications.clear();
  s.h.feed.check(s.app, CRIT, kT0 + 3000);
  EXPECT_EQ(stateOf(s.h.engine, "checkout"), CRIT);
  EXPECT_EQ(maintenanceOf(s.h.engine, "checkout"), kNone);
  EXPECT_EQ(maintenanceOf(s.h.engine, "shop"), kNone);
  EXPECT_EQ(stateOf(s.h.engine, "lenient"), CRIT);
  // The outage is told, with the unplanned cause among the causes.
  bool told = false;
  for (const auto& notification : s.h.notifications.notifications()) {
    if (notification.service == "checkout") {
      told = true;
      bool has_app = false;
      for (const auto& cause : notification.causes) {
        has_app |= cause.component.host == "app-1";
      }
      EXPECT_TRUE(has_app);
      EXPECT_EQ(notification.reason.rfind("a failure outside maintenance came on top", 0), 0u)
          << notification.reason;
    }
  }
  EXPECT_TRUE(told);
}

TEST(ServiceMaintenanceTest, CountedAndExcludedWindowsAreToldApart) {
  Shop s;
  ActiveMaintenance active;
  active.hosts["db-1"] = kCounted;
  active.components[{"app-1", SeriesKind::kCheck, "app"}] = kExcluded;
  s.h.engine.setMaintenance(active, kT0 + 1000);
  s.h.feed.check(s.db, CRIT, kT0 + 2000);
  s.h.feed.check(s.app, CRIT, kT0 + 2000);
  // All trouble is covered, but not all of it is excluded from the SLA.
  EXPECT_EQ(maintenanceOf(s.h.engine, "checkout"), kCounted);
  s.h.feed.check(s.db, OK, kT0 + 3000);
  EXPECT_EQ(maintenanceOf(s.h.engine, "checkout"), kExcluded);
}

TEST(ServiceMaintenanceTest, WindowOnAServiceAndItsEnd) {
  Shop s;
  ActiveMaintenance active;
  active.services["checkout"] = kExcluded;
  s.h.engine.setMaintenance(active, kT0 + 1000);
  s.h.notifications.clear();
  s.h.feed.check(s.app, CRIT, kT0 + 2000);
  EXPECT_EQ(maintenanceOf(s.h.engine, "checkout"), kExcluded);
  EXPECT_EQ(maintenanceOf(s.h.engine, "shop"), kExcluded);
  EXPECT_TRUE(s.h.notifications.notifications().empty());

  // The window closes with the app still down: now it is told.
  s.h.engine.setMaintenance({}, kT0 + 3000);
  EXPECT_EQ(maintenanceOf(s.h.engine, "checkout"), kNone);
  bool told = false;
  for (const auto& notification : s.h.notifications.notifications()) {
    if (notification.service == "checkout") {
      told = notification.state == CRIT &&
             notification.reason.rfind("maintenance is over and it is still CRITICAL", 0) == 0;
    }
  }
  EXPECT_TRUE(told);
}

TEST(ServiceMaintenanceTest, NewHostUnderAnActiveWindowIsCovered) {
  Shop s;
  s.h.engine.setMaintenance(onHost("web-2", kExcluded), kT0 + 1000);
  const SeriesId web2 = s.h.feed.check("web-2", "http", CRIT, kT0 + 2000);
  (void)web2;
  const auto web = s.h.engine.service("web");
  ASSERT_TRUE(web.has_value());
  ASSERT_EQ(web->components.size(), 2u);
  EXPECT_EQ(web->components[1].maintenance, kExcluded);
}

TEST(ServiceMaintenanceTest, ReloadKeepsMaintenance) {
  Shop s;
  s.h.engine.setMaintenance(onHost("db-1", kExcluded), kT0 + 1000);
  s.h.feed.check(s.db, CRIT, kT0 + 2000);
  s.h.engine.replaceModel(ServiceModel::parse(kShop, "model.yaml"), kT0 + 3000);
  EXPECT_EQ(maintenanceOf(s.h.engine, "checkout"), kExcluded);
}

}  // namespace
}  // namespace bsm::server
