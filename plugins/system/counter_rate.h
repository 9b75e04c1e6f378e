#pragma once

#include <cstdint>
#include <optional>

namespace bsm::plugins::system {

// Per-second rate of a kernel counter between two readings `seconds` apart.
//
// Nothing when the counter went backwards: a device that was reset, an interface that was
// re-created or a 32-bit field that wrapped all look the same from userspace, and a rate
// computed across any of them would be negative or absurdly large. The next round has a
// fresh baseline and yields a rate again. Also nothing when no time passed.
std::optional<double> counterRate(uint64_t before, uint64_t after, double seconds);

}  // namespace bsm::plugins::system
