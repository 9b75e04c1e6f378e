#include "plugins/system/diskstats_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "system_fixture.h"

namespace bsm::plugins::system {
namespace {

std::vector<std::string> names(const DiskstatsReader::Snapshot& snapshot) {
  std::vector<std::string> out;
  for (const auto& [name, counters] : snapshot.disks) {
    out.push_back(name);
  }
  return out;
}

TEST(DiskstatsReaderTest, KeepsWholeDisksOnly) {
  testing::FixtureRoot root;
  auto snapshot = DiskstatsReader(root.proc(), root.sys()).read();
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
  // Partitions have no /sys/block entry; loop0 and zram0 have one but are skipped by name.
  EXPECT_EQ(names(*snapshot), (std::vector<std::string>{"nvme0n1", "sdb", "vda"}));
  const DiskCounters& vda = snapshot->disks.at("vda");
  EXPECT_EQ(vda.reads, 1000u);
  EXPECT_EQ(vda.sectors_read, 20000u);
  EXPECT_EQ(vda.writes, 2000u);
  EXPECT_EQ(vda.sectors_written, 40000u);
  EXPECT_EQ(vda.io_ms, 1500u);
  EXPECT_EQ(snapshot->skipped_lines, 0u);
}

TEST(DiskstatsReaderTest, RatesUse512ByteSectorsAndCapBusyTime) {
  testing::FixtureRoot root;
  DiskstatsReader reader(root.proc(), root.sys());
  auto before = reader.read();
  root.apply("round2");
  auto after = reader.read();
  ASSERT_TRUE(before.ok() && after.ok());

  auto vda = diskRates(before->disks.at("vda"), after->disks.at("vda"), 0.5);
  ASSERT_TRUE(vda.has_value());
  EXPECT_DOUBLE_EQ(vda->read_bytes, 1000.0 * 512 / 0.5);
  EXPECT_DOUBLE_EQ(vda->write_bytes, 400.0 * 512 / 0.5);
  EXPECT_DOUBLE_EQ(vda->read_ops, 200.0);
  EXPECT_DOUBLE_EQ(vda->write_ops, 100.0);
  EXPECT_DOUBLE_EQ(vda->io_time_percent, 50.0);

  // sdb was busy 600 ms in a 500 ms interval: timer granularity, shown as 100 %.
  auto sdb = diskRates(before->disks.at("sdb"), after->disks.at("sdb"), 0.5);
  ASSERT_TRUE(sdb.has_value());
  EXPECT_DOUBLE_EQ(sdb->io_time_percent, 100.0);
  EXPECT_DOUBLE_EQ(sdb->write_bytes, 80.0 * 512 / 0.5);
  EXPECT_DOUBLE_EQ(sdb->read_ops, 0.0);
}

TEST(DiskstatsReaderTest, AResetDiskHasNoRates) {
  testing::FixtureRoot root;
  DiskstatsReader reader(root.proc(), root.sys());
  root.apply("round2");
  auto before = reader.read();
  root.apply("round3");
  auto after = reader.read();
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_FALSE(diskRates(before->disks.at("sdb"), after->disks.at("sdb"), 10).has_value());
  // One counter going back is enough: which of them wrapped does not matter.
  DiskCounters wrapped = before->disks.at("vda");
  wrapped.io_ms = 3;
  EXPECT_FALSE(diskRates(before->disks.at("vda"), wrapped, 10).has_value());
}

TEST(DiskstatsReaderTest, MapsASlashInTheNameToSysfsBang) {
  testing::FixtureRoot root;
  root.write("sys/block/cciss!c0d0/size", "1024\n");
  root.write("diskstats",
             " 104 0 cciss/c0d0 1 0 8 0 1 0 8 0 0 1 1\n"
             " 104 1 cciss/c0d0p1 1 0 8 0 1 0 8 0 0 1 1\n"
             "   8 0 sda 1 2 3\n"
             "   8 16 sdb x 0 8 0 1 0 8 0 0 1 1\n");
  auto snapshot = DiskstatsReader(root.proc(), root.sys()).read();
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
  EXPECT_EQ(names(*snapshot), (std::vector<std::string>{"cciss/c0d0"}));
  EXPECT_EQ(snapshot->skipped_lines, 2u);
}

TEST(DiskstatsReaderTest, RealHostReadsWithoutSkipping) {
  auto snapshot = DiskstatsReader("/proc", "/sys").read();
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
  EXPECT_EQ(snapshot->skipped_lines, 0u);
  for (const auto& [name, counters] : snapshot->disks) {
    EXPECT_EQ(name.find("loop"), std::string::npos);
    EXPECT_EQ(name.rfind("ram", 0), std::string::npos);
  }
}

}  // namespace
}  // namespace bsm::plugins::system
