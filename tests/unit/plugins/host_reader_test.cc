#include "plugins/system/host_reader.h"

#include <gtest/gtest.h>

#include "system_fixture.h"

namespace bsm::plugins::system {
namespace {

TEST(HostReaderTest, ReadsLoadAverageAndTasks) {
  testing::FixtureRoot root;
  auto load = HostReader(root.proc()).readLoad();
  ASSERT_TRUE(load.ok()) << load.error().message;
  EXPECT_EQ(load->load1, 0.5);
  EXPECT_EQ(load->load5, 1.25);
  EXPECT_EQ(load->load15, 2.0);
  EXPECT_EQ(load->tasks, 250u);
}

TEST(HostReaderTest, RejectsAMalformedLoadavg) {
  testing::FixtureRoot root;
  root.write("loadavg", "0.50 1.25 two 3/250 4447\n");
  auto load = HostReader(root.proc()).readLoad();
  ASSERT_FALSE(load.ok());
  EXPECT_NE(load.error().message.find("loadavg"), std::string::npos);
  root.write("loadavg", "0.50 1.25 2.00 3 4447\n");
  EXPECT_FALSE(HostReader(root.proc()).readLoad().ok());
}

TEST(HostReaderTest, ReadsUptime) {
  testing::FixtureRoot root;
  auto uptime = HostReader(root.proc()).readUptime();
  ASSERT_TRUE(uptime.ok()) << uptime.error().message;
  EXPECT_EQ(*uptime, 12345.67);
  root.write("uptime", "\n");
  EXPECT_FALSE(HostReader(root.proc()).readUptime().ok());
}

TEST(HostReaderTest, CountsOnlyNumericDirectories) {
  testing::FixtureRoot root;
  root.write("1234", "a numeric file is not a process\n");
  auto count = HostReader(root.proc()).countProcesses();
  ASSERT_TRUE(count.ok()) << count.error().message;
  EXPECT_EQ(*count, 3u);  // 1, 42 and 314; not net/, not the files
}

TEST(HostReaderTest, ARootWithoutProcessesIsAnError) {
  testing::FixtureRoot root;
  auto count = HostReader(root.sys()).countProcesses();
  ASSERT_FALSE(count.ok());
  EXPECT_NE(count.error().message.find(root.sys()), std::string::npos);
}

TEST(HostReaderTest, RealProcHasProcesses) {
  auto count = HostReader("/proc").countProcesses();
  ASSERT_TRUE(count.ok()) << count.error().message;
  EXPECT_GE(*count, 1u);  // at least this test
}

}  // namespace
}  // namespace bsm::plugins::system
