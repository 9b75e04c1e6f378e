#include "server/sla_ledger.h"

#include <gtest/gtest.h>

#include "common/time_format.h"
#include "server/sqlite_state_store.h"
#include "server_test_support.h"

namespace bsm::server {
namespace {

using testing::TempDir;

int64_t at(const char* rfc3339) {
  return *parseRfc3339(rfc3339);
}

constexpr const char* kModel = R"(services:
  shop:
    description: Web shop
    criticality: 1
    sla: {objective: 99.9, window: 30d}
  blog:
    sla: {objective: 99, window: day, time_zone: Europe/Berlin, burn_alerts: []}
  internal: {}
)";

struct CollectingSink : NotificationSink {
  void notify(const Notification& notification) override { seen.push_back(notification); }
  std::vector<Notification> seen;
};

class SlaLedgerTest : public ::testing::Test {
 protected:
  SlaLedgerTest()
      : model_(std::make_shared<const ServiceModel>(ServiceModel::parse(kModel, "m.yaml"))),
        store_(std::move(SqliteStateStore::open(dir_.path()).value())),
        ledger_([this] { return model_; }, *store_, [this] { return now_; }) {
    ledger_.addNotificationSink(&sink_);
  }

  void change(const std::string& service, const char* when, CheckState state) {
    StateChange c;
    c.service = service;
    c.ts_ms = at(when);
    c.state = state;
    store_->record(std::span<const StateChange>(&c, 1));
    store_->flush();
  }

