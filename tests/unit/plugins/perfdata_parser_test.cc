#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "perf_value_expectations.h"
#include "plugins/nagios/plugin_output.h"

namespace bsm::plugins::nagios {
namespace {

using namespace std::string_literals;
using testing::expectPerf;
using testing::joined;

TEST(PerfdataParserTest, TrailingSemicolonsSpacesAndRunsOfBlanks) {
  std::vector<std::string> problems;
  const auto values =
      parsePerfdata("  a=1;;;;  b=2;   \t c=3;4;5;6;7;   d=4;\t\te=5;;  ", problems);
  ASSERT_EQ(values.size(), 5u) << joined(problems);
  expectPerf(values[0], "a", 1, "");
  expectPerf(values[1], "b", 2, "");
  expectPerf(values[2], "c", 3, "", "4", "5", 6, 7);
  expectPerf(values[3], "d", 4, "");
  expectPerf(values[4], "e", 5, "");
  EXPECT_TRUE(problems.empty()) << joined(problems);
}

TEST(PerfdataParserTest, KeepsQuotedLabelWithSpaces) {
  std::vector<std::string> problems;
  const auto values = parsePerfdata("'a b'=1 'it''s'=2 'a=b'=3 '''x'''=4 'tab\there'=5", problems);
  ASSERT_EQ(values.size(), 5u) << joined(problems);
  expectPerf(values[0], "a b", 1, "");
  expectPerf(values[1], "it's", 2, "");
  expectPerf(values[2], "a=b", 3, "");
  expectPerf(values[3], "'x'", 4, "");
  expectPerf(values[4], "tab\there", 5, "");
  EXPECT_TRUE(problems.empty()) << joined(problems);
}

TEST(PerfdataParserTest, RejectsUnterminatedQuoteAndResyncsAtNextItem) {
  std::vector<std::string> problems;
  auto values = parsePerfdata("ok1=1 'disk usage=50% load=2", problems);
  ASSERT_EQ(values.size(), 2u) << joined(problems);
  expectPerf(values[0], "ok1", 1, "");
  expectPerf(values[1], "load", 2, "");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "perfdata ''disk usage=50%': the quoted label has no closing quote");

  problems.clear();
  values = parsePerfdata("a=1 'broken", problems);
  ASSERT_EQ(values.size(), 1u);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("no closing quote"), std::string::npos);

  problems.clear();
  values = parsePerfdata("'", problems);
  EXPECT_TRUE(values.empty());
  EXPECT_EQ(problems.size(), 1u);

  problems.clear();
  values = parsePerfdata("'it''s=1 b=2", problems);
  ASSERT_EQ(values.size(), 1u);
  expectPerf(values[0], "b", 2, "");
  EXPECT_EQ(problems.size(), 1u);
}

TEST(PerfdataParserTest, RejectsQuotedLabelWithoutEquals) {
  std::vector<std::string> problems;
  const auto values = parsePerfdata("'a b' =1 'c'x=2 d=3", problems);
  ASSERT_EQ(values.size(), 1u) << joined(problems);
  expectPerf(values[0], "d", 3, "");
  EXPECT_EQ(problems.size(), 3u) << joined(problems);  // "'a b'", "=1" and "'c'x=2"
}

TEST(PerfdataParserTest, RejectsItemsWithoutLabelOrValue) {
  std::vector<std::string> problems;
  const auto values = parsePerfdata("word =1 ''=2 a= b=;1;2 ok=1", problems);
  ASSERT_EQ(values.size(), 1u) << joined(problems);
  expectPerf(values[0], "ok", 1, "");
  ASSERT_EQ(problems.size(), 5u) << joined(problems);
  EXPECT_EQ(problems[0], "perfdata 'word': there is no '=' between label and value");
  EXPECT_EQ(problems[1], "perfdata '=1': the label is empty");
  EXPECT_EQ(problems[2], "perfdata '''=2': the label is empty");
  EXPECT_EQ(problems[3], "perfdata 'a=': there is no value");
  EXPECT_EQ(problems[4], "perfdata 'b=;1;2': there is no value");
}

TEST(PerfdataParserTest, UnknownValueWithAndWithoutUnitAndThresholds) {
  std::vector<std::string> problems;
  const auto values = parsePerfdata("a=U b=U;1;2;0;10 c=Ums d=U%;80;90 e=U;;;;", problems);
  ASSERT_EQ(values.size(), 5u) << joined(problems);
  expectPerf(values[0], "a", std::nullopt, "");
  expectPerf(values[1], "b", std::nullopt, "", "1", "2", 0, 10);
  expectPerf(values[2], "c", std::nullopt, "ms");
  expectPerf(values[3], "d", std::nullopt, "%", "80", "90");
  expectPerf(values[4], "e", std::nullopt, "");
  EXPECT_TRUE(problems.empty()) << joined(problems);
}

