#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/log_rate_limiter.h"
#include "common/result.h"
#include "server/channel_worker.h"
#include "server/notification.h"
#include "server/notification_config.h"
#include "server/notification_outbox.h"

namespace bsm::server {

// Takes notifications from the engine and the SLA ledger and sees them delivered to every
// channel that wants them (webhook, Alertmanager, exec; see docs/notifications.md).
//
// notify() only queues in memory: it runs under the engine's lock. The dispatcher's own thread
// adds the SLA budget, builds the notification document once, stores it in the outbox (SQLite,
// notifications.db in the data directory) for each channel that accepts it, and hands it to
// that channel's worker. Each channel delivers on its own thread, in order, with retries and
// backoff, so a dead receiver holds up only its own channel and loses nothing until max_age. A
// restart sends what the outbox still holds.
class NotificationDispatcher final : public NotificationSink {
 public:
  using BudgetLookup = std::function<std::optional<BudgetView>(const std::string& service)>;

  struct Options {
    std::string data_dir;  // where notifications.db lives
    RetryPolicy retry;
    // Notifications queued in memory before the dispatcher's thread stores them; past this (the
    // disk has stalled for long) new ones are dropped and counted.
    size_t max_queued = 100'000;
  };

  static Result<std::unique_ptr<NotificationDispatcher>> create(
      std::vector<NotificationChannelConfig> channels, Options options);
  ~NotificationDispatcher() override;
  NotificationDispatcher(const NotificationDispatcher&) = delete;
  NotificationDispatcher& operator=(const NotificationDispatcher&) = delete;

  // Fills each notification's budget as it is stored, unless it already has one. Set before
  // start(); called on the dispatcher's thread, never under the engine's lock.
  void setBudgetLookup(BudgetLookup lookup) { budget_lookup_ = std::move(lookup); }

  // Hands what the outbox kept from a previous run to the channels, then starts delivering.
  Status start();
  // Stores what is still queued in memory, then stops every channel; what is undelivered stays
  // in the outbox for the next start.
  void stop();

  void notify(const Notification& notification) override;

  // Per channel, by name.
  // TODO: export these on /metrics once the server serves it; until then only the log lines
  // tell an operator that a channel is failing or dropping notifications.
  std::map<std::string, ChannelWorker::Stats> stats() const;
  // Notifications dropped before they were stored (the in-memory queue was full).
  uint64_t droppedQueued() const { return dropped_queued_.load(); }

 private:
  struct Channel {
    NotificationChannelConfig config;
    std::unique_ptr<ChannelWorker> worker;
  };

  explicit NotificationDispatcher(Options options) : options_(std::move(options)) {}
  void loop();
  void store(Notification notification);

  const Options options_;
  std::unique_ptr<NotificationOutbox> outbox_;
  std::vector<Channel> channels_;
  BudgetLookup budget_lookup_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Notification> intake_;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<uint64_t> dropped_queued_{0};
  LogRateLimiter drop_log_{3, std::chrono::minutes(10)};
};

}  // namespace bsm::server
