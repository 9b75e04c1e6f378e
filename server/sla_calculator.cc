#include "server/sla_calculator.h"

#include <algorithm>

#include "server/sla_calendar.h"

namespace bsm::server {

namespace {

double seconds(int64_t ms) {
  return static_cast<double>(ms) / 1000.0;
}

}  // namespace

SlaCalculator::SlaCalculator(const SlaPolicy& policy, TimeInterval period, int64_t now_ms,
                             std::vector<TimeInterval> extra_excluded)
    : policy_(policy) {
  figures_.period = period;
  figures_.measured_to_ms =
      std::clamp(now_ms, period.from_ms, std::max(period.from_ms, period.to_ms));
  cursor_ms_ = period.from_ms;

  for (const ExcludedPeriod& excluded : policy.exclude) {
    extra_excluded.push_back(excluded.span);
  }
  const std::vector<TimeInterval> exclusions = mergeIntervals(std::move(extra_excluded));
  hours_ = businessIntervals(policy.business_hours, policy.zone, period);
  counted_ = subtractIntervals(hours_, exclusions);
  excluded_ = intersectIntervals(hours_, exclusions);
}

void SlaCalculator::observe(int64_t ts_ms, CheckState state) {
  const int64_t until = std::min(ts_ms, figures_.measured_to_ms);
  if (until > cursor_ms_) {
    account(cursor_ms_, until);
    cursor_ms_ = until;
  }
  state_ = state;
}

int64_t SlaCalculator::coveredMs(const std::vector<TimeInterval>& intervals, size_t& cursor,
                                 int64_t from_ms, int64_t to_ms) {
  while (cursor < intervals.size() && intervals[cursor].to_ms <= from_ms) {
    ++cursor;
  }
  int64_t covered = 0;
  for (size_t i = cursor; i < intervals.size() && intervals[i].from_ms < to_ms; ++i) {
    covered += std::min(to_ms, intervals[i].to_ms) - std::max(from_ms, intervals[i].from_ms);
  }
  return covered;
}

void SlaCalculator::account(int64_t from_ms, int64_t to_ms) {
  hours_ms_ += coveredMs(hours_, hours_cursor_, from_ms, to_ms);
  excluded_ms_ += coveredMs(excluded_, excluded_cursor_, from_ms, to_ms);
  const int64_t counted = coveredMs(counted_, counted_cursor_, from_ms, to_ms);
  if (!state_) {
    no_data_ms_ += counted;
    return;
  }
  switch (*state_) {
    case CheckState::kOk:
    case CheckState::kWarning:
      up_ms_ += counted;
      break;
    case CheckState::kCritical:
      down_ms_ += counted;
      break;
    case CheckState::kUnknown:
      unknown_ms_ += counted;
      if (policy_.unknown == UnknownCounts::kDown) {
        down_ms_ += counted;
      } else if (policy_.unknown == UnknownCounts::kUp) {
        up_ms_ += counted;
      }
      break;
  }
}

SlaFigures SlaCalculator::finish() {
  if (figures_.measured_to_ms > cursor_ms_) {
    account(cursor_ms_, figures_.measured_to_ms);
    cursor_ms_ = figures_.measured_to_ms;
  }
  SlaFigures& f = figures_;
  const int64_t counted_ms = up_ms_ + down_ms_;
  f.counted_seconds = seconds(counted_ms);
  f.down_seconds = seconds(down_ms_);
  f.unknown_seconds = seconds(unknown_ms_);
  f.excluded_seconds = seconds(excluded_ms_);
  f.no_data_seconds = seconds(no_data_ms_);
  f.outside_hours_seconds = seconds(f.measured_to_ms - f.period.from_ms - hours_ms_);

  const double allowed = policy_.allowedDownFraction();
  if (counted_ms > 0) {
    const double down_share = static_cast<double>(down_ms_) / static_cast<double>(counted_ms);
    f.availability = 100.0 * (1.0 - down_share);
    f.burn_rate = down_share / allowed;
  }

  // The rest of the period counts as far as the schedule and the known exclusions say.
  size_t cursor = 0;
  const int64_t ahead_ms = coveredMs(counted_, cursor, f.measured_to_ms, f.period.to_ms);
  f.budget_seconds = allowed * seconds(counted_ms + ahead_ms);
  f.budget_spent_seconds = f.down_seconds;
  f.budget_remaining_seconds = f.budget_seconds - f.budget_spent_seconds;
  if (f.budget_seconds > 0) {
    f.budget_remaining_percent = 100.0 * f.budget_remaining_seconds / f.budget_seconds;
  }
  return f;
}

SlaFigures SlaCalculator::compute(const SlaPolicy& policy, TimeInterval period, int64_t now_ms,
                                  std::span<const StatePoint> changes,
                                  std::vector<TimeInterval> extra_excluded) {
  SlaCalculator calculator(policy, period, now_ms, std::move(extra_excluded));
  for (const StatePoint& change : changes) {
    calculator.observe(change);
  }
  return calculator.finish();
}

}  // namespace bsm::server
