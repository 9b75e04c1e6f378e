#include "plugins/system/statvfs_probe.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "system_fixture.h"

namespace bsm::plugins::system {
namespace {

using namespace std::chrono_literals;

std::chrono::steady_clock::time_point in(std::chrono::milliseconds duration) {
  return std::chrono::steady_clock::now() + duration;
}

TEST(StatvfsProbeTest, ComputesUsageTheWayDfDoes) {
  struct statvfs st {};
  st.f_frsize = 4096;
  st.f_blocks = 1000;
  st.f_bfree = 400;   // 600 used
  st.f_bavail = 300;  // 100 reserved for root
  st.f_files = 100;
  st.f_ffree = 25;
  const FsUsage usage = fsUsage(st);
  EXPECT_EQ(usage.size_bytes, 4'096'000u);
  EXPECT_EQ(usage.used_bytes, 2'457'600u);
  EXPECT_EQ(usage.free_bytes, 1'228'800u);
  EXPECT_DOUBLE_EQ(usage.used_percent, 100.0 * 600 / 900);
  ASSERT_TRUE(usage.inodes_used_percent.has_value());
  EXPECT_DOUBLE_EQ(*usage.inodes_used_percent, 75.0);
}

TEST(StatvfsProbeTest, NoInodeShareForFilesystemsWithoutInodes) {
  struct statvfs st {};
  st.f_frsize = 1024;
  st.f_blocks = 10;
  st.f_bfree = 20;  // more free than total: clamped
  st.f_bavail = 20;
  const FsUsage usage = fsUsage(st);
  EXPECT_EQ(usage.used_bytes, 0u);
  EXPECT_EQ(usage.free_bytes, 10'240u);
  EXPECT_EQ(usage.used_percent, 0.0);
  EXPECT_FALSE(usage.inodes_used_percent.has_value());
}

TEST(StatvfsProbeTest, ReportsTheErrorOfAFailedCall) {
  testing::FakeStatvfs fake;
  fake.set("/ok", 4096, 10, 5, 5, 0, 0);
  fake.fail("/locked", EACCES);
  StatvfsProbe probe(fake.fn());
  auto results = probe.probe({"/ok", "/locked", "/missing"}, in(5s));
  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0].ok());
  EXPECT_EQ(results[0]->size_bytes, 40'960u);
  ASSERT_FALSE(results[1].ok());
  EXPECT_NE(results[1].error().message.find("Permission denied"), std::string::npos);
  EXPECT_NE(results[1].error().message.find("/locked"), std::string::npos);
  EXPECT_FALSE(results[2].ok());
}

// A statvfs that blocks until the test lets it go, as on a dead NFS server.
TEST(StatvfsProbeTest, AHangingCallDoesNotStopTheOthers) {
  struct Gate {
    std::mutex mutex;
    std::condition_variable cv;
    bool open = false;
    int entered = 0;
  };
  auto gate = std::make_shared<Gate>();
  testing::FakeStatvfs fake;
  fake.set("/a", 4096, 10, 5, 5, 0, 0);
  fake.set("/b", 4096, 20, 5, 5, 0, 0);
  auto fake_fn = fake.fn();
  StatvfsProbe probe([gate, fake_fn](const std::string& path, struct statvfs& out) {
    if (path == "/nfs") {
      std::unique_lock lock(gate->mutex);
      ++gate->entered;
      gate->cv.wait(lock, [&] { return gate->open; });
      return EIO;
    }
    return fake_fn(path, out);
  });

  auto first = probe.probe({"/a", "/nfs", "/b"}, in(200ms));
  ASSERT_TRUE(first[0].ok());
  ASSERT_TRUE(first[2].ok());
  EXPECT_EQ(first[2]->size_bytes, 81'920u);
  ASSERT_FALSE(first[1].ok());
  EXPECT_NE(first[1].error().message.find("did not return in time"), std::string::npos);
  EXPECT_EQ(probe.blocked(), 1u);

  // While it hangs, the path is refused at once rather than given another thread.
  const auto start = std::chrono::steady_clock::now();
  auto second = probe.probe({"/nfs", "/a"}, in(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  ASSERT_FALSE(second[0].ok());
  EXPECT_NE(second[0].error().message.find("has not returned yet"), std::string::npos);
  EXPECT_TRUE(second[1].ok());
  {
    std::lock_guard lock(gate->mutex);
    EXPECT_EQ(gate->entered, 1);
    gate->open = true;
  }
  gate->cv.notify_all();

  // Once it has returned, the path is tried again.
  for (int i = 0; i < 200 && probe.blocked() != 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(probe.blocked(), 0u);
  auto third = probe.probe({"/nfs"}, in(5s));
  ASSERT_FALSE(third[0].ok());
  EXPECT_NE(third[0].error().message.find("Input/output error"), std::string::npos);
}

TEST(StatvfsProbeTest, StopsStartingThreadsPastTheBlockedLimit) {
  auto release = std::make_shared<std::promise<void>>();
  std::shared_future<void> released = release->get_future().share();
  StatvfsProbe probe(
      [released](const std::string&, struct statvfs&) {
        released.wait();
        return EIO;
      },
      /*max_blocked=*/1);
  auto first = probe.probe({"/hang1"}, in(50ms));
  EXPECT_FALSE(first[0].ok());
  auto second = probe.probe({"/hang2"}, in(50ms));
  ASSERT_FALSE(second[0].ok());
  EXPECT_NE(second[0].error().message.find("are blocked"), std::string::npos);
  release->set_value();
}

TEST(StatvfsProbeTest, MorePathsThanTheLimitAreProbedInWaves) {
  testing::FakeStatvfs fake;
  std::vector<std::string> paths;
  for (int i = 0; i < 7; ++i) {
    paths.push_back("/m" + std::to_string(i));
    fake.set(paths.back(), 4096, 10 + i, 5, 5, 0, 0);
  }
  StatvfsProbe probe(fake.fn(), /*max_blocked=*/2);
  auto results = probe.probe(paths, in(5s));
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].error().message;
    EXPECT_EQ(results[i]->size_bytes, 4096u * (10 + i));
  }
}

TEST(StatvfsProbeTest, RealCallRefusesAFileAndMeasuresTheRoot) {
  testing::FixtureRoot root;
  StatvfsProbe probe;
  auto results = probe.probe({"/", root.proc() + "/loadavg"}, in(5s));
  ASSERT_TRUE(results[0].ok()) << results[0].error().message;
  EXPECT_GT(results[0]->size_bytes, 0u);
  EXPECT_LE(results[0]->used_bytes, results[0]->size_bytes);
  EXPECT_GE(results[0]->used_percent, 0.0);
  EXPECT_LE(results[0]->used_percent, 100.0);
  ASSERT_FALSE(results[1].ok());
  EXPECT_NE(results[1].error().message.find("Not a directory"), std::string::npos);
}

}  // namespace
}  // namespace bsm::plugins::system
