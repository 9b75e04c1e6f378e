#pragma once

#include <string>

#include "common/check_state.h"

namespace bsm::server {

// How a child's state reaches its parent: the `impact:` of a depends_on entry or of a component
// selector. The map applies before the parent's rule counts the child.
//
// Levels run OK < WARNING < CRITICAL; UNKNOWN is no level and passes through increase and
// decrease unchanged, because nothing is known to move up or down.
class Impact {
 public:
  enum class Kind {
    kNormal,    // as it is
    kCap,       // no worse than a state: `impact: warning` degrades the parent, never fails it
    kIncrease,  // one level worse: a WARNING child counts as CRITICAL; OK stays OK
    kDecrease,  // one level better: a CRITICAL child counts as WARNING
    kSet,       // any state but OK counts as the given state (`impact: {set: critical}`)
    kIgnore,    // shown with the parent, takes no part in its rule
  };

  Impact() = default;
  static Impact normal() { return Impact(Kind::kNormal, CheckState::kOk); }
  static Impact cap(CheckState state) { return Impact(Kind::kCap, state); }
  static Impact increase() { return Impact(Kind::kIncrease, CheckState::kOk); }
  static Impact decrease() { return Impact(Kind::kDecrease, CheckState::kOk); }
  static Impact set(CheckState state) { return Impact(Kind::kSet, state); }
  static Impact ignore() { return Impact(Kind::kIgnore, CheckState::kOk); }

  Kind kind() const { return kind_; }
  bool ignored() const { return kind_ == Kind::kIgnore; }

  // The state the parent counts. Not meaningful for kIgnore (returns the state unchanged).
  CheckState apply(CheckState state) const;

  // "normal", "warning" (the cap), "increase", "decrease", "set CRITICAL", "ignore".
  std::string describe() const;

  bool operator==(const Impact&) const = default;

 private:
  Impact(Kind kind, CheckState state) : kind_(kind), state_(state) {}

  Kind kind_ = Kind::kNormal;
  CheckState state_ = CheckState::kOk;
};

}  // namespace bsm::server
