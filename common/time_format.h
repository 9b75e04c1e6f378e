#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace bsm {

// "2026-12-03T19:20:00.123Z" for milliseconds since the epoch.
std::string formatRfc3339(int64_t epoch_ms);

// Milliseconds since the epoch for an RFC 3339 time: "2026-03-29T08:00:00Z",
// "2026-03-29T10:00:00+02:00", with an optional fraction of a second (kept to milliseconds).
// A date alone or a time without its offset is refused: its time zone would be a guess.
Result<int64_t> parseRfc3339(std::string_view text);

}  // namespace bsm
