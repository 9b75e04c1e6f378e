#include "server/rule.h"

#include <cmath>

#include <fmt/format.h>

#include "server/threshold.h"

namespace bsm::server {

namespace {

// States from most to least severe, the order in which a summary lists them.
constexpr CheckState kBySeverity[] = {CheckState::kCritical, CheckState::kUnknown,
                                      CheckState::kWarning, CheckState::kOk};

// Absorbs binary rounding when shares are compared (33.3% of 3 is 0.999).
constexpr double kShareSlack = 1e-9;

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

// " (1 CRITICAL, 2 OK); 1 ignored", or only the ignored note when every child is OK.
std::string tail(const StateCounts& counts) {
  return counts.count(CheckState::kOk) == counts.total()
             ? ignoredNote(counts)
             : fmt::format(" ({}){}", breakdown(counts), ignoredNote(counts));
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

double share(int64_t part, int64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

int64_t ChildCount::resolve(int64_t total) const {
  if (!is_percent_) {
    return n_;
  }
  const double exact = percent_ * static_cast<double>(total) / 100.0;
  return static_cast<int64_t>(std::ceil(exact - kShareSlack));
}

std::string ChildCount::describe() const {
  return is_percent_ ? formatNumber(percent_) + "%" : std::to_string(n_);
}

Rule Rule::atLeast(ChildCount n) {
  Rule rule(Kind::kAtLeast);
  rule.ok_at_least_ = n;
  rule.warn_at_least_ = n;
  return rule;
}

Rule Rule::levels(ChildCount ok_at_least, ChildCount warn_at_least) {
  Rule rule(Kind::kLevels);
  rule.ok_at_least_ = ok_at_least;
  rule.warn_at_least_ = warn_at_least;
  return rule;
}

Rule Rule::exactly(int64_t n) {
  Rule rule(Kind::kExactly);
  rule.exactly_ = n;
  return rule;
}

Rule Rule::weighted(double warning_share, double critical_share) {
  Rule rule(Kind::kWeighted);
  rule.warning_share_ = warning_share;
  rule.critical_share_ = critical_share;
  return rule;
}

std::string Rule::describe() const {
  switch (kind_) {
    case Kind::kWorst:
      return "worst";
    case Kind::kBest:
      return "best";
    case Kind::kAtLeast:
      return "at_least " + ok_at_least_.describe();
    case Kind::kLevels:
      return fmt::format("ok_at_least {} warn_at_least {}", ok_at_least_.describe(),
                         warn_at_least_.describe());
    case Kind::kExactly:
      return fmt::format("exactly {}", exactly_);
    case Kind::kWeighted:
      return fmt::format("weighted warning {}% critical {}%", formatNumber(warning_share_),
                         formatNumber(critical_share_));
  }
  return "worst";
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
  switch (kind_) {
    case Kind::kWorst:
    case Kind::kBest:
      return extreme(counts, kind_ == Kind::kWorst);
    case Kind::kAtLeast:
    case Kind::kLevels:
      return evaluateLevels(counts);
    case Kind::kExactly:
      return evaluateExactly(counts);
    case Kind::kWeighted:
      return evaluateWeighted(counts);
  }
  return extreme(counts, true);
}

RuleOutcome Rule::evaluateLevels(const StateCounts& counts) const {
  const int64_t total = counts.total();
  const int64_t ok_needed = ok_at_least_.resolve(total);
  const int64_t warn_needed = warn_at_least_.resolve(total);
  const int64_t ok = counts.count(CheckState::kOk);
  const int64_t available = ok + counts.count(CheckState::kWarning);
  const int64_t not_critical = available + counts.count(CheckState::kUnknown);

  std::string need;
  if (kind_ == Kind::kAtLeast) {
    need = ok_at_least_.isPercent()
               ? fmt::format("{} needed, that is {}", ok_at_least_.describe(), ok_needed)
               : fmt::format("at least {} needed", ok_needed);
  } else {
    need = fmt::format("{} needed for OK, {} available for WARNING", ok_needed, warn_needed);
  }
  const std::string reason =
      fmt::format("{} of {} OK, {}{}", ok, children(total), need, tail(counts));
  if (ok >= ok_needed) {
    return {CheckState::kOk, reason};
  }
  if (available >= warn_needed) {
    return {CheckState::kWarning, reason};
  }
  if (not_critical >= warn_needed) {
    return {CheckState::kUnknown, reason};
  }
  return {CheckState::kCritical, reason};
}

RuleOutcome Rule::evaluateExactly(const StateCounts& counts) const {
  const int64_t total = counts.total();
  const int64_t ok = counts.count(CheckState::kOk);
  const std::string reason = fmt::format("{} of {} OK, exactly {} expected{}", ok, children(total),
                                         exactly_, tail(counts));
  if (ok == exactly_) {
    return {CheckState::kOk, reason};
  }
  if (ok > exactly_) {
    return {CheckState::kWarning, reason};
  }
  if (ok + counts.count(CheckState::kUnknown) >= exactly_) {
    return {CheckState::kUnknown, reason};
  }
  return {CheckState::kCritical, reason};
}

RuleOutcome Rule::evaluateWeighted(const StateCounts& counts) const {
  const int64_t total = counts.totalWeight();
  const int64_t critical = counts.weight(CheckState::kCritical);
  const int64_t unknown = counts.weight(CheckState::kUnknown);
  const int64_t not_ok = total - counts.weight(CheckState::kOk);
  const std::string reason = fmt::format(
      "{}% of the weight CRITICAL (critical at {}%), {}% not OK (warning at {}%){}",
      formatNumber(std::round(share(critical, total) * 10) / 10), formatNumber(critical_share_),
      formatNumber(std::round(share(not_ok, total) * 10) / 10), formatNumber(warning_share_),
      tail(counts));
  if (share(critical, total) >= critical_share_ - kShareSlack) {
    return {CheckState::kCritical, reason};
  }
  if (share(critical + unknown, total) >= critical_share_ - kShareSlack) {
    return {CheckState::kUnknown, reason};
  }
  if (share(not_ok, total) >= warning_share_ - kShareSlack) {
    return {CheckState::kWarning, reason};
  }
  return {CheckState::kOk, reason};
}

bool Rule::explains(CheckState service, CheckState child, const StateCounts& counts) const {
  if (service == CheckState::kOk) {
    return false;
  }
  switch (kind_) {
    case Kind::kWorst:
      return child == service;
    case Kind::kExactly:
      // Too many active members: the OK ones are the surprise.
      if (service == CheckState::kWarning && counts.count(CheckState::kOk) > exactly_) {
        return child == CheckState::kOk;
      }
      return child != CheckState::kOk;
    case Kind::kWeighted:
      if (service == CheckState::kCritical) {
        return child == CheckState::kCritical;
      }
      if (service == CheckState::kUnknown) {
        return child == CheckState::kCritical || child == CheckState::kUnknown;
      }
      return child != CheckState::kOk;
    case Kind::kBest:
    case Kind::kAtLeast:
    case Kind::kLevels:
      // Any child that is not OK could, by recovering, lift the service.
      return child != CheckState::kOk;
  }
  return child != CheckState::kOk;
}

}  // namespace bsm::server
