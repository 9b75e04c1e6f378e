#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/log_rate_limiter.h"
#include "server/notification_channel.h"
#include "server/notification_outbox.h"

namespace bsm::server {

// How a channel retries: the first wait after a failure, doubled after each further failure up
// to the longest.
struct RetryPolicy {
  std::chrono::milliseconds first{1'000};
  std::chrono::milliseconds longest{5 * 60'000};
};

// Delivers one channel's notifications on a thread of its own, oldest first, one at a time: a
// later notification never overtakes an earlier one, and a channel that is slow or down holds up
// only itself. A failed attempt is retried after a growing pause; while it waits, newer
// notifications wait behind it. A notification refused for good (a 4xx answer) is logged and
// removed; one still undelivered after max_age is dropped, logged and counted, so a channel that
// stays dead does not grow the outbox without end.
class ChannelWorker {
 public:
  ChannelWorker(std::string name, std::unique_ptr<NotificationChannel> channel,
                NotificationOutbox& outbox, std::chrono::milliseconds max_age, RetryPolicy retry);
  ~ChannelWorker();
  ChannelWorker(const ChannelWorker&) = delete;
  ChannelWorker& operator=(const ChannelWorker&) = delete;

  void start();
  // Returns once the attempt in flight, if any, has ended (at most the channel's timeout);
  // whatever waits stays in the outbox for the next start.
  void stop();

  // Entries already stored in the outbox, in order.
  void enqueue(std::vector<OutboxEntry> entries);

  struct Stats {
    uint64_t sent = 0;             // delivered
    uint64_t failed_attempts = 0;  // attempts that will be retried
    uint64_t refused = 0;          // refused for good by the receiver, not retried
    uint64_t dropped = 0;          // undelivered past max_age
    uint64_t pending = 0;          // waiting now
  };
  Stats stats() const;
  const std::string& name() const { return name_; }

 private:
  using Clock = std::chrono::steady_clock;

  void loop();
  void dropExpiredLocked(int64_t now_ms);
  void removeFromOutbox(int64_t id);

  const std::string name_;
  const std::unique_ptr<NotificationChannel> channel_;
  NotificationOutbox& outbox_;
  const std::chrono::milliseconds max_age_;
  const RetryPolicy retry_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  // TODO: every waiting document is held in memory as well as in the outbox; a channel that is
  // dead for max_age under a storm of notifications costs memory in proportion. Loading from
  // the outbox in pages would bound it.
  std::deque<OutboxEntry> queue_;
  bool stopping_ = false;
  std::thread thread_;

  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> failed_attempts_{0};
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> dropped_{0};
  LogRateLimiter failure_log_{5, std::chrono::minutes(10)};
};

}  // namespace bsm::server
