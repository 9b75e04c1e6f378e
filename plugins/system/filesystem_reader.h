#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "common/result.h"
#include "plugins/system/mount_table.h"
#include "plugins/system/statvfs_probe.h"

namespace bsm::plugins::system {

// One filesystem to report: where it is mounted and how full it is.
struct FilesystemReport {
  Mount mount;
  FsUsage usage;
};

// The real filesystems of this host with their usage: MountTable's list, one mount per device,
// measured through StatvfsProbe.
class FilesystemReader {
 public:
  FilesystemReader(std::string proc_root, MountFilter filter, StatvfsProbe::StatFn stat = {});

  struct Listing {
    std::vector<FilesystemReport> filesystems;  // in /proc/mounts order of their device
    size_t skipped_lines = 0;                   // from the mount table
    size_t skipped_mounts = 0;                  // statvfs failed, hung, or reported no blocks
  };

  // Reports each device once (bind mounts show one device at several places): at the root
  // when the root is one of its mounts, else at its first mount. When that mount cannot be
  // measured (permission denied for an unprivileged agent, a file bind mount, a hung call),
  // the device's next mount is tried, so one bad path does not hide a whole device. Every
  // statvfs is over by `timeout`.
  Result<Listing> read(std::chrono::milliseconds timeout);

 private:
  MountTable table_;
  StatvfsProbe probe_;
};

}  // namespace bsm::plugins::system
