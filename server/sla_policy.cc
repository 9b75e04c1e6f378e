#include "server/sla_policy.h"

#include <date/tz.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "common/config_file.h"
#include "common/duration.h"
#include "common/time_format.h"

namespace bsm::server {

namespace {

constexpr std::array<std::string_view, 7> kDayNames = {"mon", "tue", "wed", "thu",
                                                       "fri", "sat", "sun"};

// `days: [mon, tue]` or with ranges, `days: [mon-fri, sun]`.
void parseDays(const ConfigFile& file, const YAML::Node& node, const std::string& context,
               std::array<bool, 7>& days) {
  file.requireSequence(node, context + " days");
  for (const auto& entry : node) {
    const std::string text = file.asString(entry, context + " day");
    const size_t dash = text.find('-');
    const int first = weekdayIndex(text.substr(0, dash));
    const int last = dash == std::string::npos ? first : weekdayIndex(text.substr(dash + 1));
    if (first < 0 || last < 0 || last < first) {
      file.fail(entry, context + " day '" + text +
                           "' is not one of mon, tue, wed, thu, fri, sat, sun or a range "
                           "such as mon-fri");
    }
    for (int day = first; day <= last; ++day) {
      days[static_cast<size_t>(day)] = true;
    }
  }
  if (node.size() == 0) {
    file.fail(node, context + " days is empty; name at least one day");
  }
}

BusinessHours parseBusinessHours(const ConfigFile& file, const YAML::Node& node,
                                 const std::string& context) {
  file.requireMap(node, context);
  file.rejectUnknownKeys(node, {"days", "from", "to"}, context);
  if (!node["days"] || !node["from"] || !node["to"]) {
    file.fail(node, context +
                        " needs days, from and to, e.g. {days: [mon-fri], from: \"08:00\", "
                        "to: \"18:00\"}");
  }
  BusinessHours hours;
  parseDays(file, node["days"], context, hours.days);
  const auto clock = [&](const char* key) {
    const std::string text = file.getString(node, key);
    const auto minutes = parseLocalClock(text);
    if (!minutes) {
      file.fail(node[key], context + " " + key + " '" + text +
                               "' is not a local time HH:MM between 00:00 and 24:00");
    }
    return *minutes;
  };
  hours.from_minute = clock("from");
  hours.to_minute = clock("to");
  if (hours.from_minute >= hours.to_minute) {
    // A slot over midnight would belong to two days; two slots say which day each half is on.
    file.fail(node["to"], context +
                              " to must be later than from on the same day; split a slot "
                              "over midnight in two (..-24:00 and 00:00-..)");
  }
  return hours;
}

ExcludedPeriod parseExclusion(const ConfigFile& file, const YAML::Node& node,
                              const std::string& context) {
  file.requireMap(node, context);
  file.rejectUnknownKeys(node, {"from", "to", "reason"}, context);
  if (!node["from"] || !node["to"] || !node["reason"]) {
    file.fail(node, context + " needs from, to (RFC 3339 times) and a reason");
  }
  const auto time = [&](const char* key) {
    auto parsed = parseRfc3339(file.getString(node, key));
    if (!parsed) {
      file.fail(node[key], context + " " + key + ": " + parsed.error().message);
    }
    return *parsed;
  };
  ExcludedPeriod period;
  period.span.from_ms = time("from");
  period.span.to_ms = time("to");
  period.reason = file.getString(node, "reason");
  if (period.span.from_ms >= period.span.to_ms) {
    file.fail(node["to"], context + " to must be later than from");
  }
  if (period.reason.empty()) {
    file.fail(node["reason"], context + " reason must say why the time does not count");
  }
  return period;
}

BurnAlert parseBurnAlert(const ConfigFile& file, const YAML::Node& node,
                         const std::string& context) {
  file.requireMap(node, context);
  file.rejectUnknownKeys(node, {"alert", "long", "short", "rate"}, context);
  if (!node["alert"] || !node["long"] || !node["short"] || !node["rate"]) {
    file.fail(node, context +
                        " needs alert (page or ticket), long, short and rate, e.g. "
                        "{alert: page, long: 1h, short: 5m, rate: 14.4}");
  }
  BurnAlert alert;
  alert.name = file.getString(node, "alert");
  if (alert.name == "page") {
    alert.severity = CheckState::kCritical;
  } else if (alert.name == "ticket") {
    alert.severity = CheckState::kWarning;
  } else {
    file.fail(node["alert"], context + " alert '" + alert.name + "' is not page or ticket");
  }
  alert.long_window = file.getDuration(node, "long", std::chrono::milliseconds(0));
  alert.short_window = file.getDuration(node, "short", std::chrono::milliseconds(0));
  alert.rate = file.getNumber(node, "rate", 0);
  if (alert.long_window.count() <= 0 || alert.short_window.count() <= 0) {
    file.fail(node, context + " long and short must be longer than zero");
  }
  if (alert.short_window >= alert.long_window) {
    file.fail(node["short"], context + " short must be shorter than long");
  }
  if (!(alert.rate > 0)) {
    file.fail(node["rate"], context + " rate must be above 0 (1 spends the budget exactly)");
  }
  return alert;
}

}  // namespace

const char* toString(UnknownCounts counts) {
  switch (counts) {
    case UnknownCounts::kDown:
      return "down";
    case UnknownCounts::kUp:
      return "up";
    case UnknownCounts::kExcluded:
      return "excluded";
  }
  return "down";
}

Result<SlaWindow> SlaWindow::parse(std::string_view text) {
  static constexpr std::pair<std::string_view, Calendar> kCalendars[] = {
      {"day", Calendar::kDay},         {"week", Calendar::kWeek}, {"month", Calendar::kMonth},
      {"quarter", Calendar::kQuarter}, {"year", Calendar::kYear},
  };
  SlaWindow window;
  window.text = std::string(text);
  for (const auto& [name, calendar] : kCalendars) {
    if (text == name) {
      window.calendar = calendar;
      return window;
    }
  }
  auto duration = parseDuration(text);
  if (!duration || duration->count() <= 0) {
    return Error{"window '" + std::string(text) +
                 "' is neither a duration such as 30d nor one of day, week, month, quarter, year"};
  }
  window.rolling = *duration;
  return window;
}

int weekdayIndex(std::string_view name) {
  const auto found = std::find(kDayNames.begin(), kDayNames.end(), name);
  return found == kDayNames.end() ? -1 : static_cast<int>(found - kDayNames.begin());
}

// Minutes after midnight for "HH:MM"; "24:00" is the end of the day.
std::optional<int> parseLocalClock(const std::string& text) {
  if (text.size() != 5 || text[2] != ':') {
    return std::nullopt;
  }
  int hours = 0;
  int minutes = 0;
  if (std::from_chars(text.data(), text.data() + 2, hours).ptr != text.data() + 2 ||
      std::from_chars(text.data() + 3, text.data() + 5, minutes).ptr != text.data() + 5) {
    return std::nullopt;
  }
  if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0)) {
    return std::nullopt;
  }
  return hours * 60 + minutes;
}

