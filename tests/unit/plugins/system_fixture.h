#pragma once

#include <stdlib.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/sample.h"
#include "plugins/input.h"
#include "plugins/system/input_clock.h"
#include "plugins/system/statvfs_probe.h"

// Helpers shared by the system input's tests: a scratch copy of the procfs/sysfs fixtures
// that a test can advance round by round, a controllable clock, a fake statvfs and an emitter
// that keeps what it gets.
namespace bsm::plugins::system::testing {

inline std::filesystem::path fixtureDir() {
  return std::filesystem::path(BSM_SOURCE_DIR) / "tests/unit/plugins/fixtures/system";
}

// A temporary directory holding proc/ and sys/ copied from fixtures/system/base; removed
// when the test ends.
class FixtureRoot {
 public:
  FixtureRoot() {
    std::string pattern = (std::filesystem::temp_directory_path() / "bsm-system-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    dir_ = pattern;
    apply("base");
  }
  ~FixtureRoot() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  FixtureRoot(const FixtureRoot&) = delete;
  FixtureRoot& operator=(const FixtureRoot&) = delete;

  std::string proc() const { return (dir_ / "proc").string(); }
  std::string sys() const { return (dir_ / "sys").string(); }

  // Copies fixtures/system/<round> over the tree, replacing the files it has.
  void apply(const std::string& round) {
    std::filesystem::copy(fixtureDir() / round, dir_,
                          std::filesystem::copy_options::recursive |
                              std::filesystem::copy_options::overwrite_existing);
  }

  // Writes `text` to proc/<relative> (or elsewhere under the root with a "sys/" path).
  void write(const std::string& relative, const std::string& text) {
    const auto path = relative.rfind("sys/", 0) == 0 ? dir_ / relative : dir_ / "proc" / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::trunc) << text;
  }

  void remove(const std::string& relative) { std::filesystem::remove(dir_ / "proc" / relative); }

 private:
  std::filesystem::path dir_;
};

// Time that moves only when told to. sleepFor() advances it and runs `on_sleep`, which lets a
// test change the fixture in the middle of the first round's pause.
class FakeClock : public InputClock {
 public:
  std::chrono::steady_clock::time_point now() override { return now_; }
  int64_t wallMs() override { return wall_ms_; }
  void sleepFor(std::chrono::milliseconds duration) override {
    slept.push_back(duration);
    advance(duration);
    if (on_sleep) {
      on_sleep();
    }
  }
  void advance(std::chrono::milliseconds duration) {
    now_ += duration;
    wall_ms_ += duration.count();
  }

  std::vector<std::chrono::milliseconds> slept;
  std::function<void()> on_sleep;

 private:
  std::chrono::steady_clock::time_point now_{std::chrono::hours(1000)};
  int64_t wall_ms_ = 1'700'000'000'000;
};

// statvfs results by path; paths not listed fail with ENOENT. Records every path asked for.
class FakeStatvfs {
 public:
  void set(const std::string& path, unsigned long frsize, fsblkcnt_t blocks, fsblkcnt_t bfree,
           fsblkcnt_t bavail, fsfilcnt_t files, fsfilcnt_t ffree) {
    struct statvfs st {};
    st.f_bsize = frsize;
    st.f_frsize = frsize;
    st.f_blocks = blocks;
    st.f_bfree = bfree;
    st.f_bavail = bavail;
    st.f_files = files;
    st.f_ffree = ffree;
    std::lock_guard lock(state_->mutex);
    state_->results[path] = st;
  }
  void fail(const std::string& path, int error) {
    std::lock_guard lock(state_->mutex);
    state_->errors[path] = error;
  }
  std::multiset<std::string> asked() const {
    std::lock_guard lock(state_->mutex);
    return state_->asked;
  }

  StatvfsProbe::StatFn fn() const {
    return [state = state_](const std::string& path, struct statvfs& out) {
      std::lock_guard lock(state->mutex);
      state->asked.insert(path);
      if (auto it = state->errors.find(path); it != state->errors.end()) {
        return it->second;
      }
      auto it = state->results.find(path);
      if (it == state->results.end()) {
        return ENOENT;
      }
      out = it->second;
      return 0;
    };
  }

 private:
  struct State {
    mutable std::mutex mutex;
    std::map<std::string, struct statvfs> results;
    std::map<std::string, int> errors;
    std::multiset<std::string> asked;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

// Keeps every sample; finds them by name and labels.
class RecordingEmitter : public Emitter {
 public:
  void emit(Sample sample) override { samples.push_back(std::move(sample)); }
  void emit(CheckResult result) override { checks.push_back(std::move(result)); }

  const Sample* find(const std::string& name, const Labels& labels = {}) const {
    for (const auto& s : samples) {
      if (s.name == name && s.labels == labels) {
        return &s;
      }
    }
    return nullptr;
  }
  size_t count(const std::string& name) const {
    size_t n = 0;
    for (const auto& s : samples) {
      n += s.name == name ? 1 : 0;
    }
    return n;
  }

  std::vector<Sample> samples;
  std::vector<CheckResult> checks;
};

}  // namespace bsm::plugins::system::testing
