#include "plugins/nagios/file_tail.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

namespace bsm::plugins::nagios {
namespace {

namespace fs = std::filesystem;
using Lines = std::vector<std::string>;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "bsm-file-tail-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    dir_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  fs::path dir_;
};

void append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::app | std::ios::binary) << text;
}

void overwrite(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc | std::ios::binary) << text;
}

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

ino_t inodeOf(const std::string& path) {
  struct stat info {};
  ::stat(path.c_str(), &info);
  return info.st_ino;
}

// A live file, a spool folder and a state file in a scratch folder, and a tail over them.
class FileTailTest : public ::testing::Test {
 protected:
  FileTailTest() {
    fs::create_directory(dir_.path("spool"));
    options_.name = "test";
    options_.files = {live_};
    options_.spool_dir = spool_;
    options_.state_file = state_;
    options_.settle_time = std::chrono::milliseconds(0);
    options_.detached_quiet_rounds = 1;
  }

  FileTail& tail() {
    if (!tail_) {
      tail_ = std::make_unique<FileTail>(options_);
    }
    return *tail_;
  }
  // The agent stopping and starting again: the next poll is by a new tail.
  void restart() { tail_.reset(); }

  Lines poll() {
    Lines lines;
    last_ =
        tail().poll([&](std::string_view line, const std::string&) { lines.emplace_back(line); });
    return lines;
  }

  TempDir dir_;
  const std::string live_ = dir_.path("service-perfdata");
  const std::string spool_ = dir_.path("spool");
  const std::string state_ = dir_.path("positions");
  FileTailOptions options_;
  std::unique_ptr<FileTail> tail_;
  FileTailRound last_;
};

TEST_F(FileTailTest, ReadsEachCompleteLineOnce) {
  append(live_, "one\ntwo\n");
  EXPECT_EQ(poll(), (Lines{"one", "two"}));
  EXPECT_EQ(poll(), Lines{});
  append(live_, "three\n");
  EXPECT_EQ(poll(), Lines{"three"});
}

TEST_F(FileTailTest, WaitsForTheNewlineOfAPartialLastLine) {
  append(live_, "one\ntw");
  EXPECT_EQ(poll(), Lines{"one"});
  EXPECT_EQ(poll(), Lines{});
  append(live_, "o\n");
  EXPECT_EQ(poll(), Lines{"two"});
}

TEST_F(FileTailTest, WaitsForALiveFileThatDoesNotExistYet) {
  EXPECT_EQ(poll(), Lines{});
  EXPECT_EQ(last_.errors, 0u);
  append(live_, "one\n");
  EXPECT_EQ(poll(), Lines{"one"});
}

TEST_F(FileTailTest, FollowsALiveFileRenamedIntoTheSpool) {
  append(live_, "one\n");
  EXPECT_EQ(poll(), Lines{"one"});
  // Nagios' processing command: the file moves, then Nagios opens a new one under the name.
  append(live_, "two\n");
  fs::rename(live_, spool_ + "/service-perfdata.100");
  append(live_, "three\n");
  EXPECT_EQ(poll(), (Lines{"two", "three"}));
  EXPECT_EQ(poll(), Lines{});
}

TEST_F(FileTailTest, DrainsALiveFileRenamedOutOfSightBeforeItsSuccessor) {
  options_.spool_dir.clear();
  append(live_, "one\n");
  EXPECT_EQ(poll(), Lines{"one"});
  const std::string moved = dir_.path("elsewhere");
  fs::rename(live_, moved);
  append(moved, "two\n");  // the writer still had the old file open
  append(live_, "three\n");
  EXPECT_EQ(poll(), (Lines{"two", "three"}));
  append(moved, "late\n");  // and wrote once more before it reopened
  EXPECT_EQ(poll(), Lines{"late"});
  EXPECT_EQ(poll(), Lines{});
  EXPECT_EQ(poll(), Lines{});
  append(moved, "after the file was let go\n");
  EXPECT_EQ(poll(), Lines{});
}

