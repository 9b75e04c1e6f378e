#include "common/duration.h"

#include <gtest/gtest.h>

namespace bsm {
namespace {

TEST(DurationTest, ParsesEveryUnit) {
  EXPECT_EQ(parseDuration("250ms")->count(), 250);
  EXPECT_EQ(parseDuration("10s")->count(), 10'000);
  EXPECT_EQ(parseDuration("5m")->count(), 300'000);
  EXPECT_EQ(parseDuration("2h")->count(), 7'200'000);
  EXPECT_EQ(parseDuration("30d")->count(), 2'592'000'000);
}

TEST(DurationTest, RefusesBareNumberAndUnknownUnit) {
  auto bare = parseDuration("10");
  ASSERT_FALSE(bare.ok());
  EXPECT_NE(bare.error().message.find("unit"), std::string::npos);
  EXPECT_FALSE(parseDuration("10 s").ok());
  EXPECT_FALSE(parseDuration("10w").ok());
  EXPECT_FALSE(parseDuration("").ok());
  EXPECT_FALSE(parseDuration("-5s").ok());
  EXPECT_FALSE(parseDuration("99999999999999999999d").ok());
}

TEST(DurationTest, FormatsShortestExactSpelling) {
  EXPECT_EQ(formatDuration(std::chrono::milliseconds(10'000)), "10s");
  EXPECT_EQ(formatDuration(std::chrono::milliseconds(1'500)), "1500ms");
  EXPECT_EQ(formatDuration(std::chrono::milliseconds(86'400'000 * 30LL)), "30d");
}

}  // namespace
}  // namespace bsm
