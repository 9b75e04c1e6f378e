#pragma once

#include <sys/statvfs.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace bsm::plugins::system {

// Space and inode use of one filesystem, the way df(1) reports it.
struct FsUsage {
  uint64_t size_bytes = 0;
  uint64_t used_bytes = 0;
  uint64_t free_bytes = 0;  // available to unprivileged users, so without the root reserve
  double used_percent = 0;  // used / (used + free): the reserve counts as neither
  std::optional<double> inodes_used_percent;  // nothing when the filesystem has no inode table
};

// Computes FsUsage from what statvfs(3) returned.
FsUsage fsUsage(const struct statvfs& st);

// Calls statvfs(3) on mount points without letting one that hangs (a dead NFS server with a
// hard mount) stall the caller.
//
// Each call runs on its own detached thread, because a thread blocked in the kernel on such a
// mount cannot be cancelled. A call that misses the deadline is remembered as blocked and its
// path is refused until the call returns, so a dead server costs one thread, not one per
// round. No more than `max_blocked` calls run at once, blocked ones included: paths are
// probed in waves of that size, and when that many are blocked no new thread starts.
class StatvfsProbe {
 public:
  // Fills `out` and returns 0, or returns an errno value. Runs on the probe's threads.
  using StatFn = std::function<int(const std::string& path, struct statvfs& out)>;

  // An empty `stat` means the real one: stat(2) to refuse what is not a directory (Docker
  // bind-mounts single files such as /etc/hosts), then statvfs(3).
  explicit StatvfsProbe(StatFn stat = {}, size_t max_blocked = 16);

  // The usage of each path, in the same order, or why there is none. Returns by `deadline`.
  std::vector<Result<FsUsage>> probe(const std::vector<std::string>& paths,
                                     std::chrono::steady_clock::time_point deadline);

  // Calls that missed their deadline and have not returned since.
  size_t blocked();

 private:
  struct Call;

  void forgetReturned();
  // Starts one call on its own thread; null with `error` set when no thread can be started.
  std::shared_ptr<Call> start(const std::string& path, std::string& error);

  StatFn stat_;
  size_t max_blocked_;
  std::map<std::string, std::shared_ptr<Call>> blocked_;
};

}  // namespace bsm::plugins::system
