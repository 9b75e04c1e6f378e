#include "plugins/system/diskstats_reader.h"

#include <sys/stat.h>

#include <algorithm>

#include "plugins/system/counter_rate.h"
#include "plugins/system/proc_file.h"

namespace bsm::plugins::system {

namespace {

constexpr ReadLimits kDiskstatsLimits{.max_bytes = 4 << 20, .max_line = 1024};
constexpr double kSectorBytes = 512;
constexpr size_t kMaxDisks = 4096;

// major, minor, name, then at least the 11 counters every kernel since 2.6 writes for a disk.
constexpr size_t kMinFields = 14;

bool startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::optional<DiskRates> diskRates(const DiskCounters& before, const DiskCounters& after,
                                   double seconds) {
  const auto sectors_read = counterRate(before.sectors_read, after.sectors_read, seconds);
  const auto sectors_written = counterRate(before.sectors_written, after.sectors_written, seconds);
  const auto reads = counterRate(before.reads, after.reads, seconds);
  const auto writes = counterRate(before.writes, after.writes, seconds);
  const auto busy_ms = counterRate(before.io_ms, after.io_ms, seconds);
  if (!sectors_read || !sectors_written || !reads || !writes || !busy_ms) {
    return std::nullopt;
  }
  DiskRates rates;
  rates.read_bytes = *sectors_read * kSectorBytes;
  rates.write_bytes = *sectors_written * kSectorBytes;
  rates.read_ops = *reads;
  rates.write_ops = *writes;
  // Busy milliseconds per second of wall time, as a share of that second.
  rates.io_time_percent = std::min(100.0, *busy_ms / 10.0);
  return rates;
}

DiskstatsReader::DiskstatsReader(std::string proc_root, std::string sys_root)
    : path_(std::move(proc_root) + "/diskstats"), sys_block_(std::move(sys_root) + "/block/") {}

bool DiskstatsReader::isWholeDisk(std::string_view name) const {
  if (name.empty() || name == "." || name == ".." || startsWith(name, "loop") ||
      startsWith(name, "ram") || startsWith(name, "zram")) {
    return false;
  }
  // sysfs spells a '/' in a device name (cciss/c0d0) as '!'.
  std::string entry(name);
  for (char& c : entry) {
    if (c == '/') {
      c = '!';
    }
  }
  struct stat st {};
  return ::stat((sys_block_ + entry).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<DiskstatsReader::Snapshot> DiskstatsReader::read() const {
  Snapshot snapshot;
  auto scan = forEachLine(path_, kDiskstatsLimits, [&](std::string_view line) {
    const auto fields = splitFields(line);
    if (fields.empty()) {
      return;
    }
    if (fields.size() < kMinFields) {
      ++snapshot.skipped_lines;
      return;
    }
    const std::string_view name = fields[2];
    if (snapshot.disks.size() >= kMaxDisks || !isWholeDisk(name)) {
      return;
    }
    // Columns after the name: reads, reads merged, sectors read, ms reading, writes, writes
    // merged, sectors written, ms writing, in flight, ms doing I/O, weighted ms.
    const auto reads = parseUnsigned(fields[3]);
    const auto sectors_read = parseUnsigned(fields[5]);
    const auto writes = parseUnsigned(fields[7]);
    const auto sectors_written = parseUnsigned(fields[9]);
    const auto io_ms = parseUnsigned(fields[12]);
    if (!reads || !sectors_read || !writes || !sectors_written || !io_ms) {
      ++snapshot.skipped_lines;
      return;
    }
    snapshot.disks[std::string(name)] =
        DiskCounters{*reads, *sectors_read, *writes, *sectors_written, *io_ms};
  });
  if (!scan) {
    return scan.error();
  }
  snapshot.skipped_lines += scan->overlong + (scan->truncated ? 1 : 0);
  return snapshot;
}

}  // namespace bsm::plugins::system
