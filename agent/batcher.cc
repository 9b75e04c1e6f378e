#include "agent/batcher.h"

#include "common/logging.h"

namespace bsm::agent {

namespace {

int64_t seriesInterval(const plugins::InputSettings& input, int64_t own_interval_ms) {
  return own_interval_ms > 0 ? own_interval_ms : input.seriesInterval().count();
}

}  // namespace

Batcher::Batcher(SeriesTable& series, BatchQueue& queue, size_t max_values,
                 std::chrono::milliseconds max_delay)
    : series_(series), queue_(queue), max_values_(max_values), max_delay_(max_delay) {}

void Batcher::add(const plugins::InputSettings& input, const Sample& sample) {
  const auto id = series_.intern(SeriesKind::kMetric, sample.host, sample.name, sample.labels,
                                 sample.unit, seriesInterval(input, sample.interval_ms));
  std::lock_guard lock(mutex_);
  if (!id) {
    if (rejected_series_++ % 1000 == 0) {
      logging::get("agent")->error(
          "series table full, dropping new series input={} name={} rejected_total={}", input.name,
          sample.name, rejected_series_);
    }
    return;
  }
  open_.metrics.push_back(
      {*id, sample.ts_ms, sample.value, sample.warn, sample.crit, sample.min, sample.max});
  afterAddLocked();
}

void Batcher::add(const plugins::InputSettings& input, const CheckResult& result) {
  const auto id = series_.intern(SeriesKind::kCheck, result.host, result.name, result.labels, "",
                                 seriesInterval(input, result.interval_ms));
  std::lock_guard lock(mutex_);
  if (!id) {
    if (rejected_series_++ % 1000 == 0) {
      logging::get("agent")->error(
          "series table full, dropping new check input={} name={} rejected_total={}", input.name,
          result.name, rejected_series_);
    }
    return;
  }
  open_.checks.push_back({*id, result.ts_ms, result.state, result.output});
  afterAddLocked();
}

void Batcher::afterAddLocked() {
  if (open_.valueCount() == 1) {
    opened_at_ = std::chrono::steady_clock::now();
  }
  if (open_.valueCount() >= max_values_) {
    sealLocked();
  }
}

void Batcher::sealIfDue(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (open_.valueCount() > 0 && now - opened_at_ >= max_delay_) {
    sealLocked();
  }
}

void Batcher::sealNow() {
  std::lock_guard lock(mutex_);
  if (open_.valueCount() > 0) {
    sealLocked();
  }
}

void Batcher::sealLocked() {
  queue_.push(std::move(open_));
  open_ = PendingBatch{};
}

uint64_t Batcher::rejectedSeries() const {
  std::lock_guard lock(mutex_);
  return rejected_series_;
}

}  // namespace bsm::agent
