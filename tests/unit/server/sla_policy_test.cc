#include "server/sla_policy.h"

#include <gtest/gtest.h>

#include "common/config_file.h"
#include "common/time_format.h"
#include "server/service_model.h"

namespace bsm::server {
namespace {

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

// The shop's policy from a model whose `sla:` is `body` (indented to sit under the service).
SlaPolicy policyOf(const std::string& body) {
  const ServiceModel model =
      ServiceModel::parse("services:\n  shop:\n    sla:\n" + body, "sla.yaml");
  return *model.find("shop")->sla;
}

std::string errorOf(const std::string& body) {
  try {
    policyOf(body);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(SlaPolicyTest, DefaultsForAShortPolicy) {
  const SlaPolicy policy = policyOf("      {objective: 99.9, window: 30d}\n");
  EXPECT_DOUBLE_EQ(policy.objective, 99.9);
  EXPECT_FALSE(policy.window.isCalendar());
  EXPECT_EQ(policy.window.rolling, std::chrono::hours(24 * 30));
  EXPECT_EQ(policy.time_zone, "UTC");
  ASSERT_NE(policy.zone, nullptr);
  EXPECT_TRUE(policy.business_hours.empty());
  EXPECT_EQ(policy.unknown, UnknownCounts::kDown);
  ASSERT_EQ(policy.burn_alerts.size(), 2u);
  EXPECT_EQ(policy.burn_alerts[0].name, "page");
  EXPECT_EQ(policy.burn_alerts[0].long_window, std::chrono::hours(1));
  EXPECT_EQ(policy.burn_alerts[0].short_window, std::chrono::minutes(5));
  EXPECT_DOUBLE_EQ(policy.burn_alerts[0].rate, 14.4);
  EXPECT_EQ(policy.burn_alerts[0].severity, CheckState::kCritical);
  EXPECT_EQ(policy.burn_alerts[1].name, "ticket");
  EXPECT_EQ(policy.burn_alerts[1].severity, CheckState::kWarning);
}

TEST(SlaPolicyTest, ReadsEveryKey) {
  const SlaPolicy policy = policyOf(R"(      objective: 99.5
      window: month
      time_zone: Europe/Berlin
      business_hours:
        - {days: [mon-fri], from: "08:00", to: "18:00"}
        - {days: [sat], from: "10:00", to: "24:00"}
      exclude:
        - {from: "2026-03-01T00:00:00Z", to: "2026-03-01T02:00:00+01:00", reason: migration}
      unknown: excluded
      burn_alerts:
        - {alert: ticket, long: 3d, short: 6h, rate: 1}
)");
  EXPECT_EQ(policy.window.calendar, SlaWindow::Calendar::kMonth);
  EXPECT_EQ(policy.time_zone, "Europe/Berlin");
  ASSERT_EQ(policy.business_hours.size(), 2u);
  const BusinessHours& weekdays = policy.business_hours[0];
  EXPECT_TRUE(weekdays.days[0] && weekdays.days[4]);
  EXPECT_FALSE(weekdays.days[5] || weekdays.days[6]);
  EXPECT_EQ(weekdays.from_minute, 8 * 60);
  EXPECT_EQ(weekdays.to_minute, 18 * 60);
  EXPECT_EQ(policy.business_hours[1].to_minute, 24 * 60);
  ASSERT_EQ(policy.exclude.size(), 1u);
  EXPECT_EQ(policy.exclude[0].span.from_ms, *parseRfc3339("2026-03-01T00:00:00Z"));
  // 02:00 at +01:00 is 01:00 UTC: an hour.
  EXPECT_EQ(policy.exclude[0].span.length(), 3'600'000);
  EXPECT_EQ(policy.exclude[0].reason, "migration");
  EXPECT_EQ(policy.unknown, UnknownCounts::kExcluded);
  ASSERT_EQ(policy.burn_alerts.size(), 1u);
  EXPECT_EQ(policy.burn_alerts[0].long_window, std::chrono::hours(72));
}

TEST(SlaPolicyTest, EmptyBurnAlertsTurnAlertsOff) {
  EXPECT_TRUE(policyOf("      {objective: 99, window: 7d, burn_alerts: []}\n").burn_alerts.empty());
}

TEST(SlaPolicyTest, BadValuesNameTheirPlace) {
  EXPECT_CONTAINS(errorOf("      {objective: 99.9, window: 30d, time_zone: Mars/Olympus}\n"),
                  "sla.yaml:4:49: service 'shop': sla time_zone 'Mars/Olympus'");
  EXPECT_CONTAINS(errorOf("      {objective: 99.9, window: fortnight}\n"), "sla.yaml:4:33");
  EXPECT_CONTAINS(errorOf("      {objective: 100, window: 30d}\n"), "below 100");
  EXPECT_CONTAINS(errorOf("      objective: 99\n      window: 30d\n      business_hours:\n"
                          "        - {days: [mon, fry], from: \"08:00\", to: \"18:00\"}\n"),
                  "sla.yaml:7:24: service 'shop': sla business_hours entry day 'fry'");
  EXPECT_CONTAINS(errorOf("      objective: 99\n      window: 30d\n      business_hours:\n"
                          "        - {days: [mon], from: \"18:00\", to: \"08:00\"}\n"),
                  "to must be later than from");
  EXPECT_CONTAINS(errorOf("      objective: 99\n      window: 30d\n      business_hours:\n"
                          "        - {days: [mon], from: \"8:00\", to: \"18:00\"}\n"),
                  "from '8:00' is not a local time HH:MM");
  EXPECT_CONTAINS(errorOf("      objective: 99\n      window: 30d\n      exclude:\n"
                          "        - {from: \"2026-03-02T00:00:00Z\", to: \"2026-03-01T00:00:00Z\","
                          " reason: x}\n"),
                  "sla.yaml:7:46: service 'shop': sla exclude entry to must be later than from");
  EXPECT_CONTAINS(errorOf("      objective: 99\n      window: 30d\n      exclude:\n"
                          "        - {from: \"2026-03-01\", to: \"2026-03-02T00:00:00Z\", "
                          "reason: x}\n"),
                  "from: '2026-03-01' is not an RFC 3339 time");
  EXPECT_CONTAINS(
      errorOf("      objective: 99\n      window: 30d\n      exclude:\n"
              "        - {from: \"2026-03-01T00:00:00Z\", to: \"2026-03-02T00:00:00Z\"}\n"),
      "needs from, to (RFC 3339 times) and a reason");
  EXPECT_CONTAINS(errorOf("      {objective: 99, window: 30d, unknown: maybe}\n"),
                  "unknown 'maybe' is not one of down, up, excluded");
  EXPECT_CONTAINS(errorOf("      objective: 99\n      window: 30d\n      burn_alerts:\n"
                          "        - {alert: page, long: 5m, short: 1h, rate: 14.4}\n"),
                  "short must be shorter than long");
  EXPECT_CONTAINS(errorOf("      objective: 99\n      window: 30d\n      burn_alerts:\n"
                          "        - {alert: sms, long: 1h, short: 5m, rate: 14.4}\n"),
                  "alert 'sms' is not page or ticket");
}

TEST(SlaWindowTest, ReadsDurationsAndCalendarPeriods) {
  EXPECT_EQ(SlaWindow::parse("7d")->rolling, std::chrono::hours(24 * 7));
  EXPECT_EQ(SlaWindow::parse("quarter")->calendar, SlaWindow::Calendar::kQuarter);
  EXPECT_FALSE(SlaWindow::parse("0s").ok());
  EXPECT_FALSE(SlaWindow::parse("monthly").ok());
}

TEST(Rfc3339Test, ReadsOffsetsAndFractions) {
  EXPECT_EQ(*parseRfc3339("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(*parseRfc3339("1970-01-01T01:00:01.5+01:00"), 1500);
  EXPECT_EQ(*parseRfc3339("2026-03-29T08:00:00Z"), *parseRfc3339("2026-03-29T10:00:00+02:00"));
  EXPECT_FALSE(parseRfc3339("2026-02-30T00:00:00Z").ok());
  EXPECT_FALSE(parseRfc3339("2026-03-29T08:00:00").ok());
  EXPECT_FALSE(parseRfc3339("2026-03-29T25:00:00Z").ok());
}

}  // namespace
}  // namespace bsm::server
