#include "server/zabbix_push.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iterator>
#include <set>

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
// How long after start a service that has not changed yet is left out of full pushes: three
// times the staleness fallback interval, by when its agent has reported or it is UNKNOWN for
// a reason.
constexpr auto kSettleTime = 3min;
// Changes that wait for Zabbix at the most before only the latest of each service is kept.
constexpr size_t kMaxPending = 100'000;

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
      pending_.push_back(Pending{change.service, change.state, change.ts_ms});
      settled_.insert(change.service);
      any = true;
    }
    boundPendingLocked();
  }
  if (any) {
    wake_.notify_all();
  }
}

void ZabbixPush::boundPendingLocked() {
  if (pending_.size() <= kMaxPending) {
    return;
  }
  // Zabbix has been away for long: keep each service's latest state, in order, and say what
  // its history in Zabbix will miss.
  std::map<std::string, size_t> latest;
  for (size_t i = 0; i < pending_.size(); ++i) {
    latest[pending_[i].service] = i;
  }
  std::vector<Pending> kept;
  for (size_t i = 0; i < pending_.size(); ++i) {
    if (latest[pending_[i].service] == i) {
      kept.push_back(std::move(pending_[i]));
    }
  }
  const size_t dropped = pending_.size() - kept.size();
  pending_ = std::move(kept);
  changes_dropped_ += dropped;
  logger()->warn(
      "{} service state changes waited for Zabbix server={}; kept the latest of each "
      "service and dropped {} earlier ones, which Zabbix's history will miss",
      dropped + pending_.size(), config_.server.toString(), dropped);
}

void ZabbixPush::loop() {
  const auto started = Clock::now();
  auto next_full = started + std::min<Clock::duration>(config_.interval, kFirstPushAtMost);
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

    std::vector<Pending> batch;
    batch.swap(pending_);
    const bool full = now >= next_full;
    // Right after a start every service is UNKNOWN until its data comes in; sending that would
    // fire Zabbix triggers on every restart. A service goes out once it has changed, or once
    // its data has had time to arrive and it is still UNKNOWN for real.
    const bool settling = now - started < kSettleTime;
    std::set<std::string> settled;
    if (full && settling) {
      settled = settled_;
    }
    lock.unlock();
    if (full) {
      next_full = now + config_.interval;
      const int64_t ts_ms = nowMs();
      std::set<std::string> in_batch;
      for (const auto& change : batch) {
        in_batch.insert(change.service);
      }
      // A change not yet sent goes with its own time; every other service as it is now.
      for (const auto& service : services_.services()) {
        if (in_batch.count(service.name) == 0 && (!settling || settled.count(service.name) != 0)) {
          batch.push_back(Pending{service.name, service.state, ts_ms});
        }
      }
    }
    const Status pushed = batch.empty() ? Status::success() : push(batch);
    lock.lock();

    if (pushed) {
      backoff = kFirstRetry;
      retry_at = {};
      continue;
    }
    // Keep what failed for the next try, before whatever came in meanwhile.
    batch.insert(batch.end(), std::make_move_iterator(pending_.begin()),
                 std::make_move_iterator(pending_.end()));
    pending_ = std::move(batch);
    boundPendingLocked();
    first_pending_ = now;
    retry_at = Clock::now() + backoff;
    backoff = std::min<Clock::duration>(backoff * 2, config_.interval);
  }
}

Status ZabbixPush::push(const std::vector<Pending>& values) {
  using nlohmann::json;
  json data = json::array();
  for (const auto& pending : values) {
    data.push_back({{"host", config_.host},
                    {"key", stateKey(pending.service)},
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
  return Stats{pushes_.load(), failures_.load(), values_sent_.load(), values_refused_.load(),
               changes_dropped_.load()};
}

}  // namespace bsm::server
