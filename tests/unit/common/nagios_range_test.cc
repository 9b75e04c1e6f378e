#include "common/nagios_range.h"

#include <gtest/gtest.h>

namespace bsm {
namespace {

NagiosRange parsed(std::string_view text) {
  auto range = NagiosRange::parse(text);
  EXPECT_TRUE(range.ok()) << text << ": " << range.error().message;
  return range.ok() ? *range : NagiosRange::upTo(0);
}

TEST(NagiosRangeTest, PlainEndAlertsOutsideZeroToEnd) {
  const NagiosRange range = parsed("10");
  EXPECT_TRUE(range.alerts(-0.001));
  EXPECT_FALSE(range.alerts(0));
  EXPECT_FALSE(range.alerts(5));
  EXPECT_FALSE(range.alerts(10));
  EXPECT_TRUE(range.alerts(10.001));
}

TEST(NagiosRangeTest, OpenEndAlertsBelowStart) {
  const NagiosRange range = parsed("10:");
  EXPECT_TRUE(range.alerts(9.999));
  EXPECT_FALSE(range.alerts(10));
  EXPECT_FALSE(range.alerts(1e300));
}

TEST(NagiosRangeTest, TildeStartAlertsAboveEnd) {
  const NagiosRange range = parsed("~:10");
  EXPECT_FALSE(range.alerts(-1e300));
  EXPECT_FALSE(range.alerts(-5));
  EXPECT_FALSE(range.alerts(10));
  EXPECT_TRUE(range.alerts(10.001));
}

TEST(NagiosRangeTest, StartAndEndAlertOutsideWithEndpointsIncluded) {
  const NagiosRange range = parsed("10:20");
  EXPECT_TRUE(range.alerts(9.999));
  EXPECT_FALSE(range.alerts(10));
  EXPECT_FALSE(range.alerts(15));
  EXPECT_FALSE(range.alerts(20));
  EXPECT_TRUE(range.alerts(20.001));
}

TEST(NagiosRangeTest, AtSignAlertsInsideWithEndpointsIncluded) {
  const NagiosRange range = parsed("@10:20");
  EXPECT_FALSE(range.alerts(9.999));
  EXPECT_TRUE(range.alerts(10));
  EXPECT_TRUE(range.alerts(15));
  EXPECT_TRUE(range.alerts(20));
  EXPECT_FALSE(range.alerts(20.001));
}

TEST(NagiosRangeTest, MatchesCapturedCheckProcsVerdicts) {
  // check_procs -w @0:100 -c @0:50 said WARNING for 75 processes.
  EXPECT_TRUE(parsed("@0:100").alerts(75));
  EXPECT_FALSE(parsed("@0:50").alerts(75));
  // check_procs -w 1:1000 -c 1:2000 said OK for 77.
  EXPECT_FALSE(parsed("1:1000").alerts(77));
  EXPECT_TRUE(parsed("1:1000").alerts(0));
}

TEST(NagiosRangeTest, TakesNegativeBounds) {
  const NagiosRange range = parsed("-5:5");
  EXPECT_TRUE(range.alerts(-5.5));
  EXPECT_FALSE(range.alerts(-5));
  EXPECT_FALSE(range.alerts(5));
  const NagiosRange below = parsed("-10:-5");
  EXPECT_FALSE(below.alerts(-7));
  EXPECT_TRUE(below.alerts(-4));
  EXPECT_TRUE(parsed("@~:-1").alerts(-2));
}

TEST(NagiosRangeTest, TakesFloatsExponentsAndHugeNumbers) {
  EXPECT_EQ(parsed("5.000"), parsed("5"));
  EXPECT_EQ(parsed("1e3"), parsed("1000"));
  EXPECT_EQ(parsed(".5").plainUpperBound(), 0.5);
  // check_disk prints 2^63, which no int64 holds.
  EXPECT_EQ(parsed("9223372036854775808").plainUpperBound(), 9223372036854775808.0);
}

TEST(NagiosRangeTest, RefusesStartAboveEnd) {
  auto range = NagiosRange::parse("20:10");
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.error().message.find("greater"), std::string::npos);
  // A plain negative end has the implied start 0 above it.
  EXPECT_FALSE(NagiosRange::parse("-5").ok());
  EXPECT_FALSE(NagiosRange::parse("@5:-5").ok());
}

TEST(NagiosRangeTest, AcceptsEqualStartAndEnd) {
  const NagiosRange range = parsed("5:5");
  EXPECT_FALSE(range.alerts(5));
  EXPECT_TRUE(range.alerts(4.999));
  EXPECT_TRUE(range.alerts(5.001));
}

TEST(NagiosRangeTest, RefusesMalformedText) {
  for (std::string_view text : {"", "@", "abc", "10:x", "x:10", "1,5", "~", "10:20:30", "inf",
                                "nan", "inf:", "1e400", " 10", "10 ", "+5", "@@10", "10%"}) {
    auto range = NagiosRange::parse(text);
    EXPECT_FALSE(range.ok()) << "'" << text << "' was accepted";
    if (!range.ok()) {
      EXPECT_FALSE(range.error().message.empty());
    }
  }
}

TEST(NagiosRangeTest, ErrorNamesTheBadPart) {
  auto range = NagiosRange::parse("1,5:20");
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.error().message.find("'1,5'"), std::string::npos) << range.error().message;
}

