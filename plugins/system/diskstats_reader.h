#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace bsm::plugins::system {

// The /proc/diskstats counters we turn into rates, for one disk.
struct DiskCounters {
  uint64_t reads = 0;            // reads completed
  uint64_t sectors_read = 0;     // 512-byte units whatever the device's sector size
  uint64_t writes = 0;           // writes completed
  uint64_t sectors_written = 0;  // 512-byte units
  uint64_t io_ms = 0;            // milliseconds with at least one request in flight
};

// Per-second rates between two readings of one disk.
struct DiskRates {
  double read_bytes = 0;
  double write_bytes = 0;
  double read_ops = 0;
  double write_ops = 0;
  double io_time_percent = 0;  // capped at 100: timer jitter can overshoot a little
};

// Nothing when any counter went backwards (see counterRate()): a disk that was reset or
// re-attached under the same name has no trustworthy rate until the next round.
std::optional<DiskRates> diskRates(const DiskCounters& before, const DiskCounters& after,
                                   double seconds);

// Whole disks from <proc_root>/diskstats.
class DiskstatsReader {
 public:
  DiskstatsReader(std::string proc_root, std::string sys_root);

  struct Snapshot {
    std::map<std::string, DiskCounters> disks;  // by kernel name, e.g. "vda", "nvme0n1"
    size_t skipped_lines = 0;
  };

  Result<Snapshot> read() const;

  // A whole disk has a directory under <sys_root>/block; partitions do not. Loop devices and
  // RAM disks (ram, zram) are there too, but hold no disk I/O worth reporting.
  bool isWholeDisk(std::string_view name) const;

 private:
  std::string path_;
  std::string sys_block_;
};

}  // namespace bsm::plugins::system
