#include "server/component_evaluator.h"

#include <algorithm>

#include <cmath>
#include <ctime>

#include <fmt/format.h>

namespace bsm::server {

namespace {

// "system.load1" or "disk.used{mount=/}": the metric as the reason names it.
std::string metricName(const Series& series) {
  return series.labels.empty() ? series.name
                               : series.name + "{" + formatLabels(series.labels) + "}";
}

// " > 5" (or " < 0") for the plain threshold most plugins print, " outside 10:20" or
// " inside @10:20" for the other Nagios ranges.
std::string alertText(const NagiosRange& range, double value) {
  if (auto plain = range.plainUpperBound()) {
    return value < 0 ? " < 0" : " > " + formatNumber(*plain);
  }
  const std::string text = range.toString();
  return (text.front() == '@' ? " inside " : " outside ") + text;
}

std::string firstLine(const std::string& text) {
  const auto end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

ComponentVerdict evaluateMetric(const Selector& selector, const Series& series) {
  const std::string shown = metricName(series) + "=" + formatNumber(series.value);
  if (std::isnan(series.value)) {
    return {CheckState::kUnknown, metricName(series) + " is not a number (NaN)"};
  }
  if (selector.crit || selector.warn) {
    if (selector.crit && selector.crit->matches(series.value)) {
      return {CheckState::kCritical, shown + " " + selector.crit->toString()};
    }
    if (selector.warn && selector.warn->matches(series.value)) {
      return {CheckState::kWarning, shown + " " + selector.warn->toString()};
    }
    return {CheckState::kOk, shown};
  }
  // Without thresholds of its own the selector judges by the source's: the plugin's perfdata
  // warn and crit, in full Nagios range syntax.
  if (series.crit && series.crit->alerts(series.value)) {
    return {CheckState::kCritical,
            shown + alertText(*series.crit, series.value) + " (source crit)"};
  }
  if (series.warn && series.warn->alerts(series.value)) {
    return {CheckState::kWarning, shown + alertText(*series.warn, series.value) + " (source warn)"};
  }
  return {CheckState::kOk, shown};
}

}  // namespace

std::chrono::milliseconds staleAfter(const Selector& selector, const Series& series,
                                     std::chrono::milliseconds fallback_interval) {
  if (selector.stale_after) {
    return *selector.stale_after;
  }
  const auto interval =
      series.interval_ms > 0 ? std::chrono::milliseconds(series.interval_ms) : fallback_interval;
  // Values arrive in batches, up to the agent's batch delay after they were taken, and
  // staleness is judged on arrival; the floor keeps an input that runs every few hundred
  // milliseconds from going UNKNOWN between two batches.
  constexpr std::chrono::milliseconds kMinimumStaleAfter{10'000};
  return std::max(3 * interval, kMinimumStaleAfter);
}

ComponentVerdict evaluateComponent(const Selector& selector, const Series& series,
                                   const EvaluationContext& context) {
  if (context.owner_gone_since_ms) {
    return {CheckState::kUnknown, fmt::format("agent {} disconnected since {}", series.owner,
                                              formatTimestamp(*context.owner_gone_since_ms))};
  }
  const int64_t stale_ms = staleAfter(selector, series, context.fallback_interval).count();
  if (!series.has_data) {
    if (context.pending_since_ms > 0 && context.now_ms - context.pending_since_ms > stale_ms) {
      return {CheckState::kUnknown,
              fmt::format("no data received in the {} since the series was defined",
                          humanDuration(context.now_ms - context.pending_since_ms))};
    }
    return {CheckState::kUnknown, "no data received yet", false};
  }
  if (context.now_ms - series.received_ms > stale_ms) {
    return {CheckState::kUnknown,
            fmt::format("no data for {}", humanDuration(context.now_ms - series.received_ms))};
  }
  if (series.kind == SeriesKind::kCheck) {
    const std::string output = firstLine(series.output);
    return {series.check_state, output.empty() ? "(no output)" : output};
  }
  return evaluateMetric(selector, series);
}

std::string humanDuration(int64_t ms) {
  const int64_t s = ms / 1000;
  if (s < 120) {
    return ms < 1000 ? fmt::format("{}ms", ms) : fmt::format("{}s", s);
  }
  if (s < 2 * 3600) {
    return s % 60 == 0 ? fmt::format("{}m", s / 60) : fmt::format("{}m {}s", s / 60, s % 60);
  }
  if (s < 2 * 86400) {
    const int64_t m = (s / 60) % 60;
    return m == 0 ? fmt::format("{}h", s / 3600) : fmt::format("{}h {}m", s / 3600, m);
  }
  const int64_t h = (s / 3600) % 24;
  return h == 0 ? fmt::format("{}d", s / 86400) : fmt::format("{}d {}h", s / 86400, h);
}

std::string formatTimestamp(int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace bsm::server
