#include "plugins/system/statvfs_probe.h"

#include <sys/stat.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>

namespace bsm::plugins::system {

namespace {

int realStat(const std::string& path, struct statvfs& out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return errno;
  }
  if (!S_ISDIR(st.st_mode)) {
    return ENOTDIR;
  }
  return ::statvfs(path.c_str(), &out) == 0 ? 0 : errno;
}

double percent(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

// Shared by the caller and the thread doing the call; whichever lets go last frees it.
struct StatvfsProbe::Call {
  std::mutex mutex;
  std::condition_variable returned_cv;
  bool returned = false;
  int error = 0;
  struct statvfs result {};
};

FsUsage fsUsage(const struct statvfs& st) {
  const uint64_t unit = st.f_frsize != 0 ? st.f_frsize : st.f_bsize;
  // Some filesystems report more free than total blocks while they are being resized.
  const uint64_t blocks = st.f_blocks;
  const uint64_t free_blocks = std::min<uint64_t>(st.f_bfree, blocks);
  const uint64_t avail_blocks = std::min<uint64_t>(st.f_bavail, free_blocks);
  const uint64_t used_blocks = blocks - free_blocks;

  FsUsage usage;
  usage.size_bytes = blocks * unit;
  usage.used_bytes = used_blocks * unit;
  usage.free_bytes = avail_blocks * unit;
  usage.used_percent = percent(used_blocks, used_blocks + avail_blocks);
  if (st.f_files != 0) {
    const uint64_t free_inodes = std::min<uint64_t>(st.f_ffree, st.f_files);
    usage.inodes_used_percent = percent(st.f_files - free_inodes, st.f_files);
  }
  return usage;
}

StatvfsProbe::StatvfsProbe(StatFn stat, size_t max_blocked)
    : stat_(stat ? std::move(stat) : StatFn(realStat)), max_blocked_(max_blocked) {}

void StatvfsProbe::forgetReturned() {
  for (auto it = blocked_.begin(); it != blocked_.end();) {
    std::lock_guard lock(it->second->mutex);
    it = it->second->returned ? blocked_.erase(it) : std::next(it);
  }
}

size_t StatvfsProbe::blocked() {
  forgetReturned();
  return blocked_.size();
}

// TODO: a thread is started per mount and round (tens of microseconds each); on hosts with
// hundreds of distinct filesystems a small persistent pool would cost less, at the price of
// replacing workers that get stuck.
std::shared_ptr<StatvfsProbe::Call> StatvfsProbe::start(const std::string& path,
                                                        std::string& error) {
  auto call = std::make_shared<Call>();
  try {
    std::thread([call, stat = stat_, path] {
      struct statvfs result {};
      const int status = stat(path, result);
      std::lock_guard lock(call->mutex);
      call->result = result;
      call->error = status;
      call->returned = true;
      call->returned_cv.notify_all();
    }).detach();
  } catch (const std::system_error& e) {
    error = "cannot start a thread for statvfs of " + path + ": " + e.what();
    return nullptr;
  }
  return call;
}

std::vector<Result<FsUsage>> StatvfsProbe::probe(const std::vector<std::string>& paths,
                                                 std::chrono::steady_clock::time_point deadline) {
  forgetReturned();
  std::vector<Result<FsUsage>> out(paths.size(), Error{"not probed"});

  // Waves of at most as many calls as may still block, so that the threads left behind by
  // hung calls never number more than max_blocked_.
  size_t next = 0;
  while (next < paths.size()) {
    const size_t room = max_blocked_ > blocked_.size() ? max_blocked_ - blocked_.size() : 0;
    std::vector<std::pair<size_t, std::shared_ptr<Call>>> wave;
    for (; next < paths.size() && wave.size() < room; ++next) {
      const std::string& path = paths[next];
      std::string error;
      if (blocked_.count(path) != 0) {
        out[next] = Error{"an earlier statvfs of " + path + " has not returned yet"};
      } else if (std::chrono::steady_clock::now() >= deadline) {
        out[next] = Error{"no time left in this round for statvfs of " + path};
      } else if (auto call = start(path, error)) {
        wave.emplace_back(next, std::move(call));
      } else {
        out[next] = Error{error};
      }
    }
    if (room == 0) {
      for (; next < paths.size(); ++next) {
        out[next] = Error{std::to_string(blocked_.size()) +
                          " statvfs calls are blocked; not starting another for " + paths[next]};
      }
    }

    for (const auto& [i, call] : wave) {
      std::unique_lock lock(call->mutex);
      // A named copy, because clang 14 cannot capture a structured binding in a lambda.
      const auto& pending = call;
      if (!call->returned_cv.wait_until(lock, deadline, [&] { return pending->returned; })) {
        blocked_[paths[i]] = call;
        out[i] = Error{"statvfs of " + paths[i] + " did not return in time"};
      } else if (call->error != 0) {
        out[i] = Error{"statvfs of " + paths[i] + ": " + std::strerror(call->error)};
      } else {
        out[i] = fsUsage(call->result);
      }
    }
  }
  return out;
}

}  // namespace bsm::plugins::system
