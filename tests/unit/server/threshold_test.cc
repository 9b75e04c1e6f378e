#include "server/threshold.h"

#include <gtest/gtest.h>

namespace bsm::server {
namespace {

TEST(ThresholdTest, ParsesEveryComparison) {
  struct Case {
    const char* text;
    double below, at, above;  // expected matches for value operand-1, operand, operand+1
    bool m_below, m_at, m_above;
  };
  const Case cases[] = {
      {"> 8", 7, 8, 9, false, false, true},  {">= 8", 7, 8, 9, false, true, true},
      {"< 8", 7, 8, 9, true, false, false},  {"<= 8", 7, 8, 9, true, true, false},
      {"== 8", 7, 8, 9, false, true, false}, {"!= 8", 7, 8, 9, true, false, true},
  };
  for (const auto& c : cases) {
    auto threshold = Threshold::parse(c.text);
    ASSERT_TRUE(threshold.ok()) << c.text << ": " << threshold.error().message;
    EXPECT_EQ(threshold->matches(c.below), c.m_below) << c.text;
    EXPECT_EQ(threshold->matches(c.at), c.m_at) << c.text;
    EXPECT_EQ(threshold->matches(c.above), c.m_above) << c.text;
    EXPECT_EQ(threshold->toString(), c.text);
  }
}

TEST(ThresholdTest, AcceptsMissingSpacesAndDecimals) {
  auto threshold = Threshold::parse("  >=0.75 ");
  ASSERT_TRUE(threshold.ok());
  EXPECT_EQ(threshold->op(), Threshold::Op::kGreaterEqual);
  EXPECT_DOUBLE_EQ(threshold->operand(), 0.75);
  EXPECT_EQ(threshold->toString(), ">= 0.75");

  auto negative = Threshold::parse("< -5");
  ASSERT_TRUE(negative.ok());
  EXPECT_TRUE(negative->matches(-6));
}

TEST(ThresholdTest, RefusesBareNumberWithHint) {
  auto threshold = Threshold::parse("8");
  ASSERT_FALSE(threshold.ok());
  EXPECT_NE(threshold.error().message.find("no comparison"), std::string::npos);
  EXPECT_NE(threshold.error().message.find("\"> 8\""), std::string::npos);
}

TEST(ThresholdTest, RefusesMalformedText) {
  for (const char* text : {"", ">", "> eight", "=> 4", "> 4 5", "> nan", "> inf", "~ 3"}) {
    EXPECT_FALSE(Threshold::parse(text).ok()) << "'" << text << "' was accepted";
  }
}

TEST(ThresholdTest, FormatsNumbersShortly) {
  EXPECT_EQ(formatNumber(9.2), "9.2");
  EXPECT_EQ(formatNumber(8), "8");
  EXPECT_EQ(formatNumber(0.5), "0.5");
}

}  // namespace
}  // namespace bsm::server