TEST(PerfdataParserTest, KeepsEveryUnitAsPrinted) {
  std::vector<std::string> problems;
  const auto values = parsePerfdata(
      "a=1 b=1s c=1ms d=1us e=1% f=1B g=1KB h=1MB i=1GB j=1TB k=1c l=1KiB m=1MiB n=1packets",
      problems);
  const std::vector<std::string> units = {"",   "s",  "ms", "us", "%",   "B",   "KB",
                                          "MB", "GB", "TB", "c",  "KiB", "MiB", "packets"};
  ASSERT_EQ(values.size(), units.size()) << joined(problems);
  for (size_t i = 0; i < units.size(); ++i) {
    EXPECT_EQ(values[i].unit, units[i]);
    EXPECT_EQ(values[i].value, 1);
  }
  EXPECT_TRUE(problems.empty()) << joined(problems);
}

TEST(PerfdataParserTest, PercentWithoutMinMaxLeavesThemUnset) {
  std::vector<std::string> problems;
  const auto values = parsePerfdata("pl=5%;20;50", problems);
  ASSERT_EQ(values.size(), 1u);
  expectPerf(values[0], "pl", 5, "%", "20", "50");
}

TEST(PerfdataParserTest, ParsesNumbersBeyondInt64NegativesFractionsAndExponents) {
  std::vector<std::string> problems;
  const auto values = parsePerfdata(
      "big=9223372036854775808 neg=-5 half=.5 exp=1e3 small=-1.5e-3ms upper=2E2 dot=5.", problems);
  ASSERT_EQ(values.size(), 7u) << joined(problems);
  expectPerf(values[0], "big", 9223372036854775808.0, "");
  expectPerf(values[1], "neg", -5, "");
  expectPerf(values[2], "half", 0.5, "");
  expectPerf(values[3], "exp", 1000, "");
  expectPerf(values[4], "small", -0.0015, "ms");
  expectPerf(values[5], "upper", 200, "");
  expectPerf(values[6], "dot", 5, "");
  EXPECT_TRUE(problems.empty()) << joined(problems);
}

TEST(PerfdataParserTest, RejectsDecimalCommaButKeepsOtherItems) {
  std::vector<std::string> problems;
  const auto values = parsePerfdata("load1=0,5;1;2 load5=0.25", problems);
  ASSERT_EQ(values.size(), 1u);
  expectPerf(values[0], "load5", 0.25, "");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "perfdata 'load1=0,5;1;2': value '0,5' is not a number (a decimal comma is not "
            "allowed)");
}

TEST(PerfdataParserTest, RejectsValuesThatAreNotNumbers) {
  std::vector<std::string> problems;
  const auto values =
      parsePerfdata("a=abc b=1x2 c=inf d=nan e=0x10 f=1e999 g=-- h=1.2.3 i=5 j=+5", problems);
  ASSERT_EQ(values.size(), 1u) << joined(problems);
  expectPerf(values[0], "i", 5, "");
  EXPECT_EQ(problems.size(), 9u) << joined(problems);
  for (const auto& problem : problems) {
    EXPECT_NE(problem.find("is not a number"), std::string::npos) << problem;
  }
}

TEST(PerfdataParserTest, ThresholdsInRangeSyntax) {
  std::vector<std::string> problems;
  const auto values =
      parsePerfdata("a=1;1:1000;@0:100 b=2;~:10;10: c=3;@10:20;-5:5;-10;10", problems);
  ASSERT_EQ(values.size(), 3u) << joined(problems);
  expectPerf(values[0], "a", 1, "", "1:1000", "@0:100");
  expectPerf(values[1], "b", 2, "", "~:10", "10:");
  expectPerf(values[2], "c", 3, "", "@10:20", "-5:5", -10, 10);
  EXPECT_TRUE(problems.empty()) << joined(problems);
}

