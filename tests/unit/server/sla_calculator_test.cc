#include "server/sla_calculator.h"

#include <gtest/gtest.h>

#include "common/time_format.h"
#include "server/sla_calendar.h"

namespace bsm::server {
namespace {

constexpr CheckState kOk = CheckState::kOk;
constexpr CheckState kWarning = CheckState::kWarning;
constexpr CheckState kCritical = CheckState::kCritical;
constexpr CheckState kUnknown = CheckState::kUnknown;

int64_t at(const char* rfc3339) {
  return *parseRfc3339(rfc3339);
}

SlaPolicy policy(double objective, const char* window = "30d", const char* zone = "UTC") {
  SlaPolicy out = SlaPolicy::make(objective, *SlaWindow::parse(window));
  out.time_zone = zone;
  out.zone = findTimeZone(zone);
  return out;
}

BusinessHours slot(std::initializer_list<int> iso_days, int from_hour, int to_hour) {
  BusinessHours hours;
  for (int day : iso_days) {
    hours.days[static_cast<size_t>(day - 1)] = true;
  }
  hours.from_minute = from_hour * 60;
  hours.to_minute = to_hour * 60;
  return hours;
}

const TimeInterval kMarch1{at("2026-03-01T00:00:00Z"), at("2026-03-02T00:00:00Z")};
const int64_t kLater = at("2026-04-01T00:00:00Z");

TEST(SlaCalculatorTest, CountsOnlyTheWindowOfOutagesStraddlingItsEdges) {
  // 99% of a day allows 864 s. Down from 23:50 the day before to 00:10 (600 s inside) and from
  // 23:55 to past the end (300 s inside): 900 s, so 36 s overspent.
  const std::vector<StatePoint> changes = {{at("2026-02-20T00:00:00Z"), kOk},
                                           {at("2026-02-28T23:50:00Z"), kCritical},
                                           {at("2026-03-01T00:10:00Z"), kOk},
                                           {at("2026-03-01T23:55:00Z"), kCritical},
                                           {at("2026-03-02T00:20:00Z"), kOk}};
  const SlaFigures f = SlaCalculator::compute(policy(99), kMarch1, kLater, changes);
  EXPECT_DOUBLE_EQ(f.counted_seconds, 86'400);
  EXPECT_DOUBLE_EQ(f.down_seconds, 900);
  ASSERT_TRUE(f.availability);
  EXPECT_NEAR(*f.availability, 98.958333, 1e-6);  // 1 - 900/86400
  EXPECT_NEAR(f.budget_seconds, 864, 1e-9);
  EXPECT_NEAR(f.budget_remaining_seconds, -36, 1e-9);
  ASSERT_TRUE(f.budget_remaining_percent);
  EXPECT_NEAR(*f.budget_remaining_percent, -4.166667, 1e-6);  // -36 / 864
  EXPECT_NEAR(f.burn_rate, 1.041667, 1e-6);                   // (900/86400) / 0.01
}

TEST(SlaCalculatorTest, AStateSetLongBeforeTheWindowHoldsThroughIt) {
  const std::vector<StatePoint> changes = {{at("2025-01-01T00:00:00Z"), kCritical}};
  const SlaFigures f = SlaCalculator::compute(policy(99.9), kMarch1, kLater, changes);
  EXPECT_DOUBLE_EQ(f.down_seconds, 86'400);
  EXPECT_DOUBLE_EQ(*f.availability, 0);
}

TEST(SlaCalculatorTest, WarningIsAvailable) {
  const std::vector<StatePoint> changes = {{at("2026-03-01T00:00:00Z"), kWarning}};
  const SlaFigures f = SlaCalculator::compute(policy(99.9), kMarch1, kLater, changes);
  EXPECT_DOUBLE_EQ(f.down_seconds, 0);
  EXPECT_DOUBLE_EQ(*f.availability, 100);
}

TEST(SlaCalculatorTest, CalendarMonthFollowsTheZoneAcrossItsDaylightSavingChange) {
  // March 2026 in New York starts at 00:00 EST (05:00Z) and ends at 00:00 EDT (04:00Z) on
  // April 1: the clocks went forward on March 8, so the month is 31 days less an hour.
  const SlaPolicy p = policy(99.9, "month", "America/New_York");
  const TimeInterval month =
      calendarPeriodAt(p.window.calendar, p.zone, at("2026-03-15T12:00:00Z"));
  EXPECT_EQ(month.from_ms, at("2026-03-01T05:00:00Z"));
  EXPECT_EQ(month.to_ms, at("2026-04-01T04:00:00Z"));
  EXPECT_EQ(month.length(), 743LL * 3'600'000);

  // Ten days in (240 h of 743), one half-hour outage. The budget is 0.1% of the whole month,
  // 2674.8 s, of which 1800 s are spent: 874.8 s or 32.705% remain.
  const std::vector<StatePoint> changes = {{at("2026-02-01T00:00:00Z"), kOk},
                                           {at("2026-03-10T05:00:00Z"), kCritical},
                                           {at("2026-03-10T05:30:00Z"), kOk}};
  const SlaFigures f = SlaCalculator::compute(p, month, at("2026-03-11T05:00:00Z"), changes);
  EXPECT_DOUBLE_EQ(f.counted_seconds, 864'000);
  EXPECT_DOUBLE_EQ(f.down_seconds, 1'800);
  EXPECT_NEAR(*f.availability, 99.791667, 1e-6);  // 1 - 1800/864000
  EXPECT_NEAR(f.budget_seconds, 2'674.8, 1e-6);
  EXPECT_NEAR(f.budget_remaining_seconds, 874.8, 1e-6);
  EXPECT_NEAR(*f.budget_remaining_percent, 32.705249, 1e-6);
}

TEST(SlaCalculatorTest, CalendarPeriodsStartWhereTheZoneSays) {
  const auto* berlin = findTimeZone("Europe/Berlin");
  const int64_t t = at("2026-02-11T12:00:00Z");  // a Wednesday
  const TimeInterval month = calendarPeriodAt(SlaWindow::Calendar::kMonth, berlin, t);
  EXPECT_EQ(month.from_ms, at("2026-01-31T23:00:00Z"));
  EXPECT_EQ(month.to_ms, at("2026-02-28T23:00:00Z"));
  const TimeInterval week = calendarPeriodAt(SlaWindow::Calendar::kWeek, berlin, t);
  EXPECT_EQ(week.from_ms, at("2026-02-08T23:00:00Z"));  // Monday 00:00 CET
  const TimeInterval quarter = calendarPeriodAt(SlaWindow::Calendar::kQuarter, berlin, t);
  EXPECT_EQ(quarter.to_ms, at("2026-03-31T22:00:00Z"));  // April 1 00:00 CEST
  const TimeInterval year = calendarPeriodAt(SlaWindow::Calendar::kYear, berlin, t);
  EXPECT_EQ(year.to_ms, at("2026-12-31T23:00:00Z"));
  // Just before midnight local time is still the old day.
  const TimeInterval day =
      calendarPeriodAt(SlaWindow::Calendar::kDay, berlin, at("2026-02-11T22:59:59Z"));
  EXPECT_EQ(day.from_ms, at("2026-02-10T23:00:00Z"));
  EXPECT_EQ(calendarPeriodsOver(SlaWindow::Calendar::kDay, berlin, day, 100).size(), 1u);
}

TEST(SlaCalculatorTest, BusinessHoursKeepTheirLengthOnDaylightSavingDays) {
  // Berlin on Sunday 2026-03-29: clocks jump from 02:00 to 03:00, the day has 23 hours.
  SlaPolicy p = policy(99.9, "day", "Europe/Berlin");
  p.business_hours = {slot({1, 2, 3, 4, 5, 6, 7}, 8, 18)};
  const TimeInterval day =
      calendarPeriodAt(SlaWindow::Calendar::kDay, p.zone, at("2026-03-29T12:00:00Z"));
  EXPECT_EQ(day.length(), 23LL * 3'600'000);
  const std::vector<StatePoint> down = {{at("2026-03-01T00:00:00Z"), kCritical}};
  const SlaFigures f = SlaCalculator::compute(p, day, kLater, down);
  EXPECT_DOUBLE_EQ(f.counted_seconds, 36'000);  // 08:00-18:00 CEST is 06:00Z-16:00Z
  EXPECT_DOUBLE_EQ(f.down_seconds, 36'000);
  EXPECT_DOUBLE_EQ(f.outside_hours_seconds, 46'800);  // the other 13 of 23 hours

  // A slot across the change is as long as the clocks say: 00:00-04:00 holds 3 hours in March
  // and 5 in October, when 02:00-03:00 happens twice.
  const std::vector<BusinessHours> night = {slot({7}, 0, 4)};
  const auto spring = businessIntervals(night, p.zone, day);
  ASSERT_EQ(spring.size(), 1u);
  EXPECT_EQ(spring[0].length(), 3LL * 3'600'000);
  const TimeInterval october =
      calendarPeriodAt(SlaWindow::Calendar::kDay, p.zone, at("2026-10-25T12:00:00Z"));
  EXPECT_EQ(october.length(), 25LL * 3'600'000);
  const auto autumn = businessIntervals(night, p.zone, october);
  ASSERT_EQ(autumn.size(), 1u);
  EXPECT_EQ(autumn[0].length(), 5LL * 3'600'000);
}

TEST(SlaCalculatorTest, OnlyBusinessHoursCount) {
  // Mon-Fri 08:00-18:00 UTC over the week of Monday 2026-03-02: 50 counted hours. A Saturday
  // outage costs nothing; Monday 17:00-19:00 costs the hour before 18:00.
  SlaPolicy p = policy(99, "week");
  p.business_hours = {slot({1, 2, 3, 4, 5}, 8, 18)};
  const TimeInterval week{at("2026-03-02T00:00:00Z"), at("2026-03-09T00:00:00Z")};
  const std::vector<StatePoint> changes = {{at("2026-03-01T00:00:00Z"), kOk},
                                           {at("2026-03-02T17:00:00Z"), kCritical},
                                           {at("2026-03-02T19:00:00Z"), kOk},
                                           {at("2026-03-07T09:00:00Z"), kCritical},
                                           {at("2026-03-07T17:00:00Z"), kOk}};
  const SlaFigures f = SlaCalculator::compute(p, week, kLater, changes);
  EXPECT_DOUBLE_EQ(f.counted_seconds, 180'000);
  EXPECT_DOUBLE_EQ(f.down_seconds, 3'600);
  EXPECT_DOUBLE_EQ(*f.availability, 98);
  EXPECT_DOUBLE_EQ(f.outside_hours_seconds, 118 * 3'600);
  EXPECT_NEAR(f.budget_seconds, 1'800, 1e-9);  // 1% of 50 h
}

TEST(SlaCalculatorTest, ExcludedPeriodsCutOutagesAndMerge) {
  // Policy excludes 02:00-04:00, a maintenance window 03:00-05:00: 3 h excluded. The outage
  // 01:00-03:30 costs only its first hour. 3600 s down of 75600 counted.
  SlaPolicy p = policy(99);
  p.exclude = {{{at("2026-03-01T02:00:00Z"), at("2026-03-01T04:00:00Z")}, "migration"}};
  const std::vector<TimeInterval> maintenance = {
      {at("2026-03-01T03:00:00Z"), at("2026-03-01T05:00:00Z")}};
  const std::vector<StatePoint> changes = {{at("2026-02-01T00:00:00Z"), kOk},
                                           {at("2026-03-01T01:00:00Z"), kCritical},
                                           {at("2026-03-01T03:30:00Z"), kOk}};
  const SlaFigures f = SlaCalculator::compute(p, kMarch1, kLater, changes, maintenance);
  EXPECT_DOUBLE_EQ(f.excluded_seconds, 10'800);
  EXPECT_DOUBLE_EQ(f.counted_seconds, 75'600);
  EXPECT_DOUBLE_EQ(f.down_seconds, 3'600);
  EXPECT_NEAR(*f.availability, 95.238095, 1e-6);
}

TEST(SlaCalculatorTest, UnknownCountsAsThePolicySays) {
  // Two hours UNKNOWN then one CRITICAL.
  const std::vector<StatePoint> changes = {{at("2026-02-01T00:00:00Z"), kOk},
                                           {at("2026-03-01T10:00:00Z"), kUnknown},
                                           {at("2026-03-01T12:00:00Z"), kCritical},
                                           {at("2026-03-01T13:00:00Z"), kOk}};
  SlaPolicy p = policy(99);
  const SlaFigures as_down = SlaCalculator::compute(p, kMarch1, kLater, changes);
  EXPECT_DOUBLE_EQ(as_down.down_seconds, 10'800);
  EXPECT_DOUBLE_EQ(as_down.counted_seconds, 86'400);
  EXPECT_DOUBLE_EQ(as_down.unknown_seconds, 7'200);

  p.unknown = UnknownCounts::kUp;
  const SlaFigures as_up = SlaCalculator::compute(p, kMarch1, kLater, changes);
  EXPECT_DOUBLE_EQ(as_up.down_seconds, 3'600);
  EXPECT_DOUBLE_EQ(as_up.counted_seconds, 86'400);

  p.unknown = UnknownCounts::kExcluded;
  const SlaFigures left_out = SlaCalculator::compute(p, kMarch1, kLater, changes);
  EXPECT_DOUBLE_EQ(left_out.down_seconds, 3'600);
  EXPECT_DOUBLE_EQ(left_out.counted_seconds, 79'200);
  EXPECT_DOUBLE_EQ(left_out.unknown_seconds, 7'200);
  EXPECT_DOUBLE_EQ(left_out.excluded_seconds, 0);
}

TEST(SlaCalculatorTest, NoHistoryMeansNoAvailabilityRatherThanAHundredPercent) {
  const SlaFigures f = SlaCalculator::compute(policy(99.9), kMarch1, kLater, {});
  EXPECT_FALSE(f.availability.has_value());
  EXPECT_DOUBLE_EQ(f.no_data_seconds, 86'400);
  EXPECT_DOUBLE_EQ(f.counted_seconds, 0);
  EXPECT_DOUBLE_EQ(f.burn_rate, 0);
  EXPECT_DOUBLE_EQ(f.budget_seconds, 0);
  EXPECT_FALSE(f.budget_remaining_percent.has_value());

  // First state at noon: only the afternoon counts.
  const std::vector<StatePoint> changes = {{at("2026-03-01T12:00:00Z"), kOk}};
  const SlaFigures half = SlaCalculator::compute(policy(99.9), kMarch1, kLater, changes);
  EXPECT_DOUBLE_EQ(half.no_data_seconds, 43'200);
  EXPECT_DOUBLE_EQ(half.counted_seconds, 43'200);
  EXPECT_DOUBLE_EQ(*half.availability, 100);
}

TEST(SlaCalculatorTest, BurnRateOverAnHour) {
  // Five minutes down in the last hour at 99.9%: (300/3600) / 0.001 = 83.3.
  const int64_t now = at("2026-03-01T12:00:00Z");
  const std::vector<StatePoint> changes = {{at("2026-03-01T00:00:00Z"), kOk},
                                           {at("2026-03-01T11:30:00Z"), kCritical},
                                           {at("2026-03-01T11:35:00Z"), kOk}};
  const SlaFigures f = SlaCalculator::compute(policy(99.9), {now - 3'600'000, now}, now, changes);
  EXPECT_NEAR(f.burn_rate, 83.333333, 1e-6);
}

TEST(SlaCalculatorTest, MeasuresOnlyUpToNow) {
  // Half the day has happened, all of it up; the whole day's budget is still ahead.
  const std::vector<StatePoint> changes = {{at("2026-02-01T00:00:00Z"), kOk}};
  const SlaFigures f =
      SlaCalculator::compute(policy(99), kMarch1, at("2026-03-01T12:00:00Z"), changes);
  EXPECT_DOUBLE_EQ(f.counted_seconds, 43'200);
  EXPECT_NEAR(f.budget_seconds, 864, 1e-9);
  EXPECT_NEAR(*f.budget_remaining_percent, 100, 1e-9);
}

}  // namespace
}  // namespace bsm::server
