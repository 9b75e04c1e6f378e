#include "plugins/system/cpu_stat_reader.h"

#include "plugins/system/proc_file.h"

namespace bsm::plugins::system {

namespace {

// The interrupt counters ("intr") make the longest lines and are of no use here; a line cap
// well above any "cpu" line drops them without reading them into memory.
constexpr ReadLimits kStatLimits{.max_bytes = 16 << 20, .max_line = 8192};

bool isCpuNumber(std::string_view suffix) {
  return !suffix.empty() && parseUnsigned(suffix).has_value();
}

}  // namespace

uint64_t CpuTimes::total() const {
  uint64_t sum = 0;
  for (uint64_t t : ticks) {
    sum += t;
  }
  return sum;
}

std::optional<CpuUsage> cpuUsage(const CpuTimes& before, const CpuTimes& after) {
  if (after.total() < before.total()) {
    return std::nullopt;
  }
  std::array<uint64_t, kCpuStateCount> delta{};
  uint64_t total = 0;
  for (size_t i = 0; i < kCpuStateCount; ++i) {
    delta[i] = after.ticks[i] > before.ticks[i] ? after.ticks[i] - before.ticks[i] : 0;
    total += delta[i];
  }
  if (total == 0) {
    return std::nullopt;
  }

  CpuUsage usage;
  for (size_t i = 0; i < kCpuStateCount; ++i) {
    usage.state_percent[i] = 100.0 * static_cast<double>(delta[i]) / static_cast<double>(total);
  }
  const double busy = 100.0 - usage.state_percent[kCpuIdle] - usage.state_percent[kCpuIowait];
  usage.utilization = busy < 0 ? 0 : busy;
  return usage;
}

CpuStatReader::CpuStatReader(std::string proc_root) : path_(std::move(proc_root) + "/stat") {}

bool CpuStatReader::parseLine(std::string_view line, KernelStat& stat) {
  const auto fields = splitFields(line);
  if (fields.empty()) {
    return true;
  }
  const std::string_view key = fields[0];

  if (key == "procs_running" || key == "procs_blocked") {
    const auto value = fields.size() == 2 ? parseUnsigned(fields[1]) : std::nullopt;
    if (!value) {
      return false;
    }
    (key == "procs_running" ? stat.procs_running : stat.procs_blocked) = *value;
    return true;
  }

  if (key.substr(0, 3) != "cpu") {
    return true;
  }
  const bool aggregate = key == "cpu";
  if (!aggregate && !isCpuNumber(key.substr(3))) {
    return true;
  }
  // Kernels before 2.6.11 had no steal column; those columns are then zero.
  if (fields.size() < 5) {
    return false;
  }
  CpuTimes times;
  for (size_t i = 0; i < kCpuStateCount && i + 1 < fields.size(); ++i) {
    const auto value = parseUnsigned(fields[i + 1]);
    if (!value) {
      return false;
    }
    times.ticks[i] = *value;
  }
  if (aggregate) {
    stat.all = times;
  } else {
    ++stat.online_cpus;
  }
  return true;
}

Result<KernelStat> CpuStatReader::read() const {
  KernelStat stat;
  auto scan = forEachLine(path_, kStatLimits, [&](std::string_view line) {
    if (!parseLine(line, stat)) {
      ++stat.skipped_lines;
    }
  });
  if (!scan) {
    return scan.error();
  }
  if (!stat.all && !stat.procs_running && !stat.procs_blocked) {
    return Error{path_ + " has none of the lines 'cpu', 'procs_running', 'procs_blocked'"};
  }
  return stat;
}

}  // namespace bsm::plugins::system