  TempDir dir_;
  std::shared_ptr<const ServiceModel> model_;
  std::unique_ptr<SqliteStateStore> store_;
  int64_t now_ = at("2026-03-31T12:00:00Z");
  SlaLedger ledger_;
  CollectingSink sink_;
};

TEST_F(SlaLedgerTest, AnswersTheWindowFromTheHistory) {
  change("shop", "2026-01-01T00:00:00Z", CheckState::kOk);
  change("shop", "2026-03-20T10:00:00Z", CheckState::kCritical);
  change("shop", "2026-03-20T10:43:12Z", CheckState::kOk);  // 2592 s: the whole 30-day budget

  auto status = ledger_.status("shop");
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_DOUBLE_EQ(status->figures.counted_seconds, 30 * 86'400);
  EXPECT_DOUBLE_EQ(status->figures.down_seconds, 2'592);
  EXPECT_NEAR(*status->figures.availability, 99.9, 1e-9);
  EXPECT_NEAR(*status->figures.budget_remaining_percent, 0, 1e-9);
  ASSERT_EQ(status->burn_rates.size(), 4u);
  EXPECT_EQ(status->burn_rates[0].window, "5m");
  EXPECT_EQ(status->burn_rates[3].window, "6h");
  EXPECT_TRUE(status->alerts_firing.empty());

  // A shorter window asked for leaves the outage out.
  auto week = ledger_.status("shop", *SlaWindow::parse("7d"));
  ASSERT_TRUE(week.ok());
  EXPECT_DOUBLE_EQ(week->figures.down_seconds, 0);

  EXPECT_FALSE(ledger_.status("nothing").ok());
  EXPECT_FALSE(ledger_.status("internal").ok());
}

TEST_F(SlaLedgerTest, BudgetIsEmptyWithoutHistory) {
  EXPECT_FALSE(ledger_.budget("shop").has_value());
  change("shop", "2026-03-31T00:00:00Z", CheckState::kOk);
  const auto budget = ledger_.budget("shop");
  ASSERT_TRUE(budget.has_value());
  EXPECT_DOUBLE_EQ(budget->availability, 100);
  EXPECT_EQ(budget->window, "30d");
}

TEST_F(SlaLedgerTest, BurnAlertsFireOnceAndClearOnce) {
  change("shop", "2026-03-01T00:00:00Z", CheckState::kOk);
  change("shop", "2026-03-31T11:50:00Z", CheckState::kCritical);
  // Ten minutes down at 99.9%: 1h burns at 166.7, 5m at 1000, 6h at 27.8, 30m at 333.3; both
  // the page and the ticket fire.
  ledger_.evaluate();
  ledger_.evaluate();
  ASSERT_EQ(sink_.seen.size(), 2u);
  EXPECT_EQ(sink_.seen[0].kind, Notification::Kind::kBurnRate);
  EXPECT_EQ(sink_.seen[0].alert, "page");
  EXPECT_EQ(sink_.seen[0].state, CheckState::kCritical);
  EXPECT_EQ(sink_.seen[0].criticality, 1);
  ASSERT_EQ(sink_.seen[0].burn_rates.size(), 2u);
  EXPECT_EQ(sink_.seen[0].burn_rates[0].first, "1h");
  EXPECT_NEAR(sink_.seen[0].burn_rates[0].second, 166.666667, 1e-5);
  EXPECT_NEAR(sink_.seen[0].burn_rates[1].second, 1000, 1e-9);
  ASSERT_TRUE(sink_.seen[0].budget.has_value());
  EXPECT_EQ(sink_.seen[1].alert, "ticket");
  EXPECT_EQ(sink_.seen[1].state, CheckState::kWarning);

  // Recovered at 12:00; ten minutes later the 5-minute window is clean, so the page clears
  // although the hour still burns; the ticket's 30-minute window still burns.
  change("shop", "2026-03-31T12:00:00Z", CheckState::kOk);
  now_ = at("2026-03-31T12:10:00Z");
  ledger_.evaluate();
  ASSERT_EQ(sink_.seen.size(), 3u);
  EXPECT_EQ(sink_.seen[2].alert, "page");
  EXPECT_EQ(sink_.seen[2].state, CheckState::kOk);
  EXPECT_EQ(sink_.seen[2].previous, CheckState::kCritical);

  now_ = at("2026-03-31T12:31:00Z");
  ledger_.evaluate();
  ledger_.evaluate();
  ASSERT_EQ(sink_.seen.size(), 4u);
  EXPECT_EQ(sink_.seen[3].alert, "ticket");
  EXPECT_EQ(sink_.seen[3].state, CheckState::kOk);
}

TEST_F(SlaLedgerTest, ABriefBlipPagesNobody) {
  // One minute down an hour ago: the hour burns at 16.7, above 14.4, but the last five minutes
  // are clean, so the page stays quiet; that is what the short window is for.
  change("shop", "2026-03-01T00:00:00Z", CheckState::kOk);
  change("shop", "2026-03-31T11:10:00Z", CheckState::kCritical);
  change("shop", "2026-03-31T11:11:00Z", CheckState::kOk);
  ledger_.evaluate();
  EXPECT_TRUE(sink_.seen.empty());
}

TEST_F(SlaLedgerTest, ReportsCalendarDaysInTheServicesZone) {
  // Berlin days of 2026-03-28 and the 23-hour 2026-03-29; down one hour on the 29th.
  change("blog", "2026-03-01T00:00:00Z", CheckState::kOk);
  change("blog", "2026-03-29T10:00:00Z", CheckState::kCritical);
  change("blog", "2026-03-29T11:00:00Z", CheckState::kOk);
  auto rows = ledger_.report("blog", SlaWindow::Calendar::kDay,
                             {at("2026-03-27T23:00:00Z"), at("2026-03-29T22:00:00Z")});
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].period.from_ms, at("2026-03-27T23:00:00Z"));
  EXPECT_DOUBLE_EQ((*rows)[0].figures.counted_seconds, 86'400);
  EXPECT_DOUBLE_EQ((*rows)[0].figures.down_seconds, 0);
  EXPECT_DOUBLE_EQ((*rows)[1].figures.counted_seconds, 23 * 3'600);
  EXPECT_DOUBLE_EQ((*rows)[1].figures.down_seconds, 3'600);
}

TEST_F(SlaLedgerTest, MaintenanceArrivesAsMoreExclusions) {
  change("shop", "2026-03-01T00:00:00Z", CheckState::kOk);
  change("shop", "2026-03-30T02:00:00Z", CheckState::kCritical);
  change("shop", "2026-03-30T03:00:00Z", CheckState::kOk);
  ledger_.setExclusionSource([](const std::string& service, TimeInterval) {
    return service == "shop"
               ? std::vector<TimeInterval>{{at("2026-03-30T01:30:00Z"), at("2026-03-30T03:30:00Z")}}
               : std::vector<TimeInterval>{};
  });
  auto status = ledger_.status("shop");
  ASSERT_TRUE(status.ok());
  EXPECT_DOUBLE_EQ(status->figures.down_seconds, 0);
  EXPECT_DOUBLE_EQ(status->figures.excluded_seconds, 7'200);
}

}  // namespace
}  // namespace bsm::server
