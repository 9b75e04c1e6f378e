#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/check_state.h"
#include "common/nagios_range.h"

namespace bsm::agent {

struct PendingMetric {
  uint32_t series = 0;  // SeriesTable id
  int64_t ts_ms = 0;
  double value = 0;
  std::optional<NagiosRange> warn;
  std::optional<NagiosRange> crit;
  std::optional<double> min;
  std::optional<double> max;
};

struct PendingCheck {
  uint32_t series = 0;
  int64_t ts_ms = 0;
  CheckState state = CheckState::kUnknown;
  std::string output;
};

// A sealed batch waiting for the server's Ack. Its sequence number never changes once the
// batch has been sent, so a retry is recognised as the same batch.
struct PendingBatch {
  uint64_t seq = 0;
  std::vector<PendingMetric> metrics;
  std::vector<PendingCheck> checks;

  size_t valueCount() const { return metrics.size() + checks.size(); }
};

}  // namespace bsm::agent
