#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/result.h"
#include "server/series_key.h"
#include "server/sla_policy.h"
#include "server/views.h"

namespace date {
class time_zone;
}

namespace bsm::server {

// What a maintenance window covers: every component of a host, one check or metric of a host,
// or a service itself.
struct MaintenanceTarget {
  std::string host;
  std::optional<SeriesKind> kind;  // with host and name: one check or metric
  std::string name;
  std::string service;

  // "host db-1", "check pgsql on db-1", "service checkout".
  std::string describe() const;
};

// Planned work: when it happens, what it covers and whether its time counts against SLAs.
//
// A one-off window runs from start to end. A weekly window runs in its slots (local time in its
// zone, so "Sunday 02:00-04:00 Europe/Berlin" follows daylight saving time) between start and
// end, where end 0 means for good.
struct MaintenanceWindow {
  int64_t id = 0;
  MaintenanceTarget target;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  std::vector<BusinessHours> weekly;  // empty: one-off
  std::string time_zone = "UTC";
  const date::time_zone* zone = nullptr;  // resolved time_zone; set for weekly windows
  bool counts_against_sla = false;
  std::string reason;
  std::string author;
  int64_t created_ms = 0;

  bool activeAt(int64_t now_ms) const;
  // Over for good at now_ms (a weekly window with no end never is).
  bool endedBy(int64_t now_ms) const { return end_ms != 0 && now_ms >= end_ms; }
  MaintenanceCover cover() const {
    return counts_against_sla ? MaintenanceCover::kCounted : MaintenanceCover::kExcluded;
  }

  // Reads a window from the API's JSON form (docs/api.md), `now_ms` standing in for a missing
  // start. Errors name the field.
  static Result<MaintenanceWindow> fromJson(const nlohmann::json& body, int64_t now_ms);
  nlohmann::json toJson() const;
};

// The strongest cover per target of the windows active at now_ms.
ActiveMaintenance activeMaintenance(const std::vector<MaintenanceWindow>& windows, int64_t now_ms);

}  // namespace bsm::server
