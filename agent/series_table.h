#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/sample.h"

namespace bsm::agent {

enum class SeriesKind { kMetric, kCheck };

struct SeriesDefinition {
  SeriesKind kind = SeriesKind::kMetric;
  std::string host;
  std::string name;
  Labels labels;
  std::string unit;
  int64_t interval_ms = 0;
};

// Every series this agent has produced, each with a small id that stays the same for the
// agent's life. Batches hold ids instead of names, so a queued value costs a few bytes, and the
// stream defines each id once per session. Thread-safe.
class SeriesTable {
 public:
  explicit SeriesTable(size_t max_series = 1'000'000) : max_series_(max_series) {}

  // The id of the series, defined on first sight; nullopt once the table is full (a plugin
  // that invents new labels every round must not eat the agent's memory).
  std::optional<uint32_t> intern(SeriesKind kind, const std::string& host, const std::string& name,
                                 const Labels& labels, const std::string& unit,
                                 int64_t interval_ms);
  // A copy of the definition; ids come from intern() so they are always valid.
  SeriesDefinition definition(uint32_t id) const;
  size_t size() const;

 private:
  size_t max_series_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<SeriesDefinition> definitions_;  // index = id - 1
};

}  // namespace bsm::agent
