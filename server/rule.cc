#include "server/rule.h"

#include <cmath>

#include <fmt/format.h>

#include "server/threshold.h"

namespace bsm::server {

namespace {

// States from most to least severe, the order in which a summary lists them.
constexpr CheckState kBySeverity[] = {CheckState::kCritical, CheckState::kUnknown,
                                      CheckState::kWarning, CheckState::kOk};

std::string children(int64_t n) {
  return n == 1 ? "1 child" : fmt::format("{} children", n);
}

// "2 CRITICAL, 1 OK", most severe first, states with no child left out.
std::string breakdown(const StateCounts& counts) {
  std::string text;
  for (CheckState state : kBySeverity) {
    if (counts.count(state) > 0) {
      text += text.empty() ? "" : ", ";
      text += fmt::format("{} {}", counts.count(state), toString(state));
    }
  }
  return text;
}

std::string ignoredNote(const StateCounts& counts) {
  return counts.ignored() > 0 ? fmt::format("; {} ignored", counts.ignored()) : "";
}

RuleOutcome extreme(const StateCounts& counts, bool want_worst) {
  CheckState found = CheckState::kUnknown;
  bool any = false;
  for (CheckState state : kBySeverity) {
    if (counts.count(state) > 0 && (!any || !want_worst)) {
      found = state;
      any = true;
    }
  }
  const int64_t total = counts.total();
  const std::string which = want_worst ? "worst" : "best";
  if (total == 1) {
    return {found, fmt::format("its only child is {}{}", toString(found), ignoredNote(counts))};
  }
  if (counts.count(found) == total) {
    return {found,
            fmt::format("all {} {}{}", children(total), toString(found), ignoredNote(counts))};
  }
  return {found, fmt::format("{} of {} is {} ({}){}", which, children(total), toString(found),
                             breakdown(counts), ignoredNote(counts))};
}

}  // namespace

std::string Rule::describe() const {
  switch (kind_) {
    case Kind::kWorst:
      return "worst";
    case Kind::kBest:
      return "best";
    case Kind::kAtLeast:
      return fmt::format("at_least {}", at_least_);
    case Kind::kPercent:
      return fmt::format("percent {}", formatNumber(percent_));
  }
  return "worst";
}

int64_t Rule::needed(int64_t total) const {
  if (kind_ == Kind::kAtLeast) {
    return at_least_;
  }
  // The small slack absorbs binary rounding (33.3% of 3 is 0.999); a real fraction of a
  // child is never that close to a whole number for percentages people write.
  const double exact = percent_ * static_cast<double>(total) / 100.0;
  return static_cast<int64_t>(std::ceil(exact - 1e-9));
}

RuleOutcome Rule::evaluate(const StateCounts& counts) const {
  const int64_t total = counts.total();
  if (total == 0) {
    if (counts.ignored() > 0) {
      return {CheckState::kUnknown,
              fmt::format("all {} are ignored (impact: ignore), none counts toward the state",
                          children(counts.ignored()))};
    }
    return {CheckState::kUnknown, "no components match its selectors yet"};
  }
  if (kind_ == Kind::kWorst || kind_ == Kind::kBest) {
    return extreme(counts, kind_ == Kind::kWorst);
  }

  const int64_t n = needed(total);
  const int64_t ok = counts.count(CheckState::kOk);
  const int64_t ok_or_warning = ok + counts.count(CheckState::kWarning);
  const int64_t not_critical = ok_or_warning + counts.count(CheckState::kUnknown);
  const std::string need = kind_ == Kind::kAtLeast
                               ? fmt::format("at least {} needed", n)
                               : fmt::format("{}% needed, that is {}", formatNumber(percent_), n);
  const std::string head = fmt::format("{} of {} OK, {}", ok, children(total), need);
  const std::string tail = ok == total
                               ? ignoredNote(counts)
                               : fmt::format(" ({}){}", breakdown(counts), ignoredNote(counts));
  if (ok >= n) {
    return {CheckState::kOk, head + tail};
  }
  if (ok_or_warning >= n) {
    return {CheckState::kWarning, head + tail};
  }
  if (not_critical >= n) {
    return {CheckState::kUnknown, head + tail};
  }
  return {CheckState::kCritical, head + tail};
}

}  // namespace bsm::server
