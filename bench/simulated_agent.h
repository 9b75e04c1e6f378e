#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "agent/agent_config.h"
#include "agent/batch_queue.h"
#include "agent/batcher.h"
#include "agent/series_table.h"
#include "agent/stream_client.h"
#include "common/sample.h"
#include "plugins/input.h"

namespace bsm::bench {

// The load one simulated agent offers.
struct LoadShape {
  size_t series = 100;
  // Samples per second for the whole agent, spread evenly over its series. 0 means closed
  // loop: keep `max_outstanding` batches unacknowledged, as fast as the server takes them.
  double rate = 1000;
  size_t batch_values = 5000;                   // as the agent's batch.max_values
  std::chrono::milliseconds batch_delay{1000};  // as the agent's batch.max_delay
  size_t queue_batches = 10'000;                // as the agent's queue.max_batches
  size_t max_outstanding = 36;                  // closed loop only
  // Share of samples above the model's thresholds, so that components change state.
  double breach_ratio = 0;
};

// What one agent did so far. Values are samples.
struct AgentCounters {
  uint64_t generated = 0;
  uint64_t acknowledged = 0;  // values in batches the server acknowledged
  uint64_t dropped = 0;       // values the queue dropped because it was full
  uint64_t queued_batches = 0;
  uint64_t sessions = 0;
  bool connected = false;
};

// One agent as bsm-agent is built: SeriesTable, BatchQueue, Batcher and StreamClient, fed with
// generated samples instead of plugins, so that the benchmark takes the real protocol path.
//
// Batches are sealed by this class's generate() (by size inside Batcher::add, by age here)
// rather than by the stream's timer, so that it knows which sequence number holds how many
// values and can count acknowledged values exactly. generate() is called from one thread;
// counters() from any.
class SimulatedAgent {
 public:
  SimulatedAgent(std::string id, agent::ServerEndpoint server, const LoadShape& shape,
                 uint64_t first_seq);
  ~SimulatedAgent();
  SimulatedAgent(const SimulatedAgent&) = delete;
  SimulatedAgent& operator=(const SimulatedAgent&) = delete;

  const std::string& id() const { return id_; }

  // Starts the stream client (it connects in the background).
  Status start();
  // Generation counts its time from here; the first generate() call should follow.
  void beginGeneration(std::chrono::steady_clock::time_point now);
  // Adds the samples due by `now` and seals the open batch when it is full or old enough.
  void generate(std::chrono::steady_clock::time_point now);
  // Seals what is open; no more samples follow.
  void endGeneration();
  // Stops the stream client; unacknowledged batches get `drain` to be acknowledged first.
  void stop(std::chrono::milliseconds drain);

  // Also retires acknowledged entries of the seal ledger, hence not const.
  AgentCounters counters();
  // True when the queue handed out a sequence number other than the one this class expected
  // (the server's Welcome made it renumber): acknowledged values are then not exact.
  bool ledgerBroken() const { return ledger_broken_; }
  uint64_t rejectedSeries() const { return batcher_.rejectedSeries(); }

 private:
  void addSample(int64_t ts_ms, std::chrono::steady_clock::time_point now);
  void recordSeal();

  std::string id_;
  LoadShape shape_;
  plugins::InputSettings input_;
  agent::SeriesTable series_;
  agent::BatchQueue queue_;
  agent::Batcher batcher_;
  agent::StreamClient client_;

  // Generator state, touched by the generating thread only.
  std::vector<Sample> samples_;  // one prepared sample per series
  size_t next_series_ = 0;
  size_t open_values_ = 0;
  std::chrono::steady_clock::time_point opened_at_;
  std::chrono::steady_clock::time_point started_at_;
  std::minstd_rand random_;

  uint64_t expected_seq_;
  std::atomic<bool> ledger_broken_{false};

  // Sequence number of each sealed batch with the number of values sealed up to and with it,
  // oldest first; entries leave as their batch is acknowledged.
  std::mutex mutex_;
  std::deque<std::pair<uint64_t, uint64_t>> sealed_;
  uint64_t acknowledged_values_ = 0;
  uint64_t sealed_values_ = 0;
  std::atomic<uint64_t> generated_{0};
};

}  // namespace bsm::bench
