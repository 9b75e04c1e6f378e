#pragma once

#include <cstdint>
#include <string>

#include "common/sample.h"

namespace bsm::server {

enum class SeriesKind { kMetric, kCheck };

// "metric" or "check".
const char* toString(SeriesKind kind);

// The engine's handle on one series, valid for the engine's life. 0 is never a valid id.
using SeriesId = uint32_t;
inline constexpr SeriesId kNoSeries = 0;

// What an agent says about a series when it defines it in a session. The identity of a series
// is (kind, host, name, labels); the rest describes it and may change when it is redefined,
// for instance by another agent that took over a device.
struct SeriesKey {
  std::string agent_id;  // the agent that delivers it
  SeriesKind kind = SeriesKind::kMetric;
  std::string host;
  std::string name;  // metric name or check name
  Labels labels;
  std::string unit;         // metrics only
  int64_t interval_ms = 0;  // how often its producer runs; 0 when the agent did not say
};

// "system.load1 on web-1", "check http on web-1 {port=443}": names a series in messages.
std::string describeSeries(SeriesKind kind, const std::string& host, const std::string& name,
                           const Labels& labels);

// Labels as "k=v,k2=v2", sorted by key, the form stored in the state history.
std::string formatLabels(const Labels& labels);

}  // namespace bsm::server
