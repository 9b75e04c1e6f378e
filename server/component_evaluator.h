#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/check_state.h"
#include "server/selector.h"
#include "server/series_store.h"

namespace bsm::server {

// What a component's state is at a given time, and why.
struct ComponentVerdict {
  CheckState state = CheckState::kUnknown;
  std::string reason;
  // False while the component waits for its series' first value: it is shown as UNKNOWN but
  // takes no part in its service's rule yet, so that a new host joining a service does not
  // flap the service through UNKNOWN in the moment between its definition and its data.
  bool counted = true;
};

// What the evaluator needs to know besides the series itself.
struct EvaluationContext {
  int64_t now_ms = 0;  // server clock
  // Set when the series' owner has been disconnected for longer than the grace period: since
  // when it is disconnected.
  std::optional<int64_t> owner_gone_since_ms;
  // When the component was made, for a series that never delivered a value (0: not yet known).
  int64_t pending_since_ms = 0;
  // Stand-in for a series whose agent did not say how often it is produced.
  std::chrono::milliseconds fallback_interval{60'000};
};

// How long a component may go without data before it is UNKNOWN: the selector's stale_after,
// else three of the series' intervals.
std::chrono::milliseconds staleAfter(const Selector& selector, const Series& series,
                                     std::chrono::milliseconds fallback_interval);

// The state of the component that `selector` made of `series`.
//
// In order: an owner disconnected past its grace period; no data for stale_after; no data yet;
// then for checks the check's own state and for metrics the selector's thresholds (crit before
// warn), or, where the selector sets none, the thresholds the source sent with the value
// (Nagios perfdata), read as "above".
ComponentVerdict evaluateComponent(const Selector& selector, const Series& series,
                                   const EvaluationContext& context);

// "31s", "5m 3s", "2h 10m", "3d 4h": a duration as a reason shows it.
std::string humanDuration(int64_t ms);

// "2024-05-01T10:00:00Z".
std::string formatTimestamp(int64_t ms);

}  // namespace bsm::server
