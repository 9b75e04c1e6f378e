#include "server/maintenance_window.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "server/maintenance_calendar.h"
#include "server/sqlite_state_store.h"
#include "server_test_support.h"

namespace bsm::server {
namespace {

int64_t at(const char* rfc3339) {
  return *parseRfc3339(rfc3339);
}

MaintenanceWindow window(const nlohmann::json& body, int64_t now_ms = 0) {
  auto parsed = MaintenanceWindow::fromJson(body, now_ms);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : MaintenanceWindow{};
}

std::string error(const nlohmann::json& body) {
  auto parsed = MaintenanceWindow::fromJson(body, at("2026-12-04T10:00:00Z"));
  return parsed.ok() ? "no error" : parsed.error().message;
}

TEST(MaintenanceWindowTest, OneOffRunsFromStartToEnd) {
  const MaintenanceWindow w = window({{"host", "db-1"},
                                      {"start", "2026-12-06T02:00:00Z"},
                                      {"duration", "2h"},
                                      {"reason", "kernel update"}});
  EXPECT_FALSE(w.activeAt(at("2026-12-06T01:59:59Z")));
  EXPECT_TRUE(w.activeAt(at("2026-12-06T02:00:00Z")));
  EXPECT_TRUE(w.activeAt(at("2026-12-06T03:59:59Z")));
  EXPECT_FALSE(w.activeAt(at("2026-12-06T04:00:00Z")));
  EXPECT_EQ(w.cover(), MaintenanceCover::kExcluded);
  EXPECT_EQ(w.target.describe(), "host db-1");
}

TEST(MaintenanceWindowTest, WeeklySlotFollowsLocalTimeAcrossDaylightSaving) {
  // Sundays 02:00-04:00 in Berlin: 01:00-03:00Z in winter, 00:00-02:00Z in summer.
  const MaintenanceWindow w =
      window({{"service", "checkout"},
              {"start", "2026-01-01T00:00:00Z"},
              {"weekly", {{{"days", {"sun"}}, {"from", "02:00"}, {"to", "04:00"}}}},
              {"time_zone", "Europe/Berlin"},
              {"counts_against_sla", true},
              {"reason", "weekly patching"}});
  EXPECT_TRUE(w.activeAt(at("2026-03-01T01:30:00Z")));   // winter Sunday 02:30 local
  EXPECT_FALSE(w.activeAt(at("2026-03-01T03:00:00Z")));  // 04:00 local
  EXPECT_TRUE(w.activeAt(at("2026-06-07T00:30:00Z")));   // summer Sunday 02:30 local
  EXPECT_FALSE(w.activeAt(at("2026-06-07T02:30:00Z")));  // 04:30 local
  EXPECT_FALSE(w.activeAt(at("2026-06-08T00:30:00Z")));  // Monday
  EXPECT_FALSE(w.activeAt(at("2025-12-28T01:30:00Z")));  // before its start
  EXPECT_EQ(w.cover(), MaintenanceCover::kCounted);
  EXPECT_FALSE(w.endedBy(at("2030-01-01T00:00:00Z")));
}

TEST(MaintenanceWindowTest, BadWindowsNameTheField) {
  EXPECT_NE(error({{"reason", "x"}, {"duration", "1h"}}).find("either host"), std::string::npos);
  EXPECT_NE(error({{"host", "a"}, {"service", "b"}, {"duration", "1h"}, {"reason", "x"}})
                .find("either host"),
            std::string::npos);
  EXPECT_NE(error({{"host", "a"}, {"duration", "1h"}}).find("reason is required"),
            std::string::npos);
  EXPECT_NE(error({{"host", "a"}, {"reason", "x"}}).find("needs end or duration"),
            std::string::npos);
  EXPECT_NE(error({{"host", "a"}, {"reason", "x"}, {"end", "yesterday"}}).find("end:"),
            std::string::npos);
  EXPECT_NE(error({{"host", "a"},
                   {"reason", "x"},
                   {"start", "2026-12-06T02:00:00Z"},
                   {"end", "2026-12-06T01:00:00Z"}})
                .find("end must be after start"),
            std::string::npos);
  EXPECT_NE(error({{"host", "a"},
                   {"reason", "x"},
                   {"weekly", {{{"days", {"sunday"}}, {"from", "02:00"}, {"to", "04:00"}}}}})
                .find("weekly[0]: day 'sunday'"),
            std::string::npos);
  EXPECT_NE(error({{"host", "a"},
                   {"reason", "x"},
                   {"weekly", {{{"days", {"sun"}}, {"from", "23:00"}, {"to", "01:00"}}}}})
                .find("split a slot over midnight"),
            std::string::npos);
  EXPECT_NE(error({{"host", "a"}, {"reason", "x"}, {"duration", "1h"}, {"time_zone", "Mars/Base"}})
                .find("time_zone 'Mars/Base'"),
            std::string::npos);
  EXPECT_NE(error({{"host", "a"}, {"reason", "x"}, {"duration", "1h"}, {"colour", "red"}})
                .find("unknown field 'colour'"),
            std::string::npos);
}

TEST(MaintenanceWindowTest, ActiveSetTakesTheStrongestCoverPerTarget) {
  const int64_t now = at("2026-12-06T02:30:00Z");
  std::vector<MaintenanceWindow> windows = {
      window({{"host", "db-1"}, {"reason", "a"}, {"duration", "1h"}, {"counts_against_sla", true}},
             now),
      window({{"host", "db-1"}, {"reason", "b"}, {"duration", "1h"}}, now),
      window({{"host", "app-1"}, {"check", "app"}, {"reason", "c"}, {"duration", "1h"}}, now),
      window({{"host", "web-1"},
              {"reason", "later"},
              {"start", "2026-12-07T00:00:00Z"},
              {"duration", "1h"}})};
  const ActiveMaintenance active = activeMaintenance(windows, now);
  ASSERT_EQ(active.hosts.size(), 1u);
  EXPECT_EQ(active.hosts.at("db-1"), MaintenanceCover::kExcluded);
  EXPECT_EQ(active.components.at({"app-1", SeriesKind::kCheck, "app"}),
            MaintenanceCover::kExcluded);
}

TEST(MaintenanceCalendarTest, WindowsSurviveARestart) {
  testing::TempDir dir;
  const int64_t now = at("2026-12-06T02:30:00Z");
  int64_t id = 0;
  {
    auto calendar = MaintenanceCalendar::open(dir.path());
    ASSERT_TRUE(calendar.ok()) << calendar.error().message;
    auto added = (*calendar)->add(
        window({{"host", "db-1"},
                {"reason", "patching"},
                {"author", "ops"},
                {"weekly", {{{"days", {"mon-fri"}}, {"from", "01:00"}, {"to", "03:00"}}}},
                {"time_zone", "Europe/Berlin"}},
               now),
        now);
    ASSERT_TRUE(added.ok());
    id = added->id;
    (*calendar)->add(
        window({{"service", "shop"}, {"reason", "old"}, {"duration", "1h"}}, now - 86'400'000),
        now - 86'400'000);
  }
  auto calendar = MaintenanceCalendar::open(dir.path());
  ASSERT_TRUE(calendar.ok());
  const auto current = (*calendar)->list(false, now);
  ASSERT_EQ(current.size(), 1u);
  EXPECT_EQ(current[0].id, id);
  EXPECT_EQ(current[0].author, "ops");
  EXPECT_EQ(current[0].time_zone, "Europe/Berlin");
  EXPECT_EQ((*calendar)->list(true, now).size(), 2u);
  EXPECT_TRUE(*(*calendar)->remove(id));
  EXPECT_FALSE(*(*calendar)->remove(id));
  EXPECT_TRUE((*calendar)->list(false, now).empty());
}

TEST(MaintenanceCalendarTest, PlannedMaintenanceComesBackFromTheHistory) {
  testing::TempDir dir;
  auto store = SqliteStateStore::open(dir.path());
  ASSERT_TRUE(store.ok());
  auto change = [](int64_t ts, CheckState state, MaintenanceCover maintenance) {
    StateChange c;
    c.kind = StateChange::Kind::kService;
    c.service = "shop";
    c.ts_ms = ts;
    c.state = state;
    c.maintenance = maintenance;
    return c;
  };
  const std::vector<StateChange> changes = {
      change(1000, CheckState::kOk, MaintenanceCover::kNone),
      change(2000, CheckState::kCritical, MaintenanceCover::kExcluded),
      change(3000, CheckState::kCritical, MaintenanceCover::kCounted),
      change(4000, CheckState::kCritical, MaintenanceCover::kExcluded),
      change(6000, CheckState::kOk, MaintenanceCover::kNone)};
  (*store)->record(changes);
  (*store)->flush();
  auto spans = (*store)->plannedMaintenance("shop", {2500, 10'000});
  ASSERT_TRUE(spans.ok());
  ASSERT_EQ(spans->size(), 2u);
  EXPECT_EQ((*spans)[0].from_ms, 2500);  // in force at the start of the span
  EXPECT_EQ((*spans)[0].to_ms, 3000);
  EXPECT_EQ((*spans)[1].from_ms, 4000);
  EXPECT_EQ((*spans)[1].to_ms, 6000);
  auto open_ended = (*store)->plannedMaintenance("shop", {4500, 5000});
  ASSERT_TRUE(open_ended.ok());
  ASSERT_EQ(open_ended->size(), 1u);
  EXPECT_EQ((*open_ended)[0].to_ms, 5000);
}

}  // namespace
}  // namespace bsm::server
