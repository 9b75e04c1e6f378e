#include "plugins/system/proc_file.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "system_fixture.h"

namespace bsm::plugins::system {
namespace {

std::vector<std::string> collectLines(const std::string& path, const ReadLimits& limits,
                                      LineScan* scan_out = nullptr) {
  std::vector<std::string> lines;
  auto scan = forEachLine(path, limits, [&](std::string_view line) { lines.emplace_back(line); });
  EXPECT_TRUE(scan.ok()) << (scan ? "" : scan.error().message);
  if (scan && scan_out != nullptr) {
    *scan_out = *scan;
  }
  return lines;
}

TEST(ProcFileTest, ReadsEveryLineIncludingALastOneWithoutNewline) {
  testing::FixtureRoot root;
  root.write("sample", "one\n\ntwo three\nlast");
  LineScan scan;
  const auto lines = collectLines(root.proc() + "/sample", ReadLimits{}, &scan);
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "", "two three", "last"}));
  EXPECT_EQ(scan.lines, 4u);
  EXPECT_EQ(scan.overlong, 0u);
  EXPECT_FALSE(scan.truncated);
}

TEST(ProcFileTest, DropsAndCountsLinesLongerThanTheCap) {
  testing::FixtureRoot root;
  const std::string huge(100'000, 'x');  // spans several read buffers
  root.write("sample", "short\n" + huge + "\nafter\n" + huge);
  LineScan scan;
  const auto lines = collectLines(root.proc() + "/sample", ReadLimits{1 << 20, 16}, &scan);
  EXPECT_EQ(lines, (std::vector<std::string>{"short", "after"}));
  EXPECT_EQ(scan.overlong, 2u);
}

TEST(ProcFileTest, StopsAtTheByteCapAndSaysSo) {
  testing::FixtureRoot root;
  root.write("sample", "aaaa\nbbbb\ncccc\n");
  LineScan scan;
  const auto lines = collectLines(root.proc() + "/sample", ReadLimits{7, 100}, &scan);
  // "bb" was cut off by the cap: a partial line is not handed on.
  EXPECT_EQ(lines, (std::vector<std::string>{"aaaa"}));
  EXPECT_TRUE(scan.truncated);
}

TEST(ProcFileTest, MissingFileNamesThePath) {
  auto scan = forEachLine("/nonexistent/bsm/stat", ReadLimits{}, [](std::string_view) {});
  ASSERT_FALSE(scan.ok());
  EXPECT_NE(scan.error().message.find("/nonexistent/bsm/stat"), std::string::npos);
  auto text = readSmallFile("/nonexistent/bsm/uptime", 100);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.error().message.find("/nonexistent/bsm/uptime"), std::string::npos);
}

TEST(ProcFileTest, SmallFileOverItsCapIsRefused) {
  testing::FixtureRoot root;
  root.write("sample", std::string(300, 'x'));
  EXPECT_FALSE(readSmallFile(root.proc() + "/sample", 256).ok());
  auto text = readSmallFile(root.proc() + "/sample", 300);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->size(), 300u);
}

TEST(ProcFileTest, SplitsOnRunsOfSpacesAndTabs) {
  const auto fields = splitFields("  cpu0\t 1  2\t\t3 ");
  EXPECT_EQ(fields, (std::vector<std::string_view>{"cpu0", "1", "2", "3"}));
  EXPECT_TRUE(splitFields(" \t ").empty());
}

TEST(ProcFileTest, ParsesOnlyWholeNumbers) {
  EXPECT_EQ(parseUnsigned("18446744073709551615"), 18446744073709551615ull);
  EXPECT_FALSE(parseUnsigned("18446744073709551616").has_value());
  EXPECT_FALSE(parseUnsigned("-1").has_value());
  EXPECT_FALSE(parseUnsigned("12kB").has_value());
  EXPECT_FALSE(parseUnsigned("").has_value());
  EXPECT_EQ(parseDecimal("12345.67"), 12345.67);
  EXPECT_EQ(parseDecimal("0.25"), 0.25);
  EXPECT_FALSE(parseDecimal("1.5x").has_value());
  EXPECT_FALSE(parseDecimal("nan").has_value());
}

}  // namespace
}  // namespace bsm::plugins::system
