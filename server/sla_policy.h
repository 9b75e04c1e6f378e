#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/check_state.h"
#include "common/result.h"

namespace YAML {
class Node;
}

namespace date {
class time_zone;
}

namespace bsm {
class ConfigFile;
}

namespace bsm::server {

// A half-open span of time [from_ms, to_ms), milliseconds since the epoch (UTC).
struct TimeInterval {
  int64_t from_ms = 0;
  int64_t to_ms = 0;
  int64_t length() const { return to_ms > from_ms ? to_ms - from_ms : 0; }
};

// A span that does not count towards the SLA, with the operator's reason. Maintenance windows
// flagged as not counting against the SLA arrive as more of these.
struct ExcludedPeriod {
  TimeInterval span;
  std::string reason;
};

// The period an SLA is measured over: the last N (rolling) or the current calendar period in the
// policy's time zone.
struct SlaWindow {
  enum class Calendar { kNone, kDay, kWeek, kMonth, kQuarter, kYear };

  Calendar calendar = Calendar::kNone;
  std::chrono::milliseconds rolling{0};  // when calendar is kNone
  std::string text;                      // as written: "30d", "month"

  // "30d"-style durations or day, week, month, quarter, year.
  static Result<SlaWindow> parse(std::string_view text);
  bool isCalendar() const { return calendar != Calendar::kNone; }
};

// 0 for "mon" to 6 for "sun", -1 for anything else.
int weekdayIndex(std::string_view name);

// Minutes after local midnight for "HH:MM" ("24:00" is the end of the day), or nothing.
std::optional<int> parseLocalClock(const std::string& text);

// One weekly slot of business hours, e.g. mon-fri 08:00-18:00 local time.
struct BusinessHours {
  std::array<bool, 7> days{};  // indexed by ISO weekday - 1: [0] is Monday, [6] Sunday
  int from_minute = 0;         // minutes after local midnight
  int to_minute = 24 * 60;     // exclusive; 1440 is midnight at the end of the day
};

// How time in UNKNOWN counts (`unknown:` key).
enum class UnknownCounts { kDown, kUp, kExcluded };
const char* toString(UnknownCounts counts);

// One multi-window burn-rate alert: it fires while the error budget burns at `rate` times the
// sustainable pace or faster over both the long and the short window. The short window makes it
// clear soon after the burning stops.
struct BurnAlert {
  std::string name;  // "page" or "ticket"
  std::chrono::milliseconds long_window{0};
  std::chrono::milliseconds short_window{0};
  double rate = 0;
  CheckState severity = CheckState::kWarning;  // CRITICAL for a page, WARNING for a ticket
};

// What a service promises (`sla:` under a service in the model) and how its time is counted.
struct SlaPolicy {
  double objective = 0;  // percent of counted time the service must not be CRITICAL, e.g. 99.9
  SlaWindow window;
  std::string time_zone = "UTC";  // IANA name; calendar periods and business hours are in it
  const date::time_zone* zone = nullptr;  // resolved time_zone, never null after parse()
  // Empty: every hour counts. Otherwise only the time inside one of these slots.
  std::vector<BusinessHours> business_hours;
  std::vector<ExcludedPeriod> exclude;
  UnknownCounts unknown = UnknownCounts::kDown;
  std::vector<BurnAlert> burn_alerts;

  // The share of counted time that may be down: 0.001 for 99.9.
  double allowedDownFraction() const { return 1.0 - objective / 100.0; }

  // Reads the `sla:` mapping; every bad value fails with FILE:LINE:COLUMN (ConfigError).
  static SlaPolicy parse(const ConfigFile& file, const YAML::Node& node,
                         const std::string& service);

  // A policy with defaults (UTC, all hours, default burn alerts), for tests and callers that
  // build one in code.
  static SlaPolicy make(double objective, SlaWindow window);

  // The SRE workbook's pairing for a 30-day budget: a page when 2% of it goes in an hour, a
  // ticket when 5% goes in six hours.
  static std::vector<BurnAlert> defaultBurnAlerts();
};

// The time zone by IANA name, or nullptr when the zone database does not know it.
const date::time_zone* findTimeZone(const std::string& name);

}  // namespace bsm::server
