#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/check_state.h"
#include "server/sla_policy.h"

namespace bsm::server {

// A service's state from `ts_ms` on, as the history recorded it.
struct StatePoint {
  int64_t ts_ms = 0;
  CheckState state = CheckState::kUnknown;
};

// Where a service stands against its SLA over one period. Seconds are measured time up to the
// evaluation time; only the budget looks at the whole period.
struct SlaFigures {
  TimeInterval period;         // the period asked about
  int64_t measured_to_ms = 0;  // min(now, period end): later time has not happened yet

  // Measured time in business hours that is not excluded and has a known state (or an
  // UNKNOWN that the policy counts as up or down): the denominator of availability.
  double counted_seconds = 0;
  double down_seconds = 0;      // CRITICAL, plus UNKNOWN when the policy counts it as down
  double unknown_seconds = 0;   // UNKNOWN in business hours, not excluded, however it counts
  double excluded_seconds = 0;  // business hours excluded by the policy or a maintenance window
  double no_data_seconds = 0;   // business hours before the first recorded state: not counted
  double outside_hours_seconds = 0;  // measured time outside business hours

  // Percent of counted time not down. Empty when nothing counted (no history at all, or only
  // excluded time): an SLA with nothing measured is neither met nor broken.
  std::optional<double> availability;

  // The error budget: the down time the objective allows over the whole period, counting the
  // business hours still ahead of a calendar period as well as the counted time so far.
  double budget_seconds = 0;
  double budget_spent_seconds = 0;
  double budget_remaining_seconds = 0;             // negative once overspent
  std::optional<double> budget_remaining_percent;  // of budget_seconds; empty without a budget

  // How fast the budget burned over the measured time: the down share of counted time over the
  // share the objective allows. 1 spends it exactly by the end of the window; 0 without counted
  // time.
  double burn_rate = 0;
};

// The SLA arithmetic, with no I/O: fed a service's state at the start of a period and its
// changes in order, it sorts every millisecond into counted, down, unknown, excluded, no data
// or outside business hours and sums them. Streaming: a year of flapping never sits in memory.
//
// Only CRITICAL is down; WARNING is degraded but available.
//
// TODO: time while bsm-server itself was stopped is counted in the last recorded state, since
// the history holds no record of the server's own absence; a restart record in the store would
// let that time count as UNKNOWN instead.
class SlaCalculator {
 public:
  // `extra_excluded` are more spans that do not count (maintenance windows that do not count
  // against the SLA), in any order, possibly overlapping each other or the policy's own.
  SlaCalculator(const SlaPolicy& policy, TimeInterval period, int64_t now_ms,
                std::vector<TimeInterval> extra_excluded = {});

  // A change of state at ts_ms, in time order. Changes at or before the period's start set the
  // state it starts in; feed the latest one before the start (if any) first.
  void observe(int64_t ts_ms, CheckState state);
  void observe(const StatePoint& point) { observe(point.ts_ms, point.state); }

  SlaFigures finish();

  // All in one call.
  static SlaFigures compute(const SlaPolicy& policy, TimeInterval period, int64_t now_ms,
                            std::span<const StatePoint> changes,
                            std::vector<TimeInterval> extra_excluded = {});

 private:
  void account(int64_t from_ms, int64_t to_ms);
  // Milliseconds of [from_ms, to_ms) covered by `intervals`, which are sorted; `cursor` skips
  // the intervals earlier segments have passed, since segments only move forward.
  static int64_t coveredMs(const std::vector<TimeInterval>& intervals, size_t& cursor,
                           int64_t from_ms, int64_t to_ms);

  const SlaPolicy& policy_;
  SlaFigures figures_;
  std::vector<TimeInterval> counted_;   // business hours minus exclusions
  std::vector<TimeInterval> excluded_;  // business hours inside exclusions
  std::vector<TimeInterval> hours_;     // business hours
  size_t counted_cursor_ = 0;
  size_t excluded_cursor_ = 0;
  size_t hours_cursor_ = 0;
  std::optional<CheckState> state_;
  int64_t cursor_ms_ = 0;  // everything before it is accounted for
  int64_t up_ms_ = 0;
  int64_t down_ms_ = 0;
  int64_t unknown_ms_ = 0;
  int64_t excluded_ms_ = 0;
  int64_t no_data_ms_ = 0;
  int64_t hours_ms_ = 0;
};

}  // namespace bsm::server
