#include "plugins/system/filesystem_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "system_fixture.h"

namespace bsm::plugins::system {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> mountPoints(const FilesystemReader::Listing& listing) {
  std::vector<std::string> points;
  for (const auto& fs : listing.filesystems) {
    points.push_back(fs.mount.mount_point);
  }
  return points;
}

TEST(FilesystemReaderTest, ReportsEachDeviceOnceAndSkipsWhatFails) {
  testing::FixtureRoot root;
  testing::FakeStatvfs fake;
  fake.set("/", 4096, 1000, 400, 300, 100, 25);
  fake.set("/boot/efi", 512, 100, 50, 50, 0, 0);
  fake.set("/mnt/backup disk", 1024, 2000, 1000, 1000, 0, 0);
  fake.set("/mnt/share", 65536, 100, 100, 100, 10, 10);
  fake.set("/srv/data", 4096, 1000, 400, 300, 100, 25);
  fake.fail("/mnt/locked", EACCES);
  fake.set("/snap/core/1", 4096, 10, 0, 0, 10, 0);
  FilesystemReader reader(root.proc(), {}, fake.fn());

  auto listing = reader.read(2s);
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  EXPECT_EQ(mountPoints(*listing), (std::vector<std::string>{"/", "/boot/efi", "/mnt/backup disk",
                                                             "/mnt/share", "/snap/core/1"}));
  // /srv/data is /dev/vda1 again, already reported at /: never even measured.
  EXPECT_EQ(fake.asked().count("/srv/data"), 0u);
  EXPECT_EQ(fake.asked().count("/mnt/backup disk"), 1u);
  EXPECT_EQ(listing->skipped_mounts, 1u);  // /mnt/locked
  EXPECT_EQ(listing->skipped_lines, 1u);
  EXPECT_EQ(listing->filesystems[2].usage.size_bytes, 2'048'000u);
}

TEST(FilesystemReaderTest, PrefersTheRootAmongMountsOfOneDevice) {
  testing::FixtureRoot root;
  root.write("mounts",
             "/dev/vda1 /var/lib/kubelet/pods/x ext4 rw 0 0\n"
             "/dev/vda1 / ext4 rw 0 0\n");
  testing::FakeStatvfs fake;
  fake.set("/", 4096, 10, 5, 5, 0, 0);
  fake.set("/var/lib/kubelet/pods/x", 4096, 10, 5, 5, 0, 0);
  auto listing = FilesystemReader(root.proc(), {}, fake.fn()).read(2s);
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  EXPECT_EQ(mountPoints(*listing), (std::vector<std::string>{"/"}));
}

TEST(FilesystemReaderTest, FallsBackToTheNextMountOfADevice) {
  testing::FixtureRoot root;
  root.write("mounts",
             "overlay / overlay rw 0 0\n"
             "/dev/vda1 /etc/hosts ext4 rw 0 0\n"
             "/dev/vda1 /root/secret ext4 rw 0 0\n"
             "/dev/vda1 /data ext4 rw 0 0\n"
             "/dev/vdb /empty ext4 rw 0 0\n");
  testing::FakeStatvfs fake;
  fake.set("/", 4096, 10, 5, 5, 0, 0);
  fake.fail("/etc/hosts", ENOTDIR);  // Docker bind-mounts single files
  fake.fail("/root/secret", EACCES);
  fake.set("/data", 4096, 10, 5, 5, 0, 0);
  fake.set("/empty", 4096, 0, 0, 0, 0, 0);  // zero blocks: nothing to report
  auto listing = FilesystemReader(root.proc(), {}, fake.fn()).read(2s);
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  EXPECT_EQ(mountPoints(*listing), (std::vector<std::string>{"/", "/data"}));
  EXPECT_EQ(listing->filesystems[1].mount.device, "/dev/vda1");
  EXPECT_EQ(listing->skipped_mounts, 3u);
}

TEST(FilesystemReaderTest, RealHostReportsItsRoot) {
  FilesystemReader reader("/proc", {});
  auto listing = reader.read(5s);
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  const auto points = mountPoints(*listing);
  ASSERT_EQ(std::count(points.begin(), points.end(), "/"), 1);
  for (const auto& fs : listing->filesystems) {
    EXPECT_GT(fs.usage.size_bytes, 0u) << fs.mount.mount_point;
    EXPECT_LE(fs.usage.used_bytes, fs.usage.size_bytes) << fs.mount.mount_point;
    EXPECT_GE(fs.usage.used_percent, 0.0) << fs.mount.mount_point;
    EXPECT_LE(fs.usage.used_percent, 100.0) << fs.mount.mount_point;
  }
}

}  // namespace
}  // namespace bsm::plugins::system
