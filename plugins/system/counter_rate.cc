#include "plugins/system/counter_rate.h"

namespace bsm::plugins::system {

std::optional<double> counterRate(uint64_t before, uint64_t after, double seconds) {
  if (after < before || !(seconds > 0)) {
    return std::nullopt;
  }
  return static_cast<double>(after - before) / seconds;
}

}  // namespace bsm::plugins::system
