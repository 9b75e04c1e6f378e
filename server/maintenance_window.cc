#include "server/maintenance_window.h"

#include <date/tz.h>

#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "common/time_format.h"

namespace bsm::server {

namespace {

// Bounds what one window may hold; windows come from an API request.
constexpr size_t kMaxText = 1024;
constexpr size_t kMaxSlots = 64;

constexpr const char* kDayNames[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

Result<std::string> optionalText(const nlohmann::json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) {
    return std::string();
  }
  if (!body[key].is_string()) {
    return Error{fmt::format("{} must be a string", key)};
  }
  std::string text = body[key].get<std::string>();
  if (text.size() > kMaxText) {
    return Error{fmt::format("{} is longer than {} bytes", key, kMaxText)};
  }
  return text;
}

Result<BusinessHours> parseSlot(const nlohmann::json& slot, const std::string& where) {
  if (!slot.is_object() || !slot.contains("days") || !slot["days"].is_array() ||
      !slot.contains("from") || !slot["from"].is_string() || !slot.contains("to") ||
      !slot["to"].is_string()) {
    return Error{where +
                 " needs days (a list), from and to, e.g. {\"days\": [\"sun\"], \"from\": "
                 "\"02:00\", \"to\": \"04:00\"}"};
  }
  BusinessHours hours;
  for (const auto& day : slot["days"]) {
    const std::string text = day.is_string() ? day.get<std::string>() : day.dump();
    const size_t dash = text.find('-');
    const int first = weekdayIndex(text.substr(0, dash));
    const int last = dash == std::string::npos ? first : weekdayIndex(text.substr(dash + 1));
    if (first < 0 || last < first) {
      return Error{where + " day '" + text.substr(0, 40) +
                   "' is not one of mon..sun or a range such as mon-fri"};
    }
    for (int d = first; d <= last; ++d) {
      hours.days[static_cast<size_t>(d)] = true;
    }
  }
  if (slot["days"].empty()) {
    return Error{where + " days is empty"};
  }
  const auto from = parseLocalClock(slot["from"].get<std::string>());
  const auto to = parseLocalClock(slot["to"].get<std::string>());
  if (!from || !to) {
    return Error{where + " from and to are local times HH:MM between 00:00 and 24:00"};
  }
  if (*from >= *to) {
    return Error{where + " to must be later than from; split a slot over midnight in two"};
  }
  hours.from_minute = *from;
  hours.to_minute = *to;
  return hours;
}

Result<int64_t> timeField(const nlohmann::json& body, const char* key) {
  if (!body[key].is_string()) {
    return Error{fmt::format("{} must be an RFC 3339 time such as 2026-12-06T02:00:00Z", key)};
  }
  auto parsed = parseRfc3339(body[key].get<std::string>());
  if (!parsed) {
    return Error{fmt::format("{}: {}", key, parsed.error().message)};
  }
  return *parsed;
}

}  // namespace

std::string MaintenanceTarget::describe() const {
  if (!service.empty()) {
    return "service " + service;
  }
  if (kind) {
    return fmt::format("{} {} on {}", toString(*kind), name, host);
  }
  return "host " + host;
}

bool MaintenanceWindow::activeAt(int64_t now_ms) const {
  if (now_ms < start_ms || endedBy(now_ms)) {
    return false;
  }
  if (weekly.empty()) {
    return true;
  }
  const auto instant =
      std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>(
          std::chrono::milliseconds(now_ms));
  const auto local = date::make_zoned(zone, instant).get_local_time();
  const auto day = date::floor<date::days>(local);
  const int weekday = static_cast<int>(date::weekday(day).iso_encoding()) - 1;
  const int minute =
      static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(local - day).count());
  for (const BusinessHours& slot : weekly) {
    if (slot.days[static_cast<size_t>(weekday)] && minute >= slot.from_minute &&
        minute < slot.to_minute) {
      return true;
    }
  }
  return false;
}