const date::time_zone* findTimeZone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::runtime_error&) {
    return nullptr;
  }
}

std::vector<BurnAlert> SlaPolicy::defaultBurnAlerts() {
  using std::chrono::hours;
  using std::chrono::minutes;
  // Rates for a 30-day window (SRE workbook, "alerting on SLOs"): 14.4 over an hour spends 2% of
  // the budget, 6 over six hours spends 5%. The ticket is the 6h/30m pair rather than the
  // workbook's 3d/6h at rate 1: it needs six hours of history per evaluation instead of three
  // days, and clears half an hour after the burning stops instead of six hours; slower leaks
  // still show in the remaining budget. A 3d/6h ticket is one burn_alerts entry away.
  return {
      {"page", hours(1), minutes(5), 14.4, CheckState::kCritical},
      {"ticket", hours(6), minutes(30), 6, CheckState::kWarning},
  };
}

SlaPolicy SlaPolicy::make(double objective, SlaWindow window) {
  SlaPolicy policy;
  policy.objective = objective;
  policy.window = std::move(window);
  policy.zone = findTimeZone("UTC");
  policy.burn_alerts = defaultBurnAlerts();
  return policy;
}

SlaPolicy SlaPolicy::parse(const ConfigFile& file, const YAML::Node& node,
                           const std::string& service) {
  const std::string context = "service '" + service + "': sla";
  file.requireMap(node, context);
  file.rejectUnknownKeys(
      node,
      {"objective", "window", "time_zone", "business_hours", "exclude", "unknown", "burn_alerts"},
      context);
  if (!node["objective"] || !node["window"]) {
    file.fail(node, context + " needs both objective (percent, e.g. 99.9) and window (e.g. 30d)");
  }
  SlaPolicy policy;
  policy.objective = file.getNumber(node, "objective", 0);
  // 100 leaves no error budget at all: every burn rate would divide by zero.
  if (!(policy.objective > 0 && policy.objective < 100)) {
    file.fail(node["objective"], context + " objective is a percentage above 0 and below 100");
  }
  auto window = SlaWindow::parse(file.getString(node, "window"));
  if (!window) {
    file.fail(node["window"], context + " " + window.error().message);
  }
  policy.window = std::move(*window);

  policy.time_zone = file.getOptionalString(node, "time_zone").value_or("UTC");
  policy.zone = findTimeZone(policy.time_zone);
  if (policy.zone == nullptr) {
    file.fail(node["time_zone"], context + " time_zone '" + policy.time_zone +
                                     "' is not in the time zone database (/usr/share/zoneinfo); "
                                     "use an IANA name such as Europe/Berlin");
  }

  if (const YAML::Node hours = node["business_hours"]) {
    file.requireSequence(hours, context + " business_hours");
    for (const auto& slot : hours) {
      policy.business_hours.push_back(
          parseBusinessHours(file, slot, context + " business_hours entry"));
    }
  }
  if (const YAML::Node exclude = node["exclude"]) {
    file.requireSequence(exclude, context + " exclude");
    for (const auto& entry : exclude) {
      policy.exclude.push_back(parseExclusion(file, entry, context + " exclude entry"));
    }
  }

  // UNKNOWN counts as down by default. An agent that loses its host (power, network, kernel
  // panic) leaves its components UNKNOWN, not CRITICAL, so counting UNKNOWN as anything else
  // would hide the very outages an SLA is about; it is also how Icinga's SLA reports count a
  // service's UNKNOWN. Who trusts their monitoring less than their service may say `excluded`.
  const std::string unknown = file.getOptionalString(node, "unknown").value_or("down");
  if (unknown == "down") {
    policy.unknown = UnknownCounts::kDown;
  } else if (unknown == "up") {
    policy.unknown = UnknownCounts::kUp;
  } else if (unknown == "excluded") {
    policy.unknown = UnknownCounts::kExcluded;
  } else {
    file.fail(node["unknown"],
              context + " unknown '" + unknown + "' is not one of down, up, excluded");
  }

  if (const YAML::Node alerts = node["burn_alerts"]) {
    // An empty list is allowed: it turns burn-rate alerts off for this service.
    file.requireSequence(alerts, context + " burn_alerts");
    for (const auto& entry : alerts) {
      policy.burn_alerts.push_back(parseBurnAlert(file, entry, context + " burn_alerts entry"));
    }
  } else {
    policy.burn_alerts = defaultBurnAlerts();
  }
  return policy;
}

}  // namespace bsm::server
