#include "server/notification_dispatcher.h"

#include <set>

#include "common/logging.h"
#include "common/sample.h"
#include "server/alertmanager_channel.h"
#include "server/exec_channel.h"
#include "server/json_views.h"
#include "server/notification_document.h"
#include "server/webhook_channel.h"

namespace bsm::server {

namespace {

std::shared_ptr<spdlog::logger> logger() {
  static const auto log = logging::get("notify");
  return log;
}

Result<std::vector<HttpUrl>> parseUrls(const NotificationChannelConfig& config,
                                       const std::string& api_path) {
  std::vector<HttpUrl> out;
  for (const auto& text : config.urls) {
    auto url = parseHttpUrl(text);
    if (!url) {
      return Error{"notification channel " + config.name + ": " + url.error().message};
    }
    if (!api_path.empty()) {
      // An Alertmanager behind a route prefix has its API under that prefix.
      std::string prefix = url->path == "/" ? "" : url->path;
      while (!prefix.empty() && prefix.back() == '/') {
        prefix.pop_back();
      }
      url->path = prefix + api_path;
    }
    out.push_back(std::move(*url));
  }
  return out;
}

Result<std::unique_ptr<NotificationChannel>> makeChannel(const NotificationChannelConfig& config,
                                                         NotificationOutbox& outbox) {
  using Type = NotificationChannelConfig::Type;
  switch (config.type) {
    case Type::kWebhook: {
      auto urls = parseUrls(config, "");
      if (!urls) {
        return urls.error();
      }
      return std::unique_ptr<NotificationChannel>(std::make_unique<WebhookChannel>(
          urls->front(), config.headers, config.timeout, config.ca_file));
    }
    case Type::kAlertmanager: {
      auto urls = parseUrls(config, "/api/v2/alerts");
      if (!urls) {
        return urls.error();
      }
      AlertmanagerChannel::Settings settings;
      settings.urls = std::move(*urls);
      settings.timeout = config.timeout;
      settings.resend_interval = config.resend_interval;
      settings.external_url = config.external_url;
      settings.headers = config.headers;
      settings.ca_file = config.ca_file;
      return std::unique_ptr<NotificationChannel>(
          std::make_unique<AlertmanagerChannel>(config.name, std::move(settings), &outbox));
    }
    case Type::kExec:
      return std::unique_ptr<NotificationChannel>(
          std::make_unique<ExecChannel>(config.command, config.timeout));
  }
  return Error{"notification channel " + config.name + " has no known type"};
}

}  // namespace

Result<std::unique_ptr<NotificationDispatcher>> NotificationDispatcher::create(
    std::vector<NotificationChannelConfig> channels, Options options) {
  std::unique_ptr<NotificationDispatcher> dispatcher(new NotificationDispatcher(options));
  auto outbox = NotificationOutbox::open(options.data_dir);
  if (!outbox) {
    return outbox.error();
  }
  dispatcher->outbox_ = std::move(outbox.value());
  for (auto& config : channels) {
    auto channel = makeChannel(config, *dispatcher->outbox_);
    if (!channel) {
      return channel.error();
    }
    auto worker =
        std::make_unique<ChannelWorker>(config.name, std::move(channel.value()),
                                        *dispatcher->outbox_, config.max_age, options.retry);
    dispatcher->channels_.push_back(Channel{std::move(config), std::move(worker)});
  }
  return dispatcher;
}

NotificationDispatcher::~NotificationDispatcher() {
  stop();
}

Status NotificationDispatcher::start() {
  auto kept = outbox_->pending();
  if (!kept) {
    return kept.error();
  }
  std::map<std::string, std::vector<OutboxEntry>> by_channel;
  for (auto& entry : *kept) {
    by_channel[entry.channel].push_back(std::move(entry));
  }
  for (auto& channel : channels_) {
    auto it = by_channel.find(channel.config.name);
    if (it != by_channel.end()) {
      logger()->info("channel={} has {} notifications left from before the restart; sending them",
                     channel.config.name, it->second.size());
      channel.worker->enqueue(std::move(it->second));
      by_channel.erase(it);
    }
  }
  for (const auto& [name, entries] : by_channel) {
    auto removed = outbox_->removeChannel(name);
    logger()->warn(
        "channel={} is no longer configured; dropped its {} undelivered notifications from the "
        "outbox{}",
        name, entries.size(), removed ? "" : ": " + removed.error().message);
  }

  for (auto& channel : channels_) {
    channel.worker->start();
  }
  thread_ = std::thread([this] { loop(); });
  logger()->info("delivering notifications channels={} outbox={}", channels_.size(),
                 outbox_->path());
  return Status::success();
}

void NotificationDispatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  for (auto& channel : channels_) {
    channel.worker->stop();
  }
}

void NotificationDispatcher::notify(const Notification& notification) {
  {
    std::lock_guard lock(mutex_);
    if (intake_.size() >= options_.max_queued) {
      ++dropped_queued_;
      if (uint64_t withheld = 0; drop_log_.allow(withheld)) {
        logger()->error(
            "dropped a notification for service={} kind={}: {} wait to be stored in the "
            "outbox, which is not keeping up (disk full or stalled?){}",
            notification.service, toString(notification.kind), intake_.size(),
            withheld == 0 ? "" : " (" + std::to_string(withheld) + " similar lines withheld)");
      }
      return;
    }
    intake_.push_back(notification);
  }
  wake_.notify_one();
}

void NotificationDispatcher::loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !intake_.empty(); });
    // What is queued when the server stops is still stored, so the next start sends it.
    if (intake_.empty()) {
      return;
    }
    std::deque<Notification> batch;
    batch.swap(intake_);
    lock.unlock();
    for (auto& notification : batch) {
      store(std::move(notification));
    }
    lock.lock();
  }
}

void NotificationDispatcher::store(Notification notification) {
  std::vector<Channel*> takers;
  std::vector<std::string> names;
  for (auto& channel : channels_) {
    if (channel.config.accepts(notification)) {
      takers.push_back(&channel);
      names.push_back(channel.config.name);
    }
  }
  if (takers.empty()) {
    return;
  }

  if (budget_lookup_ && !notification.budget) {
    notification.budget = budget_lookup_(notification.service);
  }
  const int64_t created_ms = nowMs();
  OutboxEntry entry{0, "", created_ms, dumpJson(notificationDocument(notification))};
  auto ids = outbox_->add(names, created_ms, entry.document);
  if (!ids) {
    // Delivery goes on from memory; only a restart before it succeeds would lose it.
    logger()->error(
        "cannot store a notification for service={} in the outbox: {}; delivering it from "
        "memory only",
        notification.service, ids.error().message);
  }
  for (size_t i = 0; i < takers.size(); ++i) {
    entry.channel = names[i];
    entry.id = ids ? (*ids)[i] : 0;
    takers[i]->worker->enqueue({entry});
  }
  logger()->debug("queued notification service={} kind={} state={} channels={}",
                  notification.service, toString(notification.kind), toString(notification.state),
                  names.size());
}

std::map<std::string, ChannelWorker::Stats> NotificationDispatcher::stats() const {
  std::map<std::string, ChannelWorker::Stats> out;
  for (const auto& channel : channels_) {
    out[channel.config.name] = channel.worker->stats();
  }
  return out;
}

}  // namespace bsm::server
