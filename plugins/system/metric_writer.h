#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/sample.h"
#include "plugins/input.h"
#include "plugins/system/cpu_stat_reader.h"
#include "plugins/system/diskstats_reader.h"
#include "plugins/system/filesystem_reader.h"
#include "plugins/system/host_reader.h"
#include "plugins/system/meminfo_reader.h"
#include "plugins/system/net_dev_reader.h"

namespace bsm::plugins::system {

// Turns what the readers found into samples. The metric names, labels and units here are a
// contract that service models rely on; docs/plugins/system.md lists them.
class MetricWriter {
 public:
  // Every sample is stamped with `ts_ms` and speaks for `host`.
  MetricWriter(Emitter& out, std::string host, int64_t ts_ms);

  void cpu(const std::optional<CpuUsage>& usage, uint32_t online_cpus);
  void load(const LoadAverage& load);
  void memory(const MemInfo& info);
  void filesystems(const std::vector<FilesystemReport>& filesystems);
  // Rates for the disks and interfaces present in both readings.
  void disks(const DiskstatsReader::Snapshot& before, const DiskstatsReader::Snapshot& after,
             double seconds);
  void interfaces(const NetDevReader::Snapshot& before, const NetDevReader::Snapshot& after,
                  double seconds);
  void processes(std::optional<uint64_t> count, std::optional<uint64_t> running,
                 std::optional<uint64_t> blocked);
  void uptime(double seconds);

  // Samples written so far.
  size_t written() const { return written_; }

 private:
  void write(std::string name, std::optional<double> value, std::string_view unit,
             Labels labels = {});

  Emitter& out_;
  std::string host_;
  int64_t ts_ms_;
  size_t written_ = 0;
};

}  // namespace bsm::plugins::system
