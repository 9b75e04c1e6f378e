#include "common/log_rate_limiter.h"

#include <thread>

#include <gtest/gtest.h>

namespace bsm {
namespace {

TEST(LogRateLimiterTest, AllowsABurstThenCountsWhatItWithholds) {
  LogRateLimiter limiter(3, std::chrono::hours(1));
  uint64_t suppressed = 99;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(limiter.allow(suppressed));
    EXPECT_EQ(suppressed, 0u);
  }
  EXPECT_FALSE(limiter.allow(suppressed));
  EXPECT_FALSE(limiter.allow(suppressed));
}

TEST(LogRateLimiterTest, ReportsWithheldLinesWhenTheWindowTurns) {
  LogRateLimiter limiter(1, std::chrono::milliseconds(20));
  uint64_t suppressed = 0;
  EXPECT_TRUE(limiter.allow(suppressed));
  EXPECT_FALSE(limiter.allow(suppressed));
  EXPECT_FALSE(limiter.allow(suppressed));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_TRUE(limiter.allow(suppressed));
  EXPECT_EQ(suppressed, 2u);
}

}  // namespace
}  // namespace bsm
