#pragma once

#include <cstdint>
#include <string>

namespace bsm {

// "2026-12-03T19:20:00.123Z" for milliseconds since the epoch.
std::string formatRfc3339(int64_t epoch_ms);

}  // namespace bsm
