#pragma once

#include <cstdint>
#include <vector>

#include "server/sla_policy.h"

namespace bsm::server {

// Calendar arithmetic in a policy's time zone: where periods start and which instants are
// business hours. Local times are converted with the zone's rules for that very day, so a
// period or a slot keeps its local edges across daylight-saving changes (a 08:00-18:00 slot is
// ten hours on the day the clocks change at 02:00, and that day itself is 23 or 25 hours).

// The calendar period of kind `calendar` that holds `at_ms`. Weeks start on Monday (ISO 8601).
// A local midnight that does not exist (a zone changing its clocks at 00:00) starts the period
// at the change.
TimeInterval calendarPeriodAt(SlaWindow::Calendar calendar, const date::time_zone* zone,
                              int64_t at_ms);

// The consecutive periods that overlap [span.from_ms, span.to_ms), each whole (the first may
// start before span, the last end after it). Stops after `max_periods` so that a request for
// daily rows over a century cannot take the server's memory.
std::vector<TimeInterval> calendarPeriodsOver(SlaWindow::Calendar calendar,
                                              const date::time_zone* zone, TimeInterval span,
                                              size_t max_periods);

// The window a policy measures at `now_ms`: [now - N, now) for a rolling window, the calendar
// period holding now (to its end, which lies ahead) otherwise.
TimeInterval windowAt(const SlaWindow& window, const date::time_zone* zone, int64_t now_ms);

// The business-hour slots inside `span`, sorted and merged; all of `span` without a schedule.
std::vector<TimeInterval> businessIntervals(const std::vector<BusinessHours>& schedule,
                                            const date::time_zone* zone, TimeInterval span);

// Sorted, merged copy of `intervals` (empty ones dropped).
std::vector<TimeInterval> mergeIntervals(std::vector<TimeInterval> intervals);

// `a` minus `b` and `a` intersected with `b`; both inputs sorted and merged.
std::vector<TimeInterval> subtractIntervals(const std::vector<TimeInterval>& a,
                                            const std::vector<TimeInterval>& b);
std::vector<TimeInterval> intersectIntervals(const std::vector<TimeInterval>& a,
                                             const std::vector<TimeInterval>& b);

}  // namespace bsm::server
