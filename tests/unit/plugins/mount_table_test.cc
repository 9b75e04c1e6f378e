#include "plugins/system/mount_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "system_fixture.h"

namespace bsm::plugins::system {
namespace {

std::vector<std::string> mountPoints(const MountTable::Listing& listing) {
  std::vector<std::string> points;
  for (const auto& m : listing.mounts) {
    points.push_back(m.mount_point);
  }
  return points;
}

TEST(MountTableTest, UnescapesTheKernelsOctalEscapes) {
  EXPECT_EQ(MountTable::unescape("/mnt/backup\\040disk"), "/mnt/backup disk");
  EXPECT_EQ(MountTable::unescape("/a\\011b\\012c\\134d"), "/a\tb\nc\\d");
  // Not an escape: kept as written.
  EXPECT_EQ(MountTable::unescape("/a\\x41"), "/a\\x41");
  EXPECT_EQ(MountTable::unescape("/a\\04"), "/a\\04");
  EXPECT_EQ(MountTable::unescape("/a\\089"), "/a\\089");
  EXPECT_EQ(MountTable::unescape("/a\\000"), "/a\\000");
}

TEST(MountTableTest, KeepsRealFilesystemsOfTheFixture) {
  testing::FixtureRoot root;
  auto listing = MountTable(root.proc(), {}).read();
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  // Pseudo filesystems (sysfs, proc, devtmpfs, devpts, tmpfs, cgroup2, fuse.*) are gone;
  // nfs4 is nodev but holds data; bind mounts are all still here.
  EXPECT_EQ(mountPoints(*listing),
            (std::vector<std::string>{"/", "/boot/efi", "/mnt/backup disk", "/srv/data",
                                      "/mnt/share", "/mnt/locked", "/snap/core/1"}));
  EXPECT_EQ(listing->mounts[0].device, "/dev/vda1");
  EXPECT_EQ(listing->mounts[0].fstype, "ext4");
  EXPECT_EQ(listing->mounts[2].device, "/dev/sdb1");
  EXPECT_EQ(listing->skipped_lines, 1u);  // "this-line-is-broken"
}

TEST(MountTableTest, KeepsAnOverlayRootInAContainer) {
  testing::FixtureRoot root;
  root.write("mounts",
             "overlay / overlay rw,lowerdir=/var/lib/docker/overlay2/l/A:/var/lib/docker/"
             "overlay2/l/B,upperdir=/x,workdir=/y 0 0\n"
             "overlay /other overlay rw 0 0\n"
             "proc /proc proc rw 0 0\n"
             "/dev/vda1 /etc/hosts ext4 rw 0 0\n");
  auto listing = MountTable(root.proc(), {}).read();
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  EXPECT_EQ(mountPoints(*listing), (std::vector<std::string>{"/", "/etc/hosts"}));
  EXPECT_EQ(listing->mounts[0].fstype, "overlay");
}

TEST(MountTableTest, TheLastMountOnAPointHidesTheEarlierOnes) {
  testing::FixtureRoot root;
  root.write("mounts",
             "rootfs / rootfs rw 0 0\n"
             "/dev/root / ext4 rw 0 0\n"
             "/dev/sdb1 /data ext4 rw 0 0\n"
             "/dev/sdc1 /data xfs rw 0 0\n");
  auto listing = MountTable(root.proc(), {}).read();
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  ASSERT_EQ(listing->mounts.size(), 2u);
  EXPECT_EQ(listing->mounts[0].device, "/dev/root");
  EXPECT_EQ(listing->mounts[1].device, "/dev/sdc1");
}

TEST(MountTableTest, ExcludesMountsAndTypesByGlob) {
  testing::FixtureRoot root;
  MountFilter filter;
  filter.exclude_mounts = {"/mnt/*", "/boot/efi"};
  filter.exclude_fstypes = {"squash*"};
  auto listing = MountTable(root.proc(), filter).read();
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  EXPECT_EQ(mountPoints(*listing), (std::vector<std::string>{"/", "/srv/data"}));
}

TEST(MountTableTest, FuseSubtypesAreJudgedByTheirBaseType) {
  testing::FixtureRoot root;
  root.write("mounts",
             "gvfsd-fuse /run/user/1000/gvfs fuse.gvfsd-fuse rw 0 0\n"
             "/dev/sdd1 /media/usb fuseblk rw 0 0\n"
             "user@host:/home /mnt/remote fuse.sshfs rw 0 0\n");
  auto listing = MountTable(root.proc(), {}).read();
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  EXPECT_EQ(mountPoints(*listing), (std::vector<std::string>{"/media/usb", "/mnt/remote"}));
}

TEST(MountTableTest, FallsBackToBuiltInPseudoTypesWithoutProcFilesystems) {
  testing::FixtureRoot root;
  root.remove("filesystems");
  auto listing = MountTable(root.proc(), {}).read();
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  const auto points = mountPoints(*listing);
  EXPECT_EQ(points.front(), "/");
  EXPECT_EQ(std::count(points.begin(), points.end(), "/proc"), 0);
  EXPECT_EQ(std::count(points.begin(), points.end(), "/run"), 0);
  EXPECT_EQ(std::count(points.begin(), points.end(), "/mnt/share"), 1);
}

TEST(MountTableTest, FailsWhenMountsCannotBeRead) {
  testing::FixtureRoot root;
  root.remove("mounts");
  auto listing = MountTable(root.proc(), {}).read();
  ASSERT_FALSE(listing.ok());
  EXPECT_NE(listing.error().message.find("mounts"), std::string::npos);
}

TEST(MountTableTest, RealHostHasARoot) {
  auto listing = MountTable("/proc", {}).read();
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  const auto points = mountPoints(*listing);
  EXPECT_EQ(std::count(points.begin(), points.end(), "/"), 1);
  EXPECT_EQ(std::count(points.begin(), points.end(), "/proc"), 0);
}

}  // namespace
}  // namespace bsm::plugins::system