TEST(PerfdataParserTest, BadThresholdOrBoundDropsOnlyThatField) {
  std::vector<std::string> problems;
  const auto values = parsePerfdata("a=1;x;20:10;0,5;abc b=2;5;;;", problems);
  ASSERT_EQ(values.size(), 2u) << joined(problems);
  expectPerf(values[0], "a", 1, "");
  expectPerf(values[1], "b", 2, "", "5");
  ASSERT_EQ(problems.size(), 4u) << joined(problems);
  EXPECT_NE(problems[0].find("warn dropped, value kept"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("crit dropped, value kept"), std::string::npos) << problems[1];
  EXPECT_NE(problems[1].find("greater"), std::string::npos) << problems[1];
  EXPECT_EQ(problems[2],
            "perfdata 'a=1;x;20:10;0,5;abc': min '0,5' is not a number, dropped, "
            "value kept");
  EXPECT_NE(problems[3].find("max 'abc'"), std::string::npos) << problems[3];
}

TEST(PerfdataParserTest, MinAndMaxMayRepeatTheValueUnit) {
  std::vector<std::string> problems;
  const auto values = parsePerfdata("a=5MB;;;0MB;100MB b=5MB;;;0;100KB", problems);
  ASSERT_EQ(values.size(), 2u);
  expectPerf(values[0], "a", 5, "MB", std::nullopt, std::nullopt, 0, 100);
  expectPerf(values[1], "b", 5, "MB", std::nullopt, std::nullopt, 0);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("max '100KB'"), std::string::npos) << problems[0];
}

TEST(PerfdataParserTest, FieldsAfterMaxAreIgnoredWithAProblem) {
  std::vector<std::string> problems;
  const auto values = parsePerfdata("a=1;2;3;4;5;6 b=1;2;3;4;5;;", problems);
  ASSERT_EQ(values.size(), 2u);
  expectPerf(values[0], "a", 1, "", "2", "3", 4, 5);
  expectPerf(values[1], "b", 1, "", "2", "3", 4, 5);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("fields after max ignored"), std::string::npos);
}

TEST(PerfdataParserTest, KeepsAtMostAThousandItems) {
  std::string perfdata;
  for (int i = 0; i < 1500; ++i) {
    perfdata += "m" + std::to_string(i) + "=" + std::to_string(i) + " ";
  }
  std::vector<std::string> problems;
  const auto values = parsePerfdata(perfdata, problems);
  ASSERT_EQ(values.size(), 1000u);
  expectPerf(values[999], "m999", 999, "");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "perfdata: only the first 1000 items are kept, 500 more dropped");
}

TEST(PerfdataParserTest, ListsAtMostAHundredProblems) {
  std::string perfdata;
  for (int i = 0; i < 250; ++i) {
    perfdata += "bad" + std::to_string(i) + " ";
  }
  perfdata += "good=1";
  std::vector<std::string> problems;
  const auto values = parsePerfdata(perfdata, problems);
  ASSERT_EQ(values.size(), 1u);
  ASSERT_EQ(problems.size(), 101u);
  EXPECT_EQ(problems.back(), "perfdata: 150 more problems not listed");
}

TEST(PerfdataParserTest, QuotesBadBytesSafelyInProblems) {
  std::vector<std::string> problems;
  const std::string perfdata = "a\x01\xff=1\0x"s;
  const auto values = parsePerfdata(perfdata, problems);
  EXPECT_TRUE(values.empty());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "perfdata 'a\\x01\\xff=1\\x00x': value '1\\x00x' is not a number");

  problems.clear();
  parsePerfdata(std::string(1000, 'x'), problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_LT(problems[0].size(), 250u);
  EXPECT_NE(problems[0].find("...'"), std::string::npos);
}

TEST(PerfdataParserTest, QuotesBadBytesOfThresholdsSafely) {
  std::vector<std::string> problems;
  const auto values = parsePerfdata("a=1;\xff;" + std::string(500, '9') + "x", problems);
  ASSERT_EQ(values.size(), 1u);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("warn dropped, value kept: threshold range '\\xff'"),
            std::string::npos)
      << problems[0];
  EXPECT_NE(problems[1].find("crit dropped, value kept: 501 bytes is too long"), std::string::npos)
      << problems[1];
  EXPECT_LT(problems[1].size(), 300u);
}

TEST(PerfdataParserTest, KeepsNonAsciiLabelsAsBytes) {
  std::vector<std::string> problems;
  const auto values = parsePerfdata("'temp \xc3\xa9t\xc3\xa9'=21 \xff\xfe=1", problems);
  ASSERT_EQ(values.size(), 2u) << joined(problems);
  expectPerf(values[0], "temp \xc3\xa9t\xc3\xa9", 21, "");
  expectPerf(values[1], "\xff\xfe", 1, "");
}
}  // namespace
}  // namespace bsm::plugins::nagios