Result<MaintenanceWindow> MaintenanceWindow::fromJson(const nlohmann::json& body, int64_t now_ms) {
  if (!body.is_object()) {
    return Error{"the body must be a JSON object"};
  }
  static const std::vector<std::string> kKeys = {
      "host",   "check",    "metric", "service",   "start",
      "end",    "duration", "weekly", "time_zone", "counts_against_sla",
      "reason", "author"};
  for (const auto& [key, value] : body.items()) {
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      return Error{"unknown field '" + key.substr(0, 40) + "'"};
    }
  }
  MaintenanceWindow window;
  auto host = optionalText(body, "host");
  auto check = optionalText(body, "check");
  auto metric = optionalText(body, "metric");
  auto service = optionalText(body, "service");
  auto reason = optionalText(body, "reason");
  auto author = optionalText(body, "author");
  for (const auto* field : {&host, &check, &metric, &service, &reason, &author}) {
    if (!*field) {
      return field->error();
    }
  }
  if (host->empty() == service->empty()) {
    return Error{"give either host (with check or metric, optionally) or service"};
  }
  if (!check->empty() && !metric->empty()) {
    return Error{"give check or metric, not both"};
  }
  if (!service->empty() && (!check->empty() || !metric->empty())) {
    return Error{"check and metric go with host, not with service"};
  }
  window.target.host = *host;
  window.target.service = *service;
  if (!check->empty()) {
    window.target.kind = SeriesKind::kCheck;
    window.target.name = *check;
  } else if (!metric->empty()) {
    window.target.kind = SeriesKind::kMetric;
    window.target.name = *metric;
  }
  if (reason->empty()) {
    return Error{"reason is required: say what the work is, for whoever wonders at 3 am"};
  }
  window.reason = *reason;
  window.author = *author;

  window.start_ms = now_ms;
  if (body.contains("start")) {
    auto start = timeField(body, "start");
    if (!start) {
      return start.error();
    }
    window.start_ms = *start;
  }
  if (body.contains("end") && body.contains("duration")) {
    return Error{"give end or duration, not both"};
  }
  if (body.contains("end")) {
    auto end = timeField(body, "end");
    if (!end) {
      return end.error();
    }
    window.end_ms = *end;
  } else if (body.contains("duration")) {
    if (!body["duration"].is_string()) {
      return Error{"duration must be a string such as \"2h\""};
    }
    auto duration = parseDuration(body["duration"].get<std::string>());
    if (!duration || duration->count() <= 0) {
      return Error{"duration: " +
                   (duration ? std::string("must be longer than zero") : duration.error().message)};
    }
    window.end_ms = window.start_ms + duration->count();
  }

  if (body.contains("weekly")) {
    if (!body["weekly"].is_array() || body["weekly"].empty() || body["weekly"].size() > kMaxSlots) {
      return Error{fmt::format("weekly must be a list of 1 to {} slots", kMaxSlots)};
    }
    for (size_t i = 0; i < body["weekly"].size(); ++i) {
      auto slot = parseSlot(body["weekly"][i], fmt::format("weekly[{}]:", i));
      if (!slot) {
        return slot.error();
      }
      window.weekly.push_back(*slot);
    }
  } else if (window.end_ms == 0) {
    return Error{"a one-off window needs end or duration; a recurring one needs weekly"};
  }
  if (window.end_ms != 0 && window.end_ms <= window.start_ms) {
    return Error{"end must be after start"};
  }

  auto zone_name = optionalText(body, "time_zone");
  if (!zone_name) {
    return zone_name.error();
  }
  if (!zone_name->empty()) {
    window.time_zone = *zone_name;
  }
  window.zone = findTimeZone(window.time_zone);
  if (window.zone == nullptr) {
    return Error{"time_zone '" + window.time_zone.substr(0, 64) +
                 "' is not a known IANA time zone such as Europe/Berlin"};
  }

  if (body.contains("counts_against_sla")) {
    if (!body["counts_against_sla"].is_boolean()) {
      return Error{"counts_against_sla must be true or false"};
    }
    window.counts_against_sla = body["counts_against_sla"].get<bool>();
  }
  return window;
}

nlohmann::json MaintenanceWindow::toJson() const {
  nlohmann::json out = {{"id", id}};
  if (!target.service.empty()) {
    out["service"] = target.service;
  } else {
    out["host"] = target.host;
    if (target.kind) {
      out[*target.kind == SeriesKind::kCheck ? "check" : "metric"] = target.name;
    }
  }
  out["start"] = formatRfc3339(start_ms);
  out["end"] = end_ms == 0 ? nlohmann::json(nullptr) : nlohmann::json(formatRfc3339(end_ms));
  if (!weekly.empty()) {
    nlohmann::json slots = nlohmann::json::array();
    for (const BusinessHours& slot : weekly) {
      nlohmann::json days = nlohmann::json::array();
      for (size_t d = 0; d < 7; ++d) {
        if (slot.days[d]) {
          days.push_back(kDayNames[d]);
        }
      }
      slots.push_back(
          {{"days", days},
           {"from", fmt::format("{:02}:{:02}", slot.from_minute / 60, slot.from_minute % 60)},
           {"to", fmt::format("{:02}:{:02}", slot.to_minute / 60, slot.to_minute % 60)}});
    }
    out["weekly"] = std::move(slots);
  }
  out["time_zone"] = time_zone;
  out["counts_against_sla"] = counts_against_sla;
  out["reason"] = reason;
  out["author"] = author;
  out["created"] = formatRfc3339(created_ms);
  return out;
}

ActiveMaintenance activeMaintenance(const std::vector<MaintenanceWindow>& windows, int64_t now_ms) {
  ActiveMaintenance active;
  for (const MaintenanceWindow& window : windows) {
    if (!window.activeAt(now_ms)) {
      continue;
    }
    const MaintenanceCover cover = window.cover();
    auto raise = [cover](MaintenanceCover& slot) { slot = strongest(slot, cover); };
    if (!window.target.service.empty()) {
      raise(active.services[window.target.service]);
    } else if (window.target.kind) {
      raise(active.components[{window.target.host, *window.target.kind, window.target.name}]);
    } else {
      raise(active.hosts[window.target.host]);
    }
  }
  return active;
}

}  // namespace bsm::server
