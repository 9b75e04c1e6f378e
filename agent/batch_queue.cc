#include "agent/batch_queue.h"

#include "common/logging.h"

namespace bsm::agent {

void BatchQueue::setOnPush(std::function<void()> callback) {
  std::lock_guard lock(mutex_);
  on_push_ = std::move(callback);
}

void BatchQueue::push(PendingBatch batch) {
  std::function<void()> notify;
  {
    std::lock_guard lock(mutex_);
    if (batches_.size() >= max_batches_) {
      const auto& oldest = batches_.front();
      dropped_++;
      dropped_values_ += oldest->valueCount();
      // Rate-limited by nature: at most one line per batch, and batches are seconds apart.
      logging::get("stream")->error(
          "queue full, dropped the oldest unsent batch seq={} values={} dropped_total={}; "
          "the server has been unreachable for too long or is too slow",
          oldest->seq, oldest->valueCount(), dropped_);
      batches_.pop_front();
    }
    batch.seq = next_seq_++;
    batches_.push_back(std::make_shared<const PendingBatch>(std::move(batch)));
    notify = on_push_;
  }
  if (notify) {
    notify();
  }
}

void BatchQueue::acknowledge(uint64_t seq) {
  std::lock_guard lock(mutex_);
  while (!batches_.empty() && batches_.front()->seq <= seq) {
    batches_.pop_front();
  }
}

std::vector<std::shared_ptr<const PendingBatch>> BatchQueue::after(uint64_t after,
                                                                   size_t limit) const {
  std::vector<std::shared_ptr<const PendingBatch>> out;
  std::lock_guard lock(mutex_);
  for (const auto& batch : batches_) {
    if (out.size() >= limit) {
      break;
    }
    if (batch->seq > after) {
      out.push_back(batch);
    }
  }
  return out;
}

void BatchQueue::renumber(uint64_t first_seq) {
  std::lock_guard lock(mutex_);
  for (auto& batch : batches_) {
    auto copy = std::make_shared<PendingBatch>(*batch);
    copy->seq = first_seq++;
    batch = std::move(copy);
  }
  next_seq_ = first_seq;
}

uint64_t BatchQueue::lastAssigned() const {
  std::lock_guard lock(mutex_);
  return next_seq_ - 1;
}

size_t BatchQueue::size() const {
  std::lock_guard lock(mutex_);
  return batches_.size();
}

uint64_t BatchQueue::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

uint64_t BatchQueue::droppedValues() const {
  std::lock_guard lock(mutex_);
  return dropped_values_;
}

}  // namespace bsm::agent
