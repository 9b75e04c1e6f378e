#include "common/log_rate_limiter.h"

namespace bsm {

bool LogRateLimiter::allow(uint64_t& suppressed) {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (now - window_start_ >= window_) {
    window_start_ = now;
    used_ = 0;
  }
  if (used_ >= per_window_) {
    suppressed_++;
    return false;
  }
  used_++;
  suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

}  // namespace bsm
