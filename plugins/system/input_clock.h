#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

namespace bsm::plugins::system {

// The time the system input measures rates against and stamps samples with. Tests substitute
// their own so that rates come out exact and the first round's pause can change the fixture.
class InputClock {
 public:
  virtual ~InputClock() = default;

  // For intervals between readings; never jumps.
  virtual std::chrono::steady_clock::time_point now() = 0;
  // For sample timestamps: milliseconds since the epoch, UTC.
  virtual int64_t wallMs() = 0;
  virtual void sleepFor(std::chrono::milliseconds duration) = 0;

  // The host's clocks.
  static std::shared_ptr<InputClock> real();
};

}  // namespace bsm::plugins::system
