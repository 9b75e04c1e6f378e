#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "plugins/input.h"
#include "plugins/input_registry.h"
#include "plugins/system/cpu_stat_reader.h"
#include "plugins/system/diskstats_reader.h"
#include "plugins/system/filesystem_reader.h"
#include "plugins/system/host_reader.h"
#include "plugins/system/input_clock.h"
#include "plugins/system/meminfo_reader.h"
#include "plugins/system/mount_table.h"
#include "plugins/system/net_dev_reader.h"
#include "plugins/system/statvfs_probe.h"

namespace bsm::plugins::system {

// What the `system` input is configured with. The roots are not config keys; they exist so
// that tests (and a containerised agent with the host's /proc mounted elsewhere) can point
// the input at another tree.
struct SystemOptions {
  MountFilter mounts;  // exclude_mounts, exclude_fstypes
  bool include_loopback = false;
  std::string proc_root = "/proc";
  std::string sys_root = "/sys";
};

// What the input takes from the host besides files, replaceable in tests.
struct SystemHooks {
  std::shared_ptr<InputClock> clock;  // null: the host's clocks
  StatvfsProbe::StatFn statvfs;       // empty: stat(2) and statvfs(3)
};

// This host's own metrics from procfs, sysfs and statvfs (docs/plugins/system.md lists them).
//
// Rates and CPU percentages need two readings. The first collect() takes a baseline, pauses
// (500 ms, or a quarter of the input's timeout when that is shorter) and reads again, so that
// even `bsm-agent --once` prints real rates; later rounds measure against the round before.
// A source that cannot be read (no /proc/diskstats in some containers) drops its metrics and
// nothing else.
class SystemInput : public Input {
 public:
  explicit SystemInput(InputSettings settings, SystemOptions options = {}, SystemHooks hooks = {});

  // Options: exclude_mounts, exclude_fstypes (lists of globs), include_loopback (bool).
  static InputFactory factory();

  void collect(Emitter& out) override;

  // Counts of what went wrong, for the agent's own metrics. Safe from any thread.
  struct Stats {
    uint64_t rounds = 0;
    uint64_t failed_reads = 0;    // a source file or directory could not be read or used
    uint64_t skipped_lines = 0;   // lines that did not parse or were too long
    uint64_t skipped_mounts = 0;  // statvfs failed, hung or found nothing
  };
  Stats stats() const;

 private:
  // The counters that only mean something against an earlier reading.
  struct Reading {
    std::chrono::steady_clock::time_point at;
    std::optional<KernelStat> stat;
    std::optional<DiskstatsReader::Snapshot> disks;
    std::optional<NetDevReader::Snapshot> interfaces;
  };

  Reading readCounters();
  // Unwraps `result`, logging and counting a failure; nothing when it failed.
  template <typename T>
  std::optional<T> take(const std::string& source, Result<T> result);
  void noteSkipped(const std::string& source, size_t lines);

  SystemOptions options_;
  std::shared_ptr<InputClock> clock_;
  CpuStatReader cpu_;
  MeminfoReader memory_;
  HostReader host_;
  FilesystemReader filesystems_;
  DiskstatsReader disks_;
  NetDevReader interfaces_;

  std::optional<Reading> previous_;
  std::set<std::string> failing_;  // sources whose last read failed, to warn once per outage

  std::atomic<uint64_t> rounds_{0};
  std::atomic<uint64_t> failed_reads_{0};
  std::atomic<uint64_t> skipped_lines_{0};
  std::atomic<uint64_t> skipped_mounts_{0};
};

}  // namespace bsm::plugins::system
