#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace bsm {

// Lets at most `per_window` log lines through per `window` and counts the rest, so that a peer
// that misbehaves in a loop (or thousands of them) cannot flood the log. The count withheld is
// handed to the next line that gets through, which says how many were skipped. Thread-safe.
class LogRateLimiter {
 public:
  LogRateLimiter(uint32_t per_window, std::chrono::steady_clock::duration window)
      : per_window_(per_window), window_(window) {}

  // True when this line may be logged; `suppressed` is then the number of lines withheld since
  // the last one that was allowed.
  bool allow(uint64_t& suppressed);

 private:
  std::mutex mutex_;
  uint32_t per_window_;
  std::chrono::steady_clock::duration window_;
  std::chrono::steady_clock::time_point window_start_{};
  uint32_t used_ = 0;
  uint64_t suppressed_ = 0;
};

}  // namespace bsm
