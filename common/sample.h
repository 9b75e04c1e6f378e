#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/check_state.h"
#include "common/nagios_range.h"

namespace bsm {

// Label keys to values, kept sorted so that equal label sets compare and hash alike.
using Labels = std::map<std::string, std::string>;

// One numeric measurement of one series at one time.
struct Sample {
  std::string host;
  std::string name;  // e.g. "system.load1"
  Labels labels;
  double value = 0;
  std::string unit;   // e.g. "percent", "bytes", "" when dimensionless
  int64_t ts_ms = 0;  // when the agent took it, milliseconds since the epoch (UTC)
  // Nagios perfdata thresholds and bounds, where the source gave them.
  std::optional<NagiosRange> warn;
  std::optional<NagiosRange> crit;
  std::optional<double> min;
  std::optional<double> max;
  // How often this series gets a value, when that is not its input's interval (a Zabbix item
  // with an interval of its own); 0 means the input's. The server reckons staleness from it.
  int64_t interval_ms = 0;
};

// The outcome of one check (a Nagios plugin run, a Zabbix item that is not supported...).
struct CheckResult {
  std::string host;
  std::string name;
  Labels labels;
  CheckState state = CheckState::kUnknown;
  std::string output;
  int64_t ts_ms = 0;
  int64_t interval_ms = 0;  // as for Sample
};

// Milliseconds since the epoch, from the system clock.
int64_t nowMs();

}  // namespace bsm