TEST_F(FileTailTest, ReadsATruncatedFileFromItsStart) {
  append(live_, "DATATYPE::SERVICEPERFDATA\tTIMET::1\n");
  EXPECT_EQ(poll().size(), 1u);
  // Nagios opening the file with mode "w" at its restart.
  overwrite(live_, "new\n");
  EXPECT_EQ(poll(), Lines{"new"});
}

TEST_F(FileTailTest, NoticesAFileRewrittenPastTheOldOffset) {
  append(live_, "a1\na2\n");
  EXPECT_EQ(poll().size(), 2u);
  overwrite(live_, "b1\nb2\nb3\n");  // truncated and refilled before the next look
  EXPECT_EQ(poll(), (Lines{"b1", "b2", "b3"}));
}

TEST_F(FileTailTest, ReadsACopyTruncatedCopyOnlyPastWhatWasRead) {
  append(live_, "one\ntwo\n");
  EXPECT_EQ(poll().size(), 2u);
  append(live_, "three\n");
  // copytruncate into the spool, and the writer goes on in the emptied file.
  fs::copy_file(live_, spool_ + "/service-perfdata.1");
  ::truncate(live_.c_str(), 0);
  append(live_, "four\n");
  EXPECT_EQ(poll(), (Lines{"three", "four"}));
  EXPECT_EQ(poll(), Lines{});
}

TEST_F(FileTailTest, ReadsACopyMadeBeforeTheTruncationWasSeen) {
  append(live_, "one\n");
  EXPECT_EQ(poll().size(), 1u);
  append(live_, "two\n");
  fs::copy_file(live_, spool_ + "/service-perfdata.1");
  // The copy is found while the live file is still whole: neither may hand over "two" twice.
  EXPECT_EQ(poll(), Lines{"two"});
  ::truncate(live_.c_str(), 0);
  append(live_, "three\n");
  EXPECT_EQ(poll(), Lines{"three"});
}

TEST_F(FileTailTest, ReadsACopyStillBeingMadeOnlyPastWhatWasRead) {
  std::string lines;
  for (int i = 0; i < 100; ++i) {
    lines += "line " + std::to_string(1000 + i) + "\n";  // 10 bytes each
  }
  append(live_, lines);
  EXPECT_EQ(poll().size(), 100u);
  append(live_, "after\n");
  // copytruncate has copied 600 of the 1006 bytes: past the fingerprint, short of the position.
  const std::string copy = spool_ + "/service-perfdata.1";
  append(copy, contents(live_).substr(0, 600));
  EXPECT_EQ(poll(), Lines{"after"});
  append(copy, contents(live_).substr(600));
  ::truncate(live_.c_str(), 0);
  append(live_, "new\n");
  EXPECT_EQ(poll(), Lines{"new"});
  EXPECT_EQ(poll(), Lines{});
}

TEST_F(FileTailTest, ResumesWhereItStoppedAfterARestart) {
  append(live_, "one\ntwo\n");
  EXPECT_EQ(poll().size(), 2u);
  restart();
  append(live_, "three\n");
  EXPECT_EQ(poll(), Lines{"three"});
}

TEST_F(FileTailTest, FindsAFileRotatedWhileTheAgentWasDown) {
  append(live_, "one\n");
  EXPECT_EQ(poll().size(), 1u);
  restart();
  append(live_, "two\n");
  fs::rename(live_, spool_ + "/service-perfdata.1");
  append(live_, "three\n");
  EXPECT_EQ(poll(), (Lines{"two", "three"}));
}

