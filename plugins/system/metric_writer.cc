#include "plugins/system/metric_writer.h"

#include "common/logging.h"

namespace bsm::plugins::system {

namespace {

constexpr std::string_view kPercent = "percent";
constexpr std::string_view kBytes = "bytes";

double percentOf(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

std::optional<double> asDouble(std::optional<uint64_t> value) {
  return value ? std::optional<double>(static_cast<double>(*value)) : std::nullopt;
}

}  // namespace

MetricWriter::MetricWriter(Emitter& out, std::string host, int64_t ts_ms)
    : out_(out), host_(std::move(host)), ts_ms_(ts_ms) {}

void MetricWriter::write(std::string name, std::optional<double> value, std::string_view unit,
                         Labels labels) {
  if (!value) {
    return;
  }
  Sample sample;
  sample.host = host_;
  sample.name = std::move(name);
  sample.labels = std::move(labels);
  sample.value = *value;
  sample.unit = std::string(unit);
  sample.ts_ms = ts_ms_;
  out_.emit(std::move(sample));
  ++written_;
}

void MetricWriter::cpu(const std::optional<CpuUsage>& usage, uint32_t online_cpus) {
  if (usage) {
    write("system.cpu.utilization", usage->utilization, kPercent);
    for (size_t i = 0; i < kCpuStateCount; ++i) {
      write("system.cpu.state_percent", usage->state_percent[i], kPercent,
            {{"state", std::string(kCpuStateNames[i])}});
    }
  }
  if (online_cpus > 0) {
    write("system.cpu.count", online_cpus, "");
  }
}

void MetricWriter::load(const LoadAverage& load) {
  write("system.load1", load.load1, "");
  write("system.load5", load.load5, "");
  write("system.load15", load.load15, "");
}

void MetricWriter::memory(const MemInfo& info) {
  const uint64_t used = info.total_bytes - info.available_bytes;
  write("system.memory.total_bytes", static_cast<double>(info.total_bytes), kBytes);
  write("system.memory.available_bytes", static_cast<double>(info.available_bytes), kBytes);
  write("system.memory.used_bytes", static_cast<double>(used), kBytes);
  write("system.memory.used_percent", percentOf(used, info.total_bytes), kPercent);

  const uint64_t swap_used = info.swap_total_bytes - info.swap_free_bytes;
  write("system.swap.total_bytes", static_cast<double>(info.swap_total_bytes), kBytes);
  write("system.swap.used_bytes", static_cast<double>(swap_used), kBytes);
  write("system.swap.used_percent", percentOf(swap_used, info.swap_total_bytes), kPercent);
}

void MetricWriter::filesystems(const std::vector<FilesystemReport>& filesystems) {
  for (const auto& fs : filesystems) {
    const Labels labels = {
        {"mount", fs.mount.mount_point}, {"device", fs.mount.device}, {"fstype", fs.mount.fstype}};
    write("system.fs.size_bytes", static_cast<double>(fs.usage.size_bytes), kBytes, labels);
    write("system.fs.used_bytes", static_cast<double>(fs.usage.used_bytes), kBytes, labels);
    write("system.fs.free_bytes", static_cast<double>(fs.usage.free_bytes), kBytes, labels);
    write("system.fs.used_percent", fs.usage.used_percent, kPercent, labels);
    write("system.fs.inodes_used_percent", fs.usage.inodes_used_percent, kPercent, labels);
  }
}

void MetricWriter::disks(const DiskstatsReader::Snapshot& before,
                         const DiskstatsReader::Snapshot& after, double seconds) {
  for (const auto& [name, counters] : after.disks) {
    const auto previous = before.disks.find(name);
    if (previous == before.disks.end()) {
      continue;
    }
    const auto rates = diskRates(previous->second, counters, seconds);
    if (!rates) {
      logging::get("plugin.system")
          ->debug("device={} counters went backwards (reset or re-attached); no rates this round",
                  name);
      continue;
    }
    const Labels labels = {{"device", name}};
    write("system.disk.read_bytes_rate", rates->read_bytes, "bytes/s", labels);
    write("system.disk.write_bytes_rate", rates->write_bytes, "bytes/s", labels);
    write("system.disk.read_ops_rate", rates->read_ops, "ops/s", labels);
    write("system.disk.write_ops_rate", rates->write_ops, "ops/s", labels);
    write("system.disk.io_time_percent", rates->io_time_percent, kPercent, labels);
  }
}

void MetricWriter::interfaces(const NetDevReader::Snapshot& before,
                              const NetDevReader::Snapshot& after, double seconds) {
  for (const auto& [name, counters] : after.interfaces) {
    const auto previous = before.interfaces.find(name);
    if (previous == before.interfaces.end()) {
      continue;
    }
    const auto rates = interfaceRates(previous->second, counters, seconds);
    if (!rates) {
      logging::get("plugin.system")
          ->debug("interface={} counters went backwards (re-created?); no rates this round", name);
      continue;
    }
    const InterfaceRates& r = *rates;
    const Labels labels = {{"interface", name}};
    write("system.net.rx_bytes_rate", r.rx_bytes, "bytes/s", labels);
    write("system.net.tx_bytes_rate", r.tx_bytes, "bytes/s", labels);
    write("system.net.rx_packets_rate", r.rx_packets, "packets/s", labels);
    write("system.net.tx_packets_rate", r.tx_packets, "packets/s", labels);
    write("system.net.rx_errors_rate", r.rx_errors, "errors/s", labels);
    write("system.net.tx_errors_rate", r.tx_errors, "errors/s", labels);
    write("system.net.rx_dropped_rate", r.rx_dropped, "packets/s", labels);
    write("system.net.tx_dropped_rate", r.tx_dropped, "packets/s", labels);
  }
}

void MetricWriter::processes(std::optional<uint64_t> count, std::optional<uint64_t> running,
                             std::optional<uint64_t> blocked) {
  write("system.processes.count", asDouble(count), "");
  write("system.processes.running", asDouble(running), "");
  write("system.processes.blocked", asDouble(blocked), "");
}

void MetricWriter::uptime(double seconds) {
  write("system.uptime_seconds", seconds, "seconds");
}

}  // namespace bsm::plugins::system
