#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

#include "agent/batch_queue.h"
#include "agent/series_table.h"
#include "plugins/input.h"

namespace bsm::agent {

// Collects values from every input into the open batch and seals it into the queue when it
// holds `max_values` or its first value is `max_delay` old. Thread-safe.
class Batcher {
 public:
  Batcher(SeriesTable& series, BatchQueue& queue, size_t max_values,
          std::chrono::milliseconds max_delay);

  void add(const plugins::InputSettings& input, const Sample& sample);
  void add(const plugins::InputSettings& input, const CheckResult& result);
  // Seals the open batch if it is old enough; called periodically.
  void sealIfDue(std::chrono::steady_clock::time_point now);
  // Seals whatever is open (at shutdown).
  void sealNow();

  uint64_t rejectedSeries() const;

 private:
  void sealLocked();
  void afterAddLocked();

  SeriesTable& series_;
  BatchQueue& queue_;
  size_t max_values_;
  std::chrono::milliseconds max_delay_;
  mutable std::mutex mutex_;
  PendingBatch open_;
  std::chrono::steady_clock::time_point opened_at_;
  uint64_t rejected_series_ = 0;
};

// The Emitter an input writes to: it remembers which input is speaking, for the series'
// interval.
class InputEmitter : public plugins::Emitter {
 public:
  InputEmitter(Batcher& batcher, const plugins::InputSettings& input)
      : batcher_(batcher), input_(input) {}
  void emit(Sample sample) override { batcher_.add(input_, sample); }
  void emit(CheckResult result) override { batcher_.add(input_, result); }

 private:
  Batcher& batcher_;
  const plugins::InputSettings& input_;
};

}  // namespace bsm::agent
