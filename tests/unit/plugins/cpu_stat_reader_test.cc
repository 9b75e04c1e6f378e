#include "plugins/system/cpu_stat_reader.h"

#include <gtest/gtest.h>

#include "system_fixture.h"

namespace bsm::plugins::system {
namespace {

CpuTimes times(std::array<uint64_t, kCpuStateCount> ticks) {
  CpuTimes t;
  t.ticks = ticks;
  return t;
}

TEST(CpuStatReaderTest, ReadsTheFixture) {
  testing::FixtureRoot root;
  auto stat = CpuStatReader(root.proc()).read();
  ASSERT_TRUE(stat.ok()) << stat.error().message;
  ASSERT_TRUE(stat->all.has_value());
  // The guest columns (50 0) are not part of the states.
  EXPECT_EQ(stat->all->ticks,
            (std::array<uint64_t, kCpuStateCount>{1000, 100, 500, 8000, 200, 0, 100, 100}));
  EXPECT_EQ(stat->all->total(), 10000u);
  EXPECT_EQ(stat->online_cpus, 2u);
  EXPECT_EQ(stat->procs_running, 3u);
  EXPECT_EQ(stat->procs_blocked, 1u);
  EXPECT_EQ(stat->skipped_lines, 0u);
}

TEST(CpuStatReaderTest, UsageBetweenTwoReadingsIsExact) {
  testing::FixtureRoot root;
  auto before = CpuStatReader(root.proc()).read();
  root.apply("round2");
  auto after = CpuStatReader(root.proc()).read();
  ASSERT_TRUE(before.ok() && after.ok());

  auto usage = cpuUsage(*before->all, *after->all);
  ASSERT_TRUE(usage.has_value());
  // 2000 ticks passed: user 600, system 200, idle 900, iowait 100, softirq 100, steal 100.
  EXPECT_DOUBLE_EQ(usage->state_percent[0], 30.0);
  EXPECT_DOUBLE_EQ(usage->state_percent[1], 0.0);
  EXPECT_DOUBLE_EQ(usage->state_percent[2], 10.0);
  EXPECT_DOUBLE_EQ(usage->state_percent[3], 45.0);
  EXPECT_DOUBLE_EQ(usage->state_percent[4], 5.0);
  EXPECT_DOUBLE_EQ(usage->state_percent[5], 0.0);
  EXPECT_DOUBLE_EQ(usage->state_percent[6], 5.0);
  EXPECT_DOUBLE_EQ(usage->state_percent[7], 5.0);
  EXPECT_DOUBLE_EQ(usage->utilization, 50.0);
}

TEST(CpuStatReaderTest, IowaitGoingBackwardsCountsAsZero) {
  const auto usage =
      cpuUsage(times({100, 0, 0, 100, 50, 0, 0, 0}), times({200, 0, 0, 200, 40, 0, 0, 0}));
  ASSERT_TRUE(usage.has_value());
  EXPECT_DOUBLE_EQ(usage->state_percent[kCpuIowait], 0.0);
  EXPECT_DOUBLE_EQ(usage->state_percent[kCpuIdle], 50.0);
  EXPECT_DOUBLE_EQ(usage->utilization, 50.0);
}

TEST(CpuStatReaderTest, NothingWhenTheTotalWentBackwardsOrNoTickPassed) {
  EXPECT_FALSE(
      cpuUsage(times({500, 0, 0, 500, 0, 0, 0, 0}), times({10, 0, 0, 10, 0, 0, 0, 0})).has_value());
  EXPECT_FALSE(
      cpuUsage(times({5, 0, 0, 5, 0, 0, 0, 0}), times({5, 0, 0, 5, 0, 0, 0, 0})).has_value());
}

TEST(CpuStatReaderTest, SkipsAndCountsLinesThatDoNotParse) {
  testing::FixtureRoot root;
  root.write("stat",
             "cpu  10 0 5 100\n"    // an old kernel's four columns
             "cpu0 10 0 5 x 0\n"    // not a number
             "cpu1 10\n"            // too short
             "cpu2 10 0 5 100 0\n"  // fine
             "cpufreq 1 2 3\n"      // not a CPU: ignored, not counted
             "procs_running\n"      // no value
             "procs_blocked 2\n");
  auto stat = CpuStatReader(root.proc()).read();
  ASSERT_TRUE(stat.ok()) << stat.error().message;
  EXPECT_EQ(stat->all->total(), 115u);
  EXPECT_EQ(stat->online_cpus, 1u);
  EXPECT_FALSE(stat->procs_running.has_value());
  EXPECT_EQ(stat->procs_blocked, 2u);
  EXPECT_EQ(stat->skipped_lines, 3u);
}

TEST(CpuStatReaderTest, FailsOnAFileWithNothingUsable) {
  testing::FixtureRoot root;
  root.write("stat", "hello world\n");
  auto stat = CpuStatReader(root.proc()).read();
  ASSERT_FALSE(stat.ok());
  EXPECT_NE(stat.error().message.find(root.proc() + "/stat"), std::string::npos);
}

}  // namespace
}  // namespace bsm::plugins::system
