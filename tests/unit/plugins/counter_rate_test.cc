#include "plugins/system/counter_rate.h"

#include <gtest/gtest.h>

namespace bsm::plugins::system {
namespace {

TEST(CounterRateTest, DividesTheIncreaseByTheInterval) {
  EXPECT_EQ(counterRate(1000, 1500, 0.5), 1000.0);
  EXPECT_EQ(counterRate(7, 7, 10.0), 0.0);
}

TEST(CounterRateTest, NothingWhenTheCounterWentBackwards) {
  EXPECT_FALSE(counterRate(4'294'967'290ull, 5, 10.0).has_value());
  EXPECT_FALSE(counterRate(1, 0, 10.0).has_value());
}

TEST(CounterRateTest, NothingWhenNoTimePassed) {
  EXPECT_FALSE(counterRate(1, 2, 0.0).has_value());
  EXPECT_FALSE(counterRate(1, 2, -1.0).has_value());
}

}  // namespace
}  // namespace bsm::plugins::system
