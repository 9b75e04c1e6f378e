#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/check_state.h"

namespace bsm::server {

// How many of a service's children are in each state, after edge impact mapping. Children
// whose edge says `impact: ignore` are counted apart: they are shown but take no part in the
// rule. Kept up to date incrementally so that evaluating a rule costs the same for 3 children
// as for 3000.
class StateCounts {
 public:
  void add(CheckState state) { ++counts_[index(state)]; }
  void remove(CheckState state) { --counts_[index(state)]; }
  void addIgnored() { ++ignored_; }
  void removeIgnored() { --ignored_; }

  int64_t count(CheckState state) const { return counts_[index(state)]; }
  // Children that take part in the rule.
  int64_t total() const { return counts_[0] + counts_[1] + counts_[2] + counts_[3]; }
  int64_t ignored() const { return ignored_; }

 private:
  static size_t index(CheckState state) { return static_cast<size_t>(state); }

  std::array<int64_t, 4> counts_{};
  int64_t ignored_ = 0;
};

// The state a rule gives a service, and why, in words for an operator.
struct RuleOutcome {
  CheckState state = CheckState::kUnknown;
  std::string reason;
};

// How a service's state follows from its children's states.
//
// Severity order is OK < WARNING < UNKNOWN < CRITICAL (see bsm::severity).
//  - worst: the most severe child state.
//  - best: the least severe child state.
//  - at_least N: OK when at least N children are OK; else WARNING when at least N are OK or
//    WARNING; else UNKNOWN when at least N are not CRITICAL; else CRITICAL.
//  - percent P: at_least N with N = ceil(P% of the children that count).
// A service with no counted children is UNKNOWN: nothing vouches for it.
class Rule {
 public:
  enum class Kind { kWorst, kBest, kAtLeast, kPercent };

  static Rule worst() { return Rule(Kind::kWorst, 0, 0); }
  static Rule best() { return Rule(Kind::kBest, 0, 0); }
  // n >= 1.
  static Rule atLeast(int64_t n) { return Rule(Kind::kAtLeast, n, 0); }
  // 0 < p <= 100.
  static Rule percent(double p) { return Rule(Kind::kPercent, 0, p); }

  Kind kind() const { return kind_; }
  int64_t atLeastCount() const { return at_least_; }
  double percentage() const { return percent_; }

  // "worst", "best", "at_least 2", "percent 50": the form shown by the API.
  std::string describe() const;

  RuleOutcome evaluate(const StateCounts& counts) const;

  // The number of OK children at_least/percent need out of `total` counted children.
  int64_t needed(int64_t total) const;

 private:
  Rule(Kind kind, int64_t at_least, double percent)
      : kind_(kind), at_least_(at_least), percent_(percent) {}

  Kind kind_;
  int64_t at_least_;
  double percent_;
};

}  // namespace bsm::server
