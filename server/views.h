#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "common/check_state.h"
#include "common/sample.h"
#include "server/maintenance_cover.h"
#include "server/series_key.h"

namespace bsm::server {

// An operator's note that a component's problem is known and being handled. It holds until the
// component is OK again or, unless sticky, until its problem changes (WARNING to CRITICAL).
struct Acknowledgement {
  std::string author;
  std::string comment;
  bool sticky = false;
  int64_t ts_ms = 0;
};

// Read-only snapshots of the engine's state, copied out under its lock for the HTTP API and
// anything else that reports. Times are milliseconds since the epoch (UTC); 0 means never.

struct ComponentView {
  std::string host;
  std::string kind;  // "metric" or "check"
  std::string name;  // metric or check name
  Labels labels;
  CheckState state = CheckState::kUnknown;
  std::string reason;           // e.g. "value 9.2 > 8 (crit)", "no data for 30s"
  std::optional<double> value;  // metrics only, latest value
  std::string unit;
  std::string output;        // checks only, latest plugin output
  int64_t since_ms = 0;      // when the state last changed
  int64_t last_seen_ms = 0;  // time of the latest sample or result
  MaintenanceCover maintenance = MaintenanceCover::kNone;
  std::vector<double> recent;  // metrics only: the latest values, oldest first (up to 16)
  std::optional<Acknowledgement> acknowledgement;  // set while acknowledged
};

struct ChildServiceView {
  std::string name;
  CheckState state = CheckState::kUnknown;
  std::string impact;  // "normal", "warning" (capped), "ignore"
};

struct ServiceView {
  std::string name;
  std::string description;
  int criticality = 3;  // 1 is the most important; the model's default is 3
  std::string rule;     // "worst", "best", "at_least 2", "percent 50"
  CheckState state = CheckState::kUnknown;
  std::string reason;
  int64_t since_ms = 0;
  MaintenanceCover maintenance = MaintenanceCover::kNone;
  std::vector<ComponentView> components;   // filled by service(name) only
  std::vector<ChildServiceView> children;  // filled by service(name) only
};

// A leaf component that explains why a service is not OK, as root-cause analysis ranks it.
struct CauseView {
  ComponentView component;
  // The failing services (the one asked about and any other) whose state this component
  // explains, most important first. A cause that explains several ranks above one that explains
  // one.
  std::vector<std::string> affects;
  // The service whose selector made the component (a component is one series in one service).
  std::string service;
};

// One service a host or component affects, for impact analysis.
struct ImpactView {
  std::string name;
  CheckState state = CheckState::kUnknown;
  int criticality = 3;
  // The service's state if the host or component in question were CRITICAL (what-if).
  CheckState state_if_down = CheckState::kUnknown;
};

// Why a service is in its state: its leaf causes, most likely first.
struct RootCauseView {
  std::string service;
  CheckState state = CheckState::kUnknown;
  std::string reason;
  std::vector<CauseView> causes;
};

// Which components a question about impact or what-if means: every component of `host`, or
// only those of one check or metric (`name`, with `kind`); labels, when given, must all match.
struct ComponentQuery {
  std::string host;
  std::optional<SeriesKind> kind;
  std::string name;
  Labels labels;
};

struct ImpactResult {
  size_t components = 0;             // components the query matched
  std::vector<ImpactView> services;  // most important first
};

struct WhatIfChange {
  ComponentQuery component;
  CheckState state = CheckState::kCritical;
};

struct WhatIfServiceView {
  std::string name;
  int criticality = 3;
  CheckState state = CheckState::kUnknown;       // if the hypothetical states held
  CheckState live_state = CheckState::kUnknown;  // now
};

struct WhatIfResult {
  size_t components = 0;                    // components the changes matched
  std::vector<std::string> unmatched;       // changes that matched no component, described
  std::vector<WhatIfServiceView> services;  // those whose state would differ, most important first
};

// The maintenance windows active now, as the engine applies them: each target's strongest
// cover. A host covers every component of the host; a component is a host's check or metric
// (labels are not told apart); a service covers the service itself.
struct ActiveMaintenance {
  std::map<std::string, MaintenanceCover> hosts;
  std::map<std::tuple<std::string, SeriesKind, std::string>, MaintenanceCover> components;
  std::map<std::string, MaintenanceCover> services;
  bool operator==(const ActiveMaintenance&) const = default;
};

// What a new model would change (bsmctl model diff).
struct ModelDiff {
  std::vector<std::string> added;         // services only the new model has
  std::vector<std::string> removed;       // services only the live model has
  std::vector<std::string> changed;       // in both, defined differently
  std::vector<WhatIfServiceView> states;  // in both, whose state would differ
};

struct AgentView {
  std::string id;
  bool connected = false;
  int64_t last_seen_ms = 0;
  std::string address;  // "ip:port" of the current or last session
};

// What the HTTP API asks of the server. Implemented by the service engine; thread-safe.
class ApiBackend {
 public:
  virtual ~ApiBackend() = default;
  virtual std::vector<ServiceView> services() const = 0;                          // summaries only
  virtual std::optional<ServiceView> service(const std::string& name) const = 0;  // with detail
  virtual std::vector<AgentView> agents() const = 0;
};

}  // namespace bsm::server
