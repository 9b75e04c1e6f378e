#include "server/zabbix_push.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "common/logging.h"
#include "plugins/zabbix/item_key.h"
#include "plugins/zabbix/trapper_protocol.h"
#include "plugins/zabbix/zabbix_exchange.h"

namespace bsm::server {

namespace {

using namespace std::chrono_literals;
namespace zabbix = plugins::zabbix;

// One sample often moves several services; waiting this long after the first change sends
// the whole burst in one request.
constexpr auto kGatherChanges = 500ms;
// The first full push waits for agents to report, but not for a whole long interval.
constexpr auto kFirstPushAtMost = 10s;
constexpr auto kFirstRetry = 1s;

std::shared_ptr<spdlog::logger> logger() {
  static const auto log = logging::get("zabbix");
  return log;
}

}  // namespace

ZabbixPush::ZabbixPush(ZabbixPushConfig config, const ApiBackend& services)
    : config_(std::move(config)), services_(services) {}

ZabbixPush::~ZabbixPush() {
  stop();
}

void ZabbixPush::start() {
  logger()->info("pushing service states to Zabbix server={} host={} every {} s",
                 config_.server.toString(), config_.host,
                 std::chrono::duration_cast<std::chrono::seconds>(config_.interval).count());
  thread_ = std::thread([this] { loop(); });
}

void ZabbixPush::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::string ZabbixPush::stateKey(const std::string& service) {
  // A name no key parameter can carry (quotes needed and a trailing backslash) goes as it
  // is; Zabbix then refuses the value, which is counted and logged.
  const auto parameter = zabbix::keyParameter(service);
  return "bsm.service.state[" + (parameter ? *parameter : service) + "]";
}

void ZabbixPush::record(std::span<const StateChange> changes) {
  bool any = false;
  {
    std::lock_guard lock(mutex_);
    for (const auto& change : changes) {
      if (change.kind != StateChange::Kind::kService) {
        continue;
      }
      if (pending_.empty()) {
        first_pending_ = Clock::now();
      }
      pending_[change.service] = Pending{change.state, change.ts_ms};
      any = true;
    }
  }
  if (any) {
    wake_.notify_all();
  }
}

void ZabbixPush::loop() {
  auto next_full = Clock::now() + std::min<Clock::duration>(config_.interval, kFirstPushAtMost);
  Clock::time_point retry_at{};
  Clock::duration backoff = kFirstRetry;

  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const auto now = Clock::now();
    auto wake_at = next_full;
    if (!pending_.empty()) {
      wake_at = std::min(wake_at, std::max(first_pending_ + kGatherChanges, retry_at));
    }
    if (now < wake_at) {
      wake_.wait_until(lock, wake_at);
      continue;
    }

    std::map<std::string, Pending> batch;
    batch.swap(pending_);
    const bool full = now >= next_full;
    lock.unlock();
    if (full) {
      next_full = now + config_.interval;
      const int64_t ts_ms = nowMs();
      // A change not yet sent keeps its own time; every other service is sent as it is now.
      for (const auto& service : services_.services()) {
        batch.try_emplace(service.name, Pending{service.state, ts_ms});
      }
    }
    const Status pushed = batch.empty() ? Status::success() : push(batch);
    lock.lock();

    if (pushed) {
      backoff = kFirstRetry;
      retry_at = {};
      continue;
    }
    // Keep what failed for the next try, unless a newer change of the same service came in.
    for (auto& [service, pending] : batch) {
      pending_.try_emplace(service, pending);
    }
    first_pending_ = now;
    retry_at = Clock::now() + backoff;
    backoff = std::min<Clock::duration>(backoff * 2, config_.interval);
  }
}

Status ZabbixPush::push(const std::map<std::string, Pending>& values) {
  using nlohmann::json;
  json data = json::array();
  for (const auto& [service, pending] : values) {
    data.push_back({{"host", config_.host},
                    {"key", stateKey(service)},
                    {"value", std::to_string(static_cast<int>(pending.state))},
                    {"clock", pending.ts_ms / 1000},
                    {"ns", (pending.ts_ms % 1000) * 1'000'000}});
  }
  const int64_t now_ms = nowMs();
  const json request = {{"request", "sender data"},
                        {"data", std::move(data)},
                        {"clock", now_ms / 1000},
                        {"ns", (now_ms % 1000) * 1'000'000}};
  const std::string payload = request.dump(-1, ' ', false, json::error_handler_t::replace);

  // An answer is a line of JSON; a megabyte is far more than any server sends.
  const zabbix::PacketLimits limits{1u << 20, 1u << 20};
  auto answer = zabbix::exchangePacket(config_.server, payload, config_.timeout, limits);
  Result<zabbix::ProcessedInfo> info = answer ? zabbix::parseProcessedResponse(*answer)
                                              : Result<zabbix::ProcessedInfo>(answer.error());
  if (!info) {
    ++failures_;
    if (uint64_t withheld = 0; failure_log_.allow(withheld)) {
      logger()->warn("cannot push {} service states to Zabbix server={}: {}; trying again later{}",
                     values.size(), config_.server.toString(), info.error().message,
                     withheld == 0 ? "" : " (" + std::to_string(withheld) + " lines withheld)");
    }
    return info.error();
  }

  ++pushes_;
  values_sent_ += info->processed;
  values_refused_ += info->failed;
  if (info->failed > 0) {
    if (uint64_t withheld = 0; failure_log_.allow(withheld)) {
      logger()->warn(
          "Zabbix server={} refused {} of {} service states for host={}: it needs a "
          "trapper item bsm.service.state[NAME] for each service on that host{}",
          config_.server.toString(), info->failed, info->total, config_.host,
          withheld == 0 ? "" : " (" + std::to_string(withheld) + " lines withheld)");
    }
  }
  logger()->debug("pushed service states to Zabbix server={} processed={} failed={}",
                  config_.server.toString(), info->processed, info->failed);
  return Status::success();
}

ZabbixPush::Stats ZabbixPush::stats() const {
  return Stats{pushes_.load(), failures_.load(), values_sent_.load(), values_refused_.load()};
}

}  // namespace bsm::server
