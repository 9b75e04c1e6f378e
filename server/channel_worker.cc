#include "server/channel_worker.h"

#include <algorithm>

#include "common/duration.h"
#include "common/logging.h"
#include "common/sample.h"

namespace bsm::server {

namespace {

std::shared_ptr<spdlog::logger> logger() {
  static const auto log = logging::get("notify");
  return log;
}

std::string withheldNote(uint64_t withheld) {
  return withheld == 0 ? "" : " (" + std::to_string(withheld) + " similar lines withheld)";
}

}  // namespace

ChannelWorker::ChannelWorker(std::string name, std::unique_ptr<NotificationChannel> channel,
                             NotificationOutbox& outbox, std::chrono::milliseconds max_age,
                             RetryPolicy retry)
    : name_(std::move(name)),
      channel_(std::move(channel)),
      outbox_(outbox),
      max_age_(max_age),
      retry_(retry) {}

ChannelWorker::~ChannelWorker() {
  stop();
}

void ChannelWorker::start() {
  thread_ = std::thread([this] { loop(); });
}

void ChannelWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void ChannelWorker::enqueue(std::vector<OutboxEntry> entries) {
  {
    std::lock_guard lock(mutex_);
    for (auto& entry : entries) {
      queue_.push_back(std::move(entry));
    }
  }
  wake_.notify_all();
}

ChannelWorker::Stats ChannelWorker::stats() const {
  Stats out{sent_.load(), failed_attempts_.load(), refused_.load(), dropped_.load(), 0};
  std::lock_guard lock(mutex_);
  out.pending = queue_.size();
  return out;
}

void ChannelWorker::removeFromOutbox(int64_t id) {
  if (Status removed = outbox_.remove({id}); !removed) {
    // It stays in the file and is sent once more after a restart: a duplicate, not a loss.
    logger()->error("channel={} cannot remove notification id={} from the outbox: {}", name_, id,
                    removed.error().message);
  }
}

void ChannelWorker::dropExpiredLocked(int64_t now_ms) {
  std::vector<int64_t> expired;
  while (!queue_.empty() && now_ms - queue_.front().created_ms > max_age_.count()) {
    expired.push_back(queue_.front().id);
    queue_.pop_front();
  }
  if (expired.empty()) {
    return;
  }
  dropped_ += expired.size();
  if (Status removed = outbox_.remove(expired); !removed) {
    logger()->error("channel={} cannot remove expired notifications from the outbox: {}", name_,
                    removed.error().message);
  }
  logger()->error(
      "channel={} dropped {} notifications undelivered for longer than max_age={}; the "
      "receiver never got them, check it and the channel's earlier warnings",
      name_, expired.size(), formatDuration(max_age_));
}

void ChannelWorker::loop() {
  const auto refresh_every = channel_->refreshInterval();
  auto next_refresh = Clock::now() + refresh_every;
  Clock::time_point retry_at{};
  std::chrono::milliseconds backoff = retry_.first;

  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const auto now = Clock::now();
    if (refresh_every.count() > 0 && now >= next_refresh) {
      lock.unlock();
      channel_->refresh();
      lock.lock();
      next_refresh = Clock::now() + refresh_every;
      continue;
    }
    dropExpiredLocked(nowMs());
    auto wake_at = refresh_every.count() > 0 ? next_refresh : Clock::time_point::max();
    if (!queue_.empty()) {
      wake_at = std::min(wake_at, retry_at);
    }
    if (now < wake_at) {
      if (wake_at == Clock::time_point::max()) {
        wake_.wait(lock);
      } else {
        wake_.wait_until(lock, wake_at);
      }
      continue;
    }

    // Only this thread pops, so the front stays put while the lock is released.
    const OutboxEntry entry = queue_.front();
    lock.unlock();
    auto document = nlohmann::json::parse(entry.document, nullptr, /*allow_exceptions=*/false);
    const Delivery delivery = document.is_discarded()
                                  ? Delivery::permanent("the stored document is not JSON")
                                  : channel_->deliver(document);
    lock.lock();

    if (delivery.outcome == Delivery::Outcome::kRetry) {
      ++failed_attempts_;
      retry_at = Clock::now() + backoff;
      if (uint64_t withheld = 0; failure_log_.allow(withheld)) {
        logger()->warn(
            "channel={} could not deliver notification id={} ({} waiting): {}; retrying in {}{}",
            name_, entry.id, queue_.size(), delivery.detail, formatDuration(backoff),
            withheldNote(withheld));
      }
      backoff = std::min(backoff * 2, retry_.longest);
      continue;
    }

    queue_.pop_front();
    backoff = retry_.first;
    retry_at = {};
    if (delivery.outcome == Delivery::Outcome::kDelivered) {
      ++sent_;
      logger()->debug("channel={} delivered notification id={}", name_, entry.id);
    } else {
      ++refused_;
      logger()->error(
          "channel={} receiver refused notification id={} for good: {}; it is not retried, "
          "fix the channel's URL, headers or receiver",
          name_, entry.id, delivery.detail);
    }
    lock.unlock();
    removeFromOutbox(entry.id);
    lock.lock();
  }
}

}  // namespace bsm::server
