#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/result.h"

namespace bsm::plugins::system {

// The /proc/net/dev counters we turn into rates, for one interface.
struct InterfaceCounters {
  uint64_t rx_bytes = 0;
  uint64_t rx_packets = 0;
  uint64_t rx_errors = 0;
  uint64_t rx_dropped = 0;
  uint64_t tx_bytes = 0;
  uint64_t tx_packets = 0;
  uint64_t tx_errors = 0;
  uint64_t tx_dropped = 0;
};

// Per-second rates between two readings of one interface.
struct InterfaceRates {
  double rx_bytes = 0;
  double tx_bytes = 0;
  double rx_packets = 0;
  double tx_packets = 0;
  double rx_errors = 0;
  double tx_errors = 0;
  double rx_dropped = 0;
  double tx_dropped = 0;
};

// Nothing when any counter went backwards (see counterRate()): an interface deleted and
// created again under the same name starts from zero.
std::optional<InterfaceRates> interfaceRates(const InterfaceCounters& before,
                                             const InterfaceCounters& after, double seconds);

// Network interfaces from <proc_root>/net/dev, which lists those of the reader's network
// namespace.
class NetDevReader {
 public:
  NetDevReader(std::string proc_root, bool include_loopback);

  struct Snapshot {
    std::map<std::string, InterfaceCounters> interfaces;  // by name, e.g. "eth0"
    size_t skipped_lines = 0;
  };

  Result<Snapshot> read() const;

 private:
  std::string path_;
  bool include_loopback_;
};

}  // namespace bsm::plugins::system
