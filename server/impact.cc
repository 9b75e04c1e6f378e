#include "server/impact.h"

#include <algorithm>

namespace bsm::server {

CheckState Impact::apply(CheckState state) const {
  switch (kind_) {
    case Kind::kNormal:
    case Kind::kIgnore:
      return state;
    case Kind::kCap:
      return severity(state) > severity(state_) ? state_ : state;
    case Kind::kIncrease:
      // OK stays OK: the map makes a child's problems count more, it does not invent one.
      return state == CheckState::kWarning ? CheckState::kCritical : state;
    case Kind::kDecrease:
      if (state == CheckState::kCritical) {
        return CheckState::kWarning;
      }
      return state == CheckState::kWarning ? CheckState::kOk : state;
    case Kind::kSet:
      return state == CheckState::kOk ? state : state_;
  }
  return state;
}

std::string Impact::describe() const {
  switch (kind_) {
    case Kind::kNormal:
      return "normal";
    case Kind::kCap: {
      std::string name(toString(state_));
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      return name;
    }
    case Kind::kIncrease:
      return "increase";
    case Kind::kDecrease:
      return "decrease";
    case Kind::kSet:
      return "set " + std::string(toString(state_));
    case Kind::kIgnore:
      return "ignore";
  }
  return "normal";
}

}  // namespace bsm::server