TEST_F(FileTailTest, SavesPositionsOnlyAfterTheLinesWereHandedOver) {
  append(live_, "one\n");
  Lines seen;
  tail().poll([&](std::string_view line, const std::string&) {
    // While the line is being handed over, the saved state does not yet count it.
    EXPECT_FALSE(fs::exists(state_));
    seen.emplace_back(line);
  });
  EXPECT_EQ(seen, Lines{"one"});
  auto state = loadTailState(state_);
  ASSERT_TRUE(state) << state.error().message;
  ASSERT_EQ(state->files.size(), 1u);
  EXPECT_EQ(state->files[0].offset, 4u);
  EXPECT_EQ(state->files[0].id.inode, inodeOf(live_));
  EXPECT_EQ(state->files[0].path, live_);
}

TEST_F(FileTailTest, StartsOverWhenAStoredInodeNowHoldsAnotherFile) {
  append(live_, "new file\n");
  // A position saved for an earlier file whose inode number the new file got.
  TailState stale;
  TailPosition position;
  struct stat info {};
  ::stat(live_.c_str(), &info);
  position.id = FileIdentity{info.st_dev, info.st_ino};
  position.offset = 4;
  position.fingerprint = Fingerprint{4, fingerprintHash("old!", 4)};
  position.path = live_;
  stale.files.push_back(position);
  ASSERT_TRUE(saveTailState(state_, stale));

  EXPECT_EQ(poll(), Lines{"new file"});
}

TEST_F(FileTailTest, ReadsFromTheStartWhenTheStateFileIsDamaged) {
  overwrite(state_, "not a state file\n");
  append(live_, "one\n");
  EXPECT_EQ(poll(), Lines{"one"});
  EXPECT_TRUE(loadTailState(state_));  // replaced by a good one
}

TEST_F(FileTailTest, DiscardsOverlongLinesUpToTheirNewline) {
  options_.max_line_bytes = 8;
  append(live_, "short\n" + std::string(20, 'x') + "\nafter\n");
  EXPECT_EQ(poll(), (Lines{"short", "after"}));
  EXPECT_EQ(last_.long_lines, 1u);
}

