#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace bsm::plugins::system {

// The CPU states of /proc/stat's "cpu" lines, in the kernel's column order. The guest columns
// that follow are left out: the kernel already counts guest time inside user and nice.
inline constexpr size_t kCpuStateCount = 8;
inline constexpr std::array<std::string_view, kCpuStateCount> kCpuStateNames = {
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"};
inline constexpr size_t kCpuIdle = 3;
inline constexpr size_t kCpuIowait = 4;

// Time spent in each state since boot, in clock ticks, summed over all CPUs.
struct CpuTimes {
  std::array<uint64_t, kCpuStateCount> ticks{};

  uint64_t total() const;
};

// What one read of /proc/stat gave.
struct KernelStat {
  std::optional<CpuTimes> all;  // the aggregate "cpu" line
  uint32_t online_cpus = 0;     // "cpuN" lines; the kernel lists online CPUs only
  std::optional<uint64_t> procs_running;
  std::optional<uint64_t> procs_blocked;
  size_t skipped_lines = 0;  // lines we wanted that did not parse
};

// Share of the interval spent in each state, and busy time (everything but idle and iowait).
struct CpuUsage {
  double utilization = 0;
  std::array<double, kCpuStateCount> state_percent{};
};

// Percentages between two readings of the aggregate line. Nothing when no tick passed or the
// total went backwards. A single state that went backwards counts as zero for the interval:
// the kernel documents that iowait can decrease, and dropping the whole round for it would
// leave gaps on idle machines where it happens most.
std::optional<CpuUsage> cpuUsage(const CpuTimes& before, const CpuTimes& after);

// Reads <proc_root>/stat.
class CpuStatReader {
 public:
  explicit CpuStatReader(std::string proc_root);

  Result<KernelStat> read() const;

  // Folds one line into `stat`; false when it is a line we want but cannot parse.
  static bool parseLine(std::string_view line, KernelStat& stat);

 private:
  std::string path_;
};

}  // namespace bsm::plugins::system
