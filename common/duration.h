#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"

namespace bsm {

// Parses "250ms", "10s", "5m", "2h", "30d" (one number, one unit). A bare number is refused:
// "10" is ambiguous between seconds and milliseconds, and guessing wrong hides a typo.
Result<std::chrono::milliseconds> parseDuration(std::string_view text);

// The shortest exact spelling of a duration, e.g. "10s", "1500ms", "30d".
std::string formatDuration(std::chrono::milliseconds duration);

// "10 s", "2.5 s", "250 ms": a limit the way a check's output states it ("timed out after 10 s").
std::string formatLimit(std::chrono::milliseconds limit);

}  // namespace bsm
