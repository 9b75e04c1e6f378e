#include "plugins/system/net_dev_reader.h"

#include "plugins/system/counter_rate.h"
#include "plugins/system/proc_file.h"

namespace bsm::plugins::system {

namespace {

constexpr ReadLimits kNetDevLimits{.max_bytes = 4 << 20, .max_line = 1024};
constexpr size_t kMaxInterfaces = 4096;
// 8 receive columns, then 8 transmit columns.
constexpr size_t kCounterColumns = 16;

}  // namespace

std::optional<InterfaceRates> interfaceRates(const InterfaceCounters& before,
                                             const InterfaceCounters& after, double seconds) {
  const auto rx_bytes = counterRate(before.rx_bytes, after.rx_bytes, seconds);
  const auto tx_bytes = counterRate(before.tx_bytes, after.tx_bytes, seconds);
  const auto rx_packets = counterRate(before.rx_packets, after.rx_packets, seconds);
  const auto tx_packets = counterRate(before.tx_packets, after.tx_packets, seconds);
  const auto rx_errors = counterRate(before.rx_errors, after.rx_errors, seconds);
  const auto tx_errors = counterRate(before.tx_errors, after.tx_errors, seconds);
  const auto rx_dropped = counterRate(before.rx_dropped, after.rx_dropped, seconds);
  const auto tx_dropped = counterRate(before.tx_dropped, after.tx_dropped, seconds);
  if (!rx_bytes || !tx_bytes || !rx_packets || !tx_packets || !rx_errors || !tx_errors ||
      !rx_dropped || !tx_dropped) {
    return std::nullopt;
  }
  return InterfaceRates{*rx_bytes,  *tx_bytes,  *rx_packets, *tx_packets,
                        *rx_errors, *tx_errors, *rx_dropped, *tx_dropped};
}

NetDevReader::NetDevReader(std::string proc_root, bool include_loopback)
    : path_(std::move(proc_root) + "/net/dev"), include_loopback_(include_loopback) {}

Result<NetDevReader::Snapshot> NetDevReader::read() const {
  Snapshot snapshot;
  auto scan = forEachLine(path_, kNetDevLimits, [&](std::string_view line) {
    // The two header lines are the only ones with '|'.
    if (line.find('|') != std::string_view::npos) {
      return;
    }
    // "  eth0: 19227334 451 ...". Interface names cannot hold ':', and old kernels leave no
    // space between the colon and the first number.
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      if (!splitFields(line).empty()) {
        ++snapshot.skipped_lines;
      }
      return;
    }
    const auto name_fields = splitFields(line.substr(0, colon));
    const auto counters = splitFields(line.substr(colon + 1));
    if (name_fields.size() != 1 || counters.size() < kCounterColumns) {
      ++snapshot.skipped_lines;
      return;
    }
    const std::string name(name_fields[0]);
    if ((name == "lo" && !include_loopback_) || snapshot.interfaces.size() >= kMaxInterfaces) {
      return;
    }

    uint64_t values[kCounterColumns];
    for (size_t i = 0; i < kCounterColumns; ++i) {
      const auto value = parseUnsigned(counters[i]);
      if (!value) {
        ++snapshot.skipped_lines;
        return;
      }
      values[i] = *value;
    }
    InterfaceCounters c;
    c.rx_bytes = values[0];
    c.rx_packets = values[1];
    c.rx_errors = values[2];
    c.rx_dropped = values[3];
    c.tx_bytes = values[8];
    c.tx_packets = values[9];
    c.tx_errors = values[10];
    c.tx_dropped = values[11];
    snapshot.interfaces[name] = c;
  });
  if (!scan) {
    return scan.error();
  }
  snapshot.skipped_lines += scan->overlong + (scan->truncated ? 1 : 0);
  return snapshot;
}

}  // namespace bsm::plugins::system
