#include "common/check_state.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace bsm {

std::string_view toString(CheckState state) {
  switch (state) {
    case CheckState::kOk:
      return "OK";
    case CheckState::kWarning:
      return "WARNING";
    case CheckState::kCritical:
      return "CRITICAL";
    case CheckState::kUnknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

std::optional<CheckState> parseCheckState(std::string_view text) {
  if (text == "OK") {
    return CheckState::kOk;
  }
  if (text == "WARNING") {
    return CheckState::kWarning;
  }
  if (text == "CRITICAL") {
    return CheckState::kCritical;
  }
  if (text == "UNKNOWN") {
    return CheckState::kUnknown;
  }
  return std::nullopt;
}

std::optional<CheckState> parseCheckStateAnyCase(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return parseCheckState(upper);
}

int severity(CheckState state) {
  switch (state) {
    case CheckState::kOk:
      return 0;
    case CheckState::kWarning:
      return 1;
    case CheckState::kUnknown:
      return 2;
    case CheckState::kCritical:
      return 3;
  }
  return 2;
}

}  // namespace bsm
