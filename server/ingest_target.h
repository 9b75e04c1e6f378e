#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "common/result.h"
#include "common/sample.h"
#include "server/series_key.h"

namespace bsm::server {

// What an agent session hands to the rest of the server. Kept apart from the service engine so
// that the stream can feed other consumers later (a metrics sink, a second evaluator).

struct IngestMetric {
  SeriesId series = 0;
  int64_t ts_ms = 0;
  double value = 0;
  std::optional<NagiosRange> warn;
  std::optional<NagiosRange> crit;
  std::optional<double> min;
  std::optional<double> max;
};

struct IngestCheck {
  SeriesId series = 0;
  int64_t ts_ms = 0;
  CheckState state = CheckState::kUnknown;
  std::string output;
};

class IngestTarget {
 public:
  virtual ~IngestTarget() = default;

  virtual void agentConnected(const std::string& agent_id, const std::string& address,
                              int64_t now_ms) = 0;
  virtual void agentDisconnected(const std::string& agent_id, int64_t now_ms) = 0;
  virtual void agentSeen(const std::string& agent_id, int64_t now_ms) = 0;

  // Same series in, same id out, across sessions and agents; kNoSeries when the series is
  // refused (limits on names, labels or the number of series).
  virtual SeriesId defineSeries(const SeriesKey& series) = 0;
  // Applies one batch's values as one step; an unknown id fails the whole call.
  virtual Status apply(std::span<const IngestMetric> metrics, std::span<const IngestCheck> checks,
                       int64_t received_ms) = 0;
};

}  // namespace bsm::server
