#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "agent/pending_batch.h"

namespace bsm::agent {

// TODO: batches live in memory only, so an agent restarted while the server is unreachable
// loses what it had queued; a bounded disk spool that survives restarts replaces this queue.
//
// Sealed batches from the moment they are made until the server acknowledges them. Bounded:
// when full, the oldest batch is dropped and counted, because recent values matter more to a
// live service state than old ones. Thread-safe.
class BatchQueue {
 public:
  // Sequence numbers start at `first_seq`; see StreamClient for why it is time-based.
  BatchQueue(size_t max_batches, uint64_t first_seq)
      : max_batches_(max_batches), next_seq_(first_seq) {}

  // Called with the queue unlocked after a batch is pushed (the stream client wakes up).
  void setOnPush(std::function<void()> callback);

  // Gives `batch` the next sequence number and queues it.
  void push(PendingBatch batch);
  // Removes every batch with seq <= `seq`.
  void acknowledge(uint64_t seq);
  // Batches with seq > `after`, oldest first, at most `limit`.
  std::vector<std::shared_ptr<const PendingBatch>> after(uint64_t after, size_t limit) const;
  // Renumbers every queued batch from `first_seq` on, keeping their order, and continues the
  // numbering after them. Only for batches the server cannot have seen (see StreamClient).
  void renumber(uint64_t first_seq);
  // The highest sequence number handed out so far.
  uint64_t lastAssigned() const;

  size_t size() const;
  uint64_t dropped() const;
  uint64_t droppedValues() const;

 private:
  size_t max_batches_;
  mutable std::mutex mutex_;
  std::deque<std::shared_ptr<const PendingBatch>> batches_;
  uint64_t next_seq_;
  uint64_t dropped_ = 0;
  uint64_t dropped_values_ = 0;
  std::function<void()> on_push_;
};

}  // namespace bsm::agent
