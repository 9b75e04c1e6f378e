#include "plugins/zabbix/trapper_handler.h"

#include <chrono>

#include "common/log_rate_limiter.h"
#include "common/logging.h"
#include "plugins/zabbix/passive_check.h"

namespace bsm::plugins::zabbix {

namespace {

// Active agents ask for their checks every RefreshActiveChecks seconds (120 by default in
// 6.0, at most 86400); contact is expected at least that often.
constexpr int64_t kActiveContactIntervalMs = 120'000;

std::shared_ptr<spdlog::logger> logger() {
  static const auto log = logging::get("plugin.zabbix");
  return log;
}

// Refused requests and values come from clients we do not control; a few lines say enough.
LogRateLimiter& refusalLog() {
  static LogRateLimiter limiter(10, std::chrono::minutes(1));
  return limiter;
}

template <typename... Args>
void warnRateLimited(fmt::format_string<Args...> format, Args&&... args) {
  if (uint64_t withheld = 0; refusalLog().allow(withheld)) {
    logger()->warn(format, std::forward<Args>(args)...);
    if (withheld > 0) {
      logger()->warn("{} similar lines withheld", withheld);
    }
  }
}

const char* requestName(TrapperRequestKind kind) {
  switch (kind) {
    case TrapperRequestKind::kSenderData:
      return "sender data";
    case TrapperRequestKind::kAgentData:
      return "agent data";
    case TrapperRequestKind::kActiveChecks:
      return "active checks";
    case TrapperRequestKind::kHeartbeat:
      return "active check heartbeat";
  }
  return "request";
}

}  // namespace

TrapperHandler::TrapperHandler(std::string input_name, ActiveChecks active)
    : input_name_(std::move(input_name)), active_(std::move(active)) {}

std::string TrapperHandler::handle(std::string_view payload, const std::string& peer,
                                   Emitter& out) {
  ++requests_;
  auto request = parseTrapperRequest(payload);
  if (!request) {
    ++refused_requests_;
    warnRateLimited("input={} peer={} request refused: {}", input_name_, peer,
                    request.error().message);
    return failedResponse(request.error().message);
  }

  switch (request->kind) {
    case TrapperRequestKind::kSenderData:
      return takeValues(*request, peer, out);
    case TrapperRequestKind::kAgentData: {
      if (!request->values.empty()) {
        emitContact(request->values.front().host, "sends agent data", kActiveContactIntervalMs,
                    out);
      }
      return takeValues(*request, peer, out);
    }
    case TrapperRequestKind::kActiveChecks: {
      const auto items = active_.itemsFor(request->host);
      if (items.empty()) {
        // Agents ask again every RefreshActiveChecks seconds; a few lines say enough.
        static LogRateLimiter unknown_host_log(5, std::chrono::minutes(10));
        if (uint64_t withheld = 0; unknown_host_log.allow(withheld)) {
          logger()->info(
              "input={} peer={} host={} asked for active checks; none are configured "
              "for it in active_checks",
              input_name_, peer, request->host);
        }
        return failedResponse("host [" + request->host + "] not found");
      }
      logger()->debug("input={} peer={} host={} metadata={} gets {} active checks", input_name_,
                      peer, request->host, request->host_metadata, items.size());
      emitContact(request->host, "asks for its active checks", kActiveContactIntervalMs, out);
      return activeChecksResponse(items);
    }
    case TrapperRequestKind::kHeartbeat: {
      const int64_t every_ms =
          request->heartbeat_seconds > 0 ? request->heartbeat_seconds * 1000 : 60'000;
      emitContact(request->host, "sends heartbeats", every_ms, out);
      return R"({"response":"success"})";
    }
  }
  return failedResponse("unsupported request");
}

std::string TrapperHandler::takeValues(const TrapperRequest& request, const std::string& peer,
                                       Emitter& out) {
  const auto started = std::chrono::steady_clock::now();
  const int64_t received_ms = nowMs();
  const bool agent_data = request.kind == TrapperRequestKind::kAgentData;

  size_t processed = 0;
  size_t failed = request.refused.size();
  std::string unknown_item;
  for (const auto& listed : request.values) {
    const TrapperValue* value = &listed;
    TrapperValue named;
    if (value->key.empty()) {
      // zabbix_agent2 names the item by the id our active-check list gave it.
      const auto key = active_.keyOf(value->host, value->itemid.value_or(0));
      if (!key) {
        ++failed;
        unknown_item = "itemid " + std::to_string(value->itemid.value_or(0)) + " of host " +
                       value->host + " is none of its active checks";
        continue;
      }
      named = *value;
      named.key = *key;
      value = &named;
    }
    ++processed;
    // Older agents send no session: their resends cannot be told from new values.
    if (agent_data && value->id && !request.session.empty()) {
      std::lock_guard lock(sessions_mutex_);
      if (!sessions_.take(request.session, *value->id)) {
        ++duplicates_;
        continue;
      }
    }
    int64_t interval_ms = 0;
    if (agent_data) {
      interval_ms = active_.delayOf(value->host, value->key).value_or(0) * 1000;
    }
    emitValue(*value, received_ms, interval_ms, out);
  }
  processed_ += processed;
  failed_ += failed;

  if (!request.refused.empty()) {
    const auto& first = request.refused.front();
    warnRateLimited("input={} peer={} {}: {} of {} values refused, first at data[{}]: {}",
                    input_name_, peer, requestName(request.kind), request.refused.size(),
                    request.refused.size() + request.values.size(), first.index, first.reason);
  }
  if (!unknown_item.empty()) {
    warnRateLimited("input={} peer={} {}: {}", input_name_, peer, requestName(request.kind),
                    unknown_item);
  }
  const std::chrono::duration<double> spent = std::chrono::steady_clock::now() - started;
  return processedResponse(processed, failed, spent.count());
}

void TrapperHandler::emitValue(const TrapperValue& value, int64_t received_ms, int64_t interval_ms,
                               Emitter& out) {
  const int64_t ts = value.timestampMs(received_ms);
  if (value.not_supported) {
    out.emit(CheckResult{
        value.host,
        value.key,
        {},
        CheckState::kUnknown,
        value.value.empty() ? "not supported (the agent gave no reason)" : outputText(value.value),
        ts,
        interval_ms});
    return;
  }
  if (const auto number = numericValue(value.value)) {
    Sample sample;
    sample.host = value.host;
    sample.name = value.key;
    sample.value = *number;
    sample.ts_ms = ts;
    sample.interval_ms = interval_ms;
    out.emit(std::move(sample));
    return;
  }
  out.emit(CheckResult{
      value.host, value.key, {}, CheckState::kOk, outputText(value.value), ts, interval_ms});
}

void TrapperHandler::emitContact(const std::string& host, const std::string& what,
                                 int64_t interval_ms, Emitter& out) {
  out.emit(CheckResult{host,
                       kAvailableCheck,
                       {},
                       CheckState::kOk,
                       "active Zabbix agent " + what,
                       nowMs(),
                       interval_ms});
}

TrapperHandler::Stats TrapperHandler::stats() const {
  return Stats{requests_.load(), refused_requests_.load(), processed_.load(), failed_.load(),
               duplicates_.load()};
}

}  // namespace bsm::plugins::zabbix
