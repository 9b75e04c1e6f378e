#include "server/sla_calendar.h"

#include <date/tz.h>

#include <algorithm>

namespace bsm::server {

namespace {

using Millis = std::chrono::milliseconds;

date::local_days localDay(const date::time_zone* zone, int64_t at_ms) {
  const auto local = zone->to_local(date::sys_time<Millis>(Millis(at_ms)));
  return date::floor<date::days>(local);
}

int64_t toEpochMs(const date::time_zone* zone, date::local_time<Millis> local) {
  // `earliest` resolves both odd cases: an ambiguous local time (clocks going back) takes its
  // first occurrence, a skipped one (clocks going forward) the instant of the change.
  return zone->to_sys(local, date::choose::earliest).time_since_epoch().count();
}

int64_t toEpochMs(const date::time_zone* zone, date::local_days day) {
  return toEpochMs(zone, date::local_time<Millis>(day));
}

date::local_days firstOfMonth(date::year year, unsigned month) {
  const date::year_month start = date::year_month(year, date::month(1)) + date::months(month - 1);
  return date::local_days(start / 1);
}

}  // namespace

TimeInterval calendarPeriodAt(SlaWindow::Calendar calendar, const date::time_zone* zone,
                              int64_t at_ms) {
  const date::local_days day = localDay(zone, at_ms);
  const date::year_month_day ymd(day);
  const unsigned month = static_cast<unsigned>(ymd.month());
  date::local_days start = day;
  date::local_days end = day + date::days(1);
  switch (calendar) {
    case SlaWindow::Calendar::kNone:
    case SlaWindow::Calendar::kDay:
      break;
    case SlaWindow::Calendar::kWeek:
      start = day - date::days(date::weekday(day).iso_encoding() - 1);
      end = start + date::days(7);
      break;
    case SlaWindow::Calendar::kMonth:
      start = firstOfMonth(ymd.year(), month);
      end = firstOfMonth(ymd.year(), month + 1);
      break;
    case SlaWindow::Calendar::kQuarter: {
      const unsigned first = (month - 1) / 3 * 3 + 1;
      start = firstOfMonth(ymd.year(), first);
      end = firstOfMonth(ymd.year(), first + 3);
      break;
    }
    case SlaWindow::Calendar::kYear:
      start = firstOfMonth(ymd.year(), 1);
      end = firstOfMonth(ymd.year(), 13);
      break;
  }
  return {toEpochMs(zone, start), toEpochMs(zone, end)};
}

std::vector<TimeInterval> calendarPeriodsOver(SlaWindow::Calendar calendar,
                                              const date::time_zone* zone, TimeInterval span,
                                              size_t max_periods) {
  std::vector<TimeInterval> periods;
  int64_t at = span.from_ms;
  while (at < span.to_ms && periods.size() < max_periods) {
    const TimeInterval period = calendarPeriodAt(calendar, zone, at);
    periods.push_back(period);
    at = period.to_ms;
  }
  return periods;
}

TimeInterval windowAt(const SlaWindow& window, const date::time_zone* zone, int64_t now_ms) {
  if (window.isCalendar()) {
    return calendarPeriodAt(window.calendar, zone, now_ms);
  }
  return {now_ms - window.rolling.count(), now_ms};
}

std::vector<TimeInterval> businessIntervals(const std::vector<BusinessHours>& schedule,
                                            const date::time_zone* zone, TimeInterval span) {
  if (schedule.empty()) {
    return mergeIntervals({span});
  }
  std::vector<TimeInterval> out;
  // A day either side: a slot of the local day before `span` starts may reach into it when the
  // zone is far from UTC.
  const date::local_days last = localDay(zone, span.to_ms) + date::days(1);
  for (date::local_days day = localDay(zone, span.from_ms) - date::days(1); day <= last;
       day += date::days(1)) {
    const unsigned weekday = date::weekday(day).iso_encoding();
    for (const BusinessHours& slot : schedule) {
      if (!slot.days[weekday - 1]) {
        continue;
      }
      const auto base = date::local_time<Millis>(day);
      TimeInterval interval{toEpochMs(zone, base + std::chrono::minutes(slot.from_minute)),
                            toEpochMs(zone, base + std::chrono::minutes(slot.to_minute))};
      interval.from_ms = std::max(interval.from_ms, span.from_ms);
      interval.to_ms = std::min(interval.to_ms, span.to_ms);
      if (interval.length() > 0) {
        out.push_back(interval);
      }
    }
  }
  return mergeIntervals(std::move(out));
}

std::vector<TimeInterval> mergeIntervals(std::vector<TimeInterval> intervals) {
  std::erase_if(intervals, [](const TimeInterval& interval) { return interval.length() == 0; });
  std::sort(intervals.begin(), intervals.end(),
            [](const TimeInterval& a, const TimeInterval& b) { return a.from_ms < b.from_ms; });
  std::vector<TimeInterval> out;
  for (const TimeInterval& interval : intervals) {
    if (!out.empty() && interval.from_ms <= out.back().to_ms) {
      out.back().to_ms = std::max(out.back().to_ms, interval.to_ms);
    } else {
      out.push_back(interval);
    }
  }
  return out;
}

std::vector<TimeInterval> subtractIntervals(const std::vector<TimeInterval>& a,
                                            const std::vector<TimeInterval>& b) {
  std::vector<TimeInterval> out;
  size_t j = 0;
  for (const TimeInterval& interval : a) {
    int64_t from = interval.from_ms;
    while (j < b.size() && b[j].to_ms <= from) {
      ++j;
    }
    for (size_t k = j; k < b.size() && b[k].from_ms < interval.to_ms; ++k) {
      if (b[k].from_ms > from) {
        out.push_back({from, b[k].from_ms});
      }
      from = std::max(from, b[k].to_ms);
    }
    if (from < interval.to_ms) {
      out.push_back({from, interval.to_ms});
    }
  }
  return out;
}

std::vector<TimeInterval> intersectIntervals(const std::vector<TimeInterval>& a,
                                             const std::vector<TimeInterval>& b) {
  std::vector<TimeInterval> out;
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() && j < b.size()) {
    const TimeInterval overlap{std::max(a[i].from_ms, b[j].from_ms),
                               std::min(a[i].to_ms, b[j].to_ms)};
    if (overlap.length() > 0) {
      out.push_back(overlap);
    }
    if (a[i].to_ms < b[j].to_ms) {
      ++i;
    } else {
      ++j;
    }
  }
  return out;
}

}  // namespace bsm::server
