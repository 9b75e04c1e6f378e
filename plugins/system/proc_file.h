#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace bsm::plugins::system {

// How much of one procfs or sysfs file is read. procfs files report a size of 0, so the cap
// has to come from us: a kernel with thousands of CPUs or mounts must not make the agent
// allocate without bound.
struct ReadLimits {
  size_t max_bytes = 1 << 20;  // reading stops here and the scan is marked truncated
  size_t max_line = 4096;      // longer lines are dropped, not split
};

// What one line-by-line read saw.
struct LineScan {
  size_t lines = 0;        // lines handed to the callback
  size_t overlong = 0;     // lines dropped for exceeding max_line
  bool truncated = false;  // max_bytes was reached before the end of the file
};

// Calls `line` for every line of `path` (without its newline), holding at most one line in
// memory. Fails only when the file cannot be opened or read.
Result<LineScan> forEachLine(const std::string& path, const ReadLimits& limits,
                             const std::function<void(std::string_view)>& line);

// The whole content of a file known to be small (/proc/loadavg, /proc/uptime); fails when it
// is larger than `max_bytes`.
Result<std::string> readSmallFile(const std::string& path, size_t max_bytes);

// Splits on runs of spaces and tabs.
std::vector<std::string_view> splitFields(std::string_view line);

// Parses a whole field as a number; nothing on any other character, sign or overflow.
std::optional<uint64_t> parseUnsigned(std::string_view field);
std::optional<double> parseDecimal(std::string_view field);

}  // namespace bsm::plugins::system
