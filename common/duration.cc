#include "common/duration.h"

#include <charconv>
#include <cstdint>
#include <utility>

namespace bsm {

namespace {

constexpr std::pair<std::string_view, int64_t> kUnits[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};

}  // namespace

Result<std::chrono::milliseconds> parseDuration(std::string_view text) {
  const auto* begin = text.data();
  const auto* end = text.data() + text.size();
  int64_t number = 0;
  auto [rest, ec] = std::from_chars(begin, end, number);
  if (ec != std::errc() || number < 0) {
    return Error{"invalid duration '" + std::string(text) + "': expected e.g. 500ms, 10s, 5m"};
  }
  std::string_view unit(rest, static_cast<size_t>(end - rest));
  for (const auto& [name, factor] : kUnits) {
    if (unit == name) {
      if (number > INT64_MAX / factor) {
        return Error{"duration '" + std::string(text) + "' is too large"};
      }
      return std::chrono::milliseconds(number * factor);
    }
  }
  return Error{"invalid duration '" + std::string(text) +
               "': the unit must be one of ms, s, m, h, d"};
}

std::string formatDuration(std::chrono::milliseconds duration) {
  const int64_t ms = duration.count();
  for (auto it = std::rbegin(kUnits); it != std::rend(kUnits); ++it) {
    if (ms != 0 && ms % it->second == 0) {
      return std::to_string(ms / it->second) + std::string(it->first);
    }
  }
  return std::to_string(ms) + "ms";
}

std::string formatLimit(std::chrono::milliseconds limit) {
  const auto ms = limit.count();
  if (ms < 1000) {
    return std::to_string(ms) + " ms";
  }
  if (ms % 1000 == 0) {
    return std::to_string(ms / 1000) + " s";
  }
  std::string text = std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 + 1000).substr(1);
  while (text.back() == '0') {
    text.pop_back();
  }
  return text + " s";
}

}  // namespace bsm
