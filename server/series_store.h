#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/check_state.h"
#include "common/result.h"
#include "server/series_key.h"

namespace bsm::server {

using ComponentId = uint32_t;

// The last few values of a series, oldest first, for sparklines and for judging a flap.
class RecentValues {
 public:
  static constexpr size_t kCapacity = 16;

  void push(double value);
  std::vector<double> ordered() const;
  size_t size() const { return size_; }

 private:
  std::array<double, kCapacity> values_{};
  size_t next_ = 0;
  size_t size_ = 0;
};

// Everything the server holds about one series: its identity, who delivers it, and its
// latest value or check result.
struct Series {
  SeriesKind kind = SeriesKind::kMetric;
  std::string host;
  std::string name;
  Labels labels;
  std::string owner;  // agent id that defined it last
  std::string unit;
  int64_t interval_ms = 0;

  bool has_data = false;
  double value = 0;                       // metrics
  std::optional<NagiosRange> warn, crit;  // metrics, as the source gave them
  std::optional<double> min, max;
  CheckState check_state = CheckState::kUnknown;  // checks
  std::string output;                             // checks
  int64_t sample_ts_ms = 0;                       // agent clock: when it was measured
  int64_t received_ms = 0;                        // server clock: when it arrived, for staleness
  RecentValues recent;

  // The components made from this series, one per selector that matches it.
  std::vector<ComponentId> components;

  std::string describe() const { return describeSeries(kind, host, name, labels); }
};

// Limits on what an agent can make the server hold. Agents are authenticated but still
// untrusted in size: a broken exporter can invent a label value per request.
struct SeriesLimits {
  size_t max_series = 1'000'000;
  size_t max_text = 256;  // host, name, unit, agent id, each label key and value
  size_t max_labels = 32;
  size_t max_output = 4096;  // check output bytes kept
};

// All series ever defined, by id. Series are never removed, so that an id handed to a session
// stays valid for the engine's life.
//
// TODO: a series that no agent has defined for days still holds memory; retiring series needs
// ids that can be revoked from sessions, which the stream does not support yet.
class SeriesStore {
 public:
  explicit SeriesStore(SeriesLimits limits = {}) : limits_(limits) {}

  struct Defined {
    SeriesId id = kNoSeries;
    bool created = false;
    std::string previous_owner;  // of a known series; empty for a new one
  };

  // The id of the series with this identity, created when new. A known series takes the key's
  // owner, unit and interval. Fails, without change, on a key that breaks the limits.
  Result<Defined> define(const SeriesKey& key);

  Series* find(SeriesId id);
  const Series* find(SeriesId id) const;

  // Ids run from 1 to size().
  size_t size() const { return series_.size(); }
  const SeriesLimits& limits() const { return limits_; }

 private:
  Status validate(const SeriesKey& key) const;

  SeriesLimits limits_;
  std::deque<Series> series_;  // id - 1; a deque so that references survive growth
  std::unordered_map<std::string, SeriesId> by_identity_;
};

}  // namespace bsm::server
