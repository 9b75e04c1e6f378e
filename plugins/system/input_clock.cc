#include "plugins/system/input_clock.h"

#include <thread>

#include "common/sample.h"

namespace bsm::plugins::system {

namespace {

class RealClock : public InputClock {
 public:
  std::chrono::steady_clock::time_point now() override { return std::chrono::steady_clock::now(); }
  int64_t wallMs() override { return nowMs(); }
  void sleepFor(std::chrono::milliseconds duration) override {
    std::this_thread::sleep_for(duration);
  }
};

}  // namespace

std::shared_ptr<InputClock> InputClock::real() {
  static const auto clock = std::make_shared<RealClock>();
  return clock;
}

}  // namespace bsm::plugins::system
