#include "agent/series_table.h"

namespace bsm::agent {

namespace {

// A separator that cannot appear in YAML-configured names keeps keys unambiguous.
constexpr char kSeparator = '\x1f';

std::string keyOf(SeriesKind kind, const std::string& host, const std::string& name,
                  const Labels& labels) {
  std::string key(1, kind == SeriesKind::kCheck ? 'c' : 'm');
  key += host;
  key += kSeparator;
  key += name;
  for (const auto& [k, v] : labels) {
    key += kSeparator;
    key += k;
    key += '=';
    key += v;
  }
  return key;
}

}  // namespace

std::optional<uint32_t> SeriesTable::intern(SeriesKind kind, const std::string& host,
                                            const std::string& name, const Labels& labels,
                                            const std::string& unit, int64_t interval_ms) {
  std::string key = keyOf(kind, host, name, labels);
  std::lock_guard lock(mutex_);
  if (auto it = ids_.find(key); it != ids_.end()) {
    return it->second;
  }
  if (definitions_.size() >= max_series_) {
    return std::nullopt;
  }
  definitions_.push_back({kind, host, name, labels, unit, interval_ms});
  const auto id = static_cast<uint32_t>(definitions_.size());
  ids_.emplace(std::move(key), id);
  return id;
}

SeriesDefinition SeriesTable::definition(uint32_t id) const {
  std::lock_guard lock(mutex_);
  return definitions_.at(id - 1);
}

size_t SeriesTable::size() const {
  std::lock_guard lock(mutex_);
  return definitions_.size();
}

}  // namespace bsm::agent