TEST(NagiosRangeTest, PrintsPlainFormAsNumber) {
  EXPECT_EQ(parsed("10").toString(), "10");
  EXPECT_EQ(parsed("0:10").toString(), "10");
  EXPECT_EQ(parsed("0.5").toString(), "0.5");
  EXPECT_EQ(NagiosRange::upTo(80).toString(), "80");
}

TEST(NagiosRangeTest, PrintsOtherFormsCanonically) {
  EXPECT_EQ(parsed("10:").toString(), "10:");
  EXPECT_EQ(parsed("~:10").toString(), "~:10");
  EXPECT_EQ(parsed("10:20").toString(), "10:20");
  EXPECT_EQ(parsed("@10:20").toString(), "@10:20");
  EXPECT_EQ(parsed("@10").toString(), "@0:10");
  EXPECT_EQ(parsed(":5").toString(), "5");
  EXPECT_EQ(parsed("-5:5").toString(), "-5:5");
  EXPECT_EQ(parsed("1.000:1000.000").toString(), "1:1000");
}

TEST(NagiosRangeTest, PrintedTextParsesBackToTheSameRange) {
  for (std::string_view text : {"10", "10:", "~:10", "10:20", "@10:20", "@0:5", "-5:5",
                                "~:", "@~:0", "0.25:1e20", "9223372036854775808", "1e-5"}) {
    const NagiosRange range = parsed(text);
    auto again = NagiosRange::parse(range.toString());
    ASSERT_TRUE(again.ok()) << text << " printed as " << range.toString();
    EXPECT_EQ(*again, range) << text << " printed as " << range.toString();
  }
}

TEST(NagiosRangeTest, PlainUpperBoundOnlyForThePlainForm) {
  EXPECT_EQ(parsed("10").plainUpperBound(), 10.0);
  EXPECT_EQ(parsed("0:10").plainUpperBound(), 10.0);
  EXPECT_EQ(NagiosRange::upTo(7).plainUpperBound(), 7.0);
  EXPECT_FALSE(parsed("10:").plainUpperBound());
  EXPECT_FALSE(parsed("~:10").plainUpperBound());
  EXPECT_FALSE(parsed("1:10").plainUpperBound());
  EXPECT_FALSE(parsed("@10").plainUpperBound());
  EXPECT_FALSE(parsed("@0:10").plainUpperBound());
}

TEST(NagiosRangeTest, UpToEqualsParsedPlainForm) {
  EXPECT_EQ(NagiosRange::upTo(5), parsed("5"));
  EXPECT_EQ(NagiosRange::upTo(0.5), parsed("0.5"));
  EXPECT_FALSE(NagiosRange::upTo(5) == parsed("@5"));
}

}  // namespace
}  // namespace bsm
