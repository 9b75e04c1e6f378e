#include "plugins/system/meminfo_reader.h"

#include <gtest/gtest.h>

#include "system_fixture.h"

namespace bsm::plugins::system {
namespace {

TEST(MeminfoReaderTest, ReadsTheFixtureInBytes) {
  testing::FixtureRoot root;
  auto info = MeminfoReader(root.proc()).read();
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->total_bytes, 16'384'000ull * 1024);
  EXPECT_EQ(info->available_bytes, 4'096'000ull * 1024);
  EXPECT_EQ(info->swap_total_bytes, 2'097'152ull * 1024);
  EXPECT_EQ(info->swap_free_bytes, 1'572'864ull * 1024);
  EXPECT_EQ(info->skipped_lines, 0u);
}

TEST(MeminfoReaderTest, EstimatesAvailableOnKernelsWithoutMemAvailable) {
  testing::FixtureRoot root;
  root.write("meminfo",
             "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 20 kB\nCached: 300 kB\n"
             "SReclaimable: 5 kB\n");
  auto info = MeminfoReader(root.proc()).read();
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->available_bytes, 425u * 1024);
  EXPECT_EQ(info->swap_total_bytes, 0u);
  EXPECT_EQ(info->swap_free_bytes, 0u);
}

TEST(MeminfoReaderTest, SkipsBadLinesAndClampsImpossibleValues) {
  testing::FixtureRoot root;
  root.write("meminfo",
             "MemTotal: 1000 kB\nMemAvailable: 2000 kB\nSwapTotal: lots kB\n"
             "SwapFree: 5 kB\nno colon here\nCached: 3 MB\n");
  auto info = MeminfoReader(root.proc()).read();
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->available_bytes, info->total_bytes);
  EXPECT_EQ(info->swap_total_bytes, 0u);
  EXPECT_EQ(info->swap_free_bytes, 0u);
  EXPECT_EQ(info->skipped_lines, 3u);
}

TEST(MeminfoReaderTest, FailsWithoutMemTotal) {
  testing::FixtureRoot root;
  root.write("meminfo", "MemFree: 100 kB\n");
  auto info = MeminfoReader(root.proc()).read();
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.error().message.find("MemTotal"), std::string::npos);
}

}  // namespace
}  // namespace bsm::plugins::system
