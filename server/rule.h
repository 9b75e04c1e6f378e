#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/check_state.h"

namespace bsm::server {

// How many of a service's children are in each state, and how much weight they carry, after
// edge impact mapping. Children whose map says `impact: ignore` are counted apart: they are
// shown but take no part in the rule. Kept up to date incrementally so that evaluating a rule
// costs the same for 3 children as for 3000.
class StateCounts {
 public:
  // Weights are kept in thousandths, as integers, so that adding and removing the same child
  // in any order returns exactly to the same sum.
  static constexpr int64_t kWeightUnit = 1000;

  void add(CheckState state, int64_t weight = kWeightUnit) {
    ++counts_[index(state)];
    weights_[index(state)] += weight;
  }
  void remove(CheckState state, int64_t weight = kWeightUnit) {
    --counts_[index(state)];
    weights_[index(state)] -= weight;
  }
  void addIgnored() { ++ignored_; }
  void removeIgnored() { --ignored_; }

  int64_t count(CheckState state) const { return counts_[index(state)]; }
  int64_t weight(CheckState state) const { return weights_[index(state)]; }
  // Children that take part in the rule.
  int64_t total() const { return counts_[0] + counts_[1] + counts_[2] + counts_[3]; }
  int64_t totalWeight() const { return weights_[0] + weights_[1] + weights_[2] + weights_[3]; }
  int64_t ignored() const { return ignored_; }

  bool operator==(const StateCounts&) const = default;

 private:
  static size_t index(CheckState state) { return static_cast<size_t>(state); }

  std::array<int64_t, 4> counts_{};
  std::array<int64_t, 4> weights_{};
  int64_t ignored_ = 0;
};

// The state a rule gives a service, and why, in words for an operator.
struct RuleOutcome {
  CheckState state = CheckState::kUnknown;
  std::string reason;
};

// A number of children, or a share of those that count ("2", "50%").
class ChildCount {
 public:
  static ChildCount exact(int64_t n) { return ChildCount(n, 0, false); }
  static ChildCount percent(double p) { return ChildCount(0, p, true); }

  // The number it stands for among `total` children; a share is rounded up, so that "50%" of 3
  // needs 2.
  int64_t resolve(int64_t total) const;
  bool isPercent() const { return is_percent_; }
  // "2" or "50%".
  std::string describe() const;

 private:
  ChildCount(int64_t n, double p, bool is_percent) : n_(n), percent_(p), is_percent_(is_percent) {}

  int64_t n_;
  double percent_;
  bool is_percent_;
};

// How a service's state follows from its children's states.
//
// Severity order is OK < WARNING < UNKNOWN < CRITICAL (see bsm::severity). "Available" below
// means OK or WARNING: a degraded child still serves.
//  - worst: the most severe child state.
//  - best: the least severe child state.
//  - at_least N (or P%): OK when at least N children are OK; else WARNING when at least N are
//    available; else UNKNOWN when at least N are not CRITICAL; else CRITICAL.
//  - levels (ok_at_least O, warn_at_least W): OK when at least O are OK; else WARNING when at
//    least W are available (redundancy is reduced but the service stands); else UNKNOWN when at
//    least W are not CRITICAL; else CRITICAL.
//  - exactly N (active/passive): OK when exactly N are OK; WARNING when more than N are OK (both
//    sides of a pair think they are active); else UNKNOWN when N could still be OK counting the
//    UNKNOWN children; else CRITICAL.
//  - weighted (warning W%, critical C%): each child carries a weight; CRITICAL when the CRITICAL
//    children's share of the weight reaches C, WARNING when the share of those not OK reaches
//    W, UNKNOWN when the UNKNOWN children alone could reach C, else OK.
// A service with no counted children is UNKNOWN: nothing vouches for it.
class Rule {
 public:
  enum class Kind { kWorst, kBest, kAtLeast, kLevels, kExactly, kWeighted };

  static Rule worst() { return Rule(Kind::kWorst); }
  static Rule best() { return Rule(Kind::kBest); }
  static Rule atLeast(ChildCount n);
  static Rule levels(ChildCount ok_at_least, ChildCount warn_at_least);
  static Rule exactly(int64_t n);
  // Shares in percent, 0 < warning <= critical <= 100.
  static Rule weighted(double warning_share, double critical_share);

  Kind kind() const { return kind_; }

  // "worst", "best", "at_least 2", "at_least 50%", "ok_at_least 3 warn_at_least 1",
  // "exactly 1", "weighted warning 25% critical 50%": the form the API shows.
  std::string describe() const;

  RuleOutcome evaluate(const StateCounts& counts) const;

  // Whether a child in `child` state helps explain the service being in `service` state under
  // this rule: the children to look at for a root cause. False for an OK service.
  bool explains(CheckState service, CheckState child, const StateCounts& counts) const;

 private:
  explicit Rule(Kind kind) : kind_(kind) {}

  RuleOutcome evaluateLevels(const StateCounts& counts) const;
  RuleOutcome evaluateExactly(const StateCounts& counts) const;
  RuleOutcome evaluateWeighted(const StateCounts& counts) const;

  Kind kind_;
  ChildCount ok_at_least_ = ChildCount::exact(1);
  ChildCount warn_at_least_ = ChildCount::exact(1);
  int64_t exactly_ = 1;
  double warning_share_ = 0;
  double critical_share_ = 0;
};

}  // namespace bsm::server
