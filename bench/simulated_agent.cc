#include "bench/simulated_agent.h"

#include <algorithm>
#include <functional>

namespace bsm::bench {

namespace {

// Values stay below this unless a breach is drawn; the model's thresholds sit above it.
constexpr double kQuietCeiling = 80;
constexpr double kBreachValue = 97;

}  // namespace

SimulatedAgent::SimulatedAgent(std::string id, agent::ServerEndpoint server, const LoadShape& shape,
                               uint64_t first_seq)
    : id_(std::move(id)),
      shape_(shape),
      series_(std::max<size_t>(shape.series, 1)),
      queue_(shape.queue_batches, first_seq),
      // A day: the stream's timer must never seal a batch behind our back (see the class
      // comment); generate() seals by age itself.
      batcher_(series_, queue_, shape.batch_values, std::chrono::hours(24)),
      client_(id_, std::move(server), series_, queue_, batcher_),
      random_(static_cast<std::minstd_rand::result_type>(std::hash<std::string>{}(id_))),
      expected_seq_(first_seq) {
  input_.plugin = "bench";
  input_.name = "bench";
  input_.host = id_;
  // The interval a real input would have to produce this rate; the server derives staleness
  // from it. Closed loop has no rate, so it claims the default agent interval.
  if (shape_.rate > 0) {
    const double period_ms = 1000.0 * static_cast<double>(shape_.series) / shape_.rate;
    input_.interval = std::chrono::milliseconds(
        std::max<int64_t>(100, static_cast<int64_t>(std::min(period_ms, 86'400'000.0))));
  }
  samples_.resize(shape_.series);
  for (size_t i = 0; i < shape_.series; ++i) {
    Sample& sample = samples_[i];
    sample.host = id_;
    sample.name = "bench.metric";
    sample.labels = {{"idx", std::to_string(i)}};
    sample.unit = "percent";
  }
}

SimulatedAgent::~SimulatedAgent() = default;

Status SimulatedAgent::start() {
  return client_.start();
}

void SimulatedAgent::beginGeneration(std::chrono::steady_clock::time_point now) {
  started_at_ = now;
}

void SimulatedAgent::addSample(int64_t ts_ms, std::chrono::steady_clock::time_point now) {
  Sample& sample = samples_[next_series_];
  next_series_ = next_series_ + 1 == samples_.size() ? 0 : next_series_ + 1;
  sample.ts_ms = ts_ms;
  const double draw = static_cast<double>(random_() - std::minstd_rand::min()) /
                      static_cast<double>(std::minstd_rand::max() - std::minstd_rand::min());
  sample.value = draw < shape_.breach_ratio ? kBreachValue : draw * kQuietCeiling;
  batcher_.add(input_, sample);
  generated_.fetch_add(1, std::memory_order_relaxed);
  if (open_values_++ == 0) {
    opened_at_ = now;
  }
  // Batcher::add sealed the batch itself on reaching its size.
  if (open_values_ >= shape_.batch_values) {
    recordSeal();
  }
}

void SimulatedAgent::generate(std::chrono::steady_clock::time_point now) {
  if (samples_.empty()) {
    return;
  }
  const int64_t ts_ms = nowMs();
  if (shape_.rate > 0) {
    const double elapsed = std::chrono::duration<double>(now - started_at_).count();
    const auto due = static_cast<uint64_t>(elapsed * shape_.rate);
    for (uint64_t have = generated_.load(std::memory_order_relaxed); have < due; ++have) {
      addSample(ts_ms, now);
    }
  } else {
    // Closed loop: top the queue up, a batch or two per call so that one agent does not keep
    // the generating thread from the others.
    for (int round = 0; round < 2 && queue_.size() < shape_.max_outstanding; ++round) {
      for (size_t n = shape_.batch_values - open_values_; n > 0; --n) {
        addSample(ts_ms, now);
      }
    }
  }
  if (open_values_ > 0 && now - opened_at_ >= shape_.batch_delay) {
    batcher_.sealNow();
    recordSeal();
  }
}

void SimulatedAgent::endGeneration() {
  if (open_values_ > 0) {
    batcher_.sealNow();
    recordSeal();
  }
}

void SimulatedAgent::recordSeal() {
  const uint64_t seq = queue_.lastAssigned();
  if (seq != expected_seq_) {
    ledger_broken_ = true;
  }
  expected_seq_ = seq + 1;
  std::lock_guard lock(mutex_);
  sealed_values_ += open_values_;
  sealed_.emplace_back(seq, sealed_values_);
  open_values_ = 0;
}

void SimulatedAgent::stop(std::chrono::milliseconds drain) {
  client_.stop(drain);
}

AgentCounters SimulatedAgent::counters() {
  AgentCounters out;
  out.generated = generated_.load(std::memory_order_relaxed);
  // Acks come in order, and an Ack for seq covers every batch up to it.
  const uint64_t acked_seq = client_.acknowledged();
  {
    std::lock_guard lock(mutex_);
    while (!sealed_.empty() && sealed_.front().first <= acked_seq) {
      acknowledged_values_ = sealed_.front().second;
      sealed_.pop_front();
    }
    out.acknowledged = acknowledged_values_;
  }
  out.dropped = queue_.droppedValues();
  out.queued_batches = queue_.size();
  out.sessions = client_.sessionsStarted();
  out.connected = client_.connected();
  return out;
}

}  // namespace bsm::bench