TEST_F(FileTailTest, DiscardsAnOverlongLineThatArrivesInPieces) {
  options_.max_line_bytes = 8;
  append(live_, "ok\n" + std::string(12, 'x'));
  EXPECT_EQ(poll(), Lines{"ok"});
  EXPECT_EQ(last_.long_lines, 1u);
  restart();  // the skipping survives a restart too
  append(live_, std::string(100'000, 'y'));
  EXPECT_EQ(poll(), Lines{});
  append(live_, "zz\nnext\n");
  EXPECT_EQ(poll(), Lines{"next"});
  EXPECT_EQ(last_.long_lines, 0u);
}

TEST_F(FileTailTest, ReadsAtMostTheBudgetPerRound) {
  options_.max_bytes_per_round = 10;
  append(live_, "aaaa\nbbbb\ncccc\ndddd\n");
  EXPECT_EQ(poll(), (Lines{"aaaa", "bbbb"}));
  EXPECT_TRUE(last_.budget_exhausted);
  EXPECT_EQ(poll(), (Lines{"cccc", "dddd"}));
}

TEST_F(FileTailTest, ReadsSpoolFilesOldestFirstAndNeverTwice) {
  append(spool_ + "/b", "second\n");
  append(spool_ + "/a", "first\n");
  ::utimensat(AT_FDCWD, (spool_ + "/a").c_str(),
              std::array<timespec, 2>{timespec{1000, 0}, timespec{1000, 0}}.data(), 0);
  overwrite(spool_ + "/empty", "");
  EXPECT_EQ(poll(), (Lines{"first", "second"}));
  EXPECT_EQ(poll(), Lines{});
  restart();
  EXPECT_EQ(poll(), Lines{});
  EXPECT_TRUE(fs::exists(spool_ + "/a"));
}

TEST_F(FileTailTest, DeletesSpoolFilesOnceRead) {
  options_.delete_after_read = true;
  append(spool_ + "/service-perfdata.1", "one\n");
  append(live_, "live\n");
  EXPECT_EQ(poll(), (Lines{"one", "live"}));
  EXPECT_EQ(last_.deleted, 1u);
  EXPECT_FALSE(fs::exists(spool_ + "/service-perfdata.1"));
  EXPECT_TRUE(fs::exists(live_));
}

TEST_F(FileTailTest, DeletesEmptySpoolFilesOnlyWhenDeletingAfterReading) {
  overwrite(spool_ + "/host-perfdata.1", "");
  EXPECT_EQ(poll(), Lines{});
  EXPECT_TRUE(fs::exists(spool_ + "/host-perfdata.1"));
  restart();
  options_.delete_after_read = true;
  EXPECT_EQ(poll(), Lines{});
  EXPECT_EQ(last_.deleted, 1u);
  EXPECT_FALSE(fs::exists(spool_ + "/host-perfdata.1"));
}

TEST_F(FileTailTest, DeletesASpoolFileOnceItHasSettled) {
  options_.delete_after_read = true;
  options_.settle_time = std::chrono::milliseconds(300);
  append(spool_ + "/service-perfdata.1", "one\n");
  EXPECT_EQ(poll(), Lines{"one"});
  EXPECT_TRUE(fs::exists(spool_ + "/service-perfdata.1"));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(poll(), Lines{});
  EXPECT_FALSE(fs::exists(spool_ + "/service-perfdata.1"));
}

TEST_F(FileTailTest, KeepsASpoolFileThatIsStillBeingWritten) {
  options_.delete_after_read = true;
  options_.settle_time = std::chrono::hours(1);
  append(spool_ + "/copying", "one\ntw");
  EXPECT_EQ(poll(), Lines{"one"});
  EXPECT_TRUE(fs::exists(spool_ + "/copying"));
  append(spool_ + "/copying", "o\n");
  EXPECT_EQ(poll(), Lines{"two"});
}

TEST_F(FileTailTest, GivesUpTheUnfinishedLastLineOfASettledSpoolFile) {
  append(spool_ + "/broken", "one\ncut sh");
  EXPECT_EQ(poll(), Lines{"one"});
  EXPECT_EQ(last_.lost_partials, 1u);
  append(spool_ + "/broken", "ort\nlater\n");
  EXPECT_EQ(poll(), Lines{"later"});
}

TEST_F(FileTailTest, LeavesItsOwnStateFileInTheSpoolAlone) {
  options_.state_file = spool_ + "/positions";
  append(live_, "one\n");
  EXPECT_EQ(poll(), Lines{"one"});
  EXPECT_TRUE(fs::exists(spool_ + "/positions"));
  EXPECT_EQ(poll(), Lines{});
}

TEST_F(FileTailTest, SkipsLiveFilesThatAreNotRegularFiles) {
  ASSERT_EQ(::mkfifo(live_.c_str(), 0600), 0);
  EXPECT_EQ(poll(), Lines{});
}

TEST(FileTailStateTest, RoundTripsPositionsWithAwkwardPaths) {
  TempDir dir;
  TailState state;
  TailPosition position;
  position.id = FileIdentity{12, 34};
  position.offset = 56;
  position.fingerprint = Fingerprint{56, 0xfeedface};
  position.skipping = true;
  position.path = "/a\tb\nc\\d";
  state.files.push_back(position);
  position.skipping = false;
  state.gone.push_back(position);
  ASSERT_TRUE(saveTailState(dir.path("sub/state"), state));
  auto loaded = loadTailState(dir.path("sub/state"));
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(*loaded, state);
  EXPECT_EQ(contents(dir.path("sub/state")).rfind("bsm-file-tail 1\n", 0), 0u);
}

TEST(FileTailStateTest, RejectsDamagedFilesNamingTheLine) {
  TempDir dir;
  overwrite(dir.path("state"), "bsm-file-tail 1\nfile\t1\t2\tx\t0\t0\t0\t/p\n");
  auto loaded = loadTailState(dir.path("state"));
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find(":2:"), std::string::npos) << loaded.error().message;
  EXPECT_TRUE(loadTailState(dir.path("missing")));
}

}  // namespace
}  // namespace bsm::plugins::nagios
