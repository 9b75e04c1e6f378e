#include "server/zabbix_webhook.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>

#include "common/log_rate_limiter.h"
#include "common/logging.h"

namespace bsm::server {

namespace {

using nlohmann::json;

// Zabbix's own limits: host names to 128 characters, trigger names to 255.
constexpr size_t kMaxHost = 128;
constexpr size_t kMaxTrigger = 255;
constexpr size_t kMaxText = 4096;
// A trigger's state holds until its next event, however long that is: a staleness horizon of
// three times this is, in practice, never.
constexpr int64_t kEventDrivenIntervalMs = 365LL * 24 * 3600 * 1000;

std::shared_ptr<spdlog::logger> logger() {
  static const auto log = logging::get("zabbix");
  return log;
}

// A field the media type sends as a string (every webhook parameter is one); numbers are
// taken too, for hand-written clients.
Result<std::string> textField(const json& body, const char* name, size_t limit, bool required) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) {
      return Error{std::string("missing \"") + name + "\""};
    }
    return std::string();
  }
  std::string text;
  if (it->is_string()) {
    text = it->get<std::string>();
  } else if (it->is_number_integer()) {
    text = std::to_string(it->get<int64_t>());
  } else if (it->is_number_float() && std::trunc(it->get<double>()) == it->get<double>() &&
             std::abs(it->get<double>()) < 1e15) {
    text = std::to_string(static_cast<int64_t>(it->get<double>()));
  } else {
    return Error{std::string("\"") + name + "\" must be a string"};
  }
  // A macro Zabbix could not resolve arrives as itself, e.g. "{HOST.HOST}".
  if (required && (text.empty() || (text.front() == '{' && text.back() == '}'))) {
    return Error{std::string("\"") + name + "\" is empty or an unresolved macro: '" +
                 text.substr(0, 64) + "'"};
  }
  if (text.size() > limit) {
    return Error{std::string("\"") + name + "\" is longer than " + std::to_string(limit) +
                 " characters"};
  }
  return text;
}

}  // namespace

CheckState stateOf(const ZabbixEvent& event) {
  if (!event.problem) {
    return CheckState::kOk;
  }
  switch (event.severity) {
    case 1:
      return CheckState::kOk;
    case 4:
    case 5:
      return CheckState::kCritical;
    default:
      return CheckState::kWarning;
  }
}

Result<ZabbixEvent> parseZabbixEvent(const std::string& body) {
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return Error{"the body is not a JSON object"};
  }
  ZabbixEvent event;
  auto host = textField(parsed, "host", kMaxHost, true);
  if (!host) {
    return host.error();
  }
  event.host = std::move(*host);
  auto trigger = textField(parsed, "trigger", kMaxTrigger, true);
  if (!trigger) {
    return trigger.error();
  }
  event.trigger = std::move(*trigger);

  auto value = textField(parsed, "value", 8, true);
  if (!value) {
    return value.error();
  }
  if (*value != "0" && *value != "1") {
    return Error{"\"value\" must be 1 (problem) or 0 (resolved), as {EVENT.VALUE} gives it"};
  }
  event.problem = *value == "1";
  auto severity = textField(parsed, "severity", 8, event.problem);
  if (!severity) {
    return severity.error();
  }
  if (!severity->empty()) {
    if (severity->size() != 1 || (*severity)[0] < '0' || (*severity)[0] > '5') {
      return Error{"\"severity\" must be 0 to 5, as {EVENT.NSEVERITY} gives it"};
    }
    event.severity = (*severity)[0] - '0';
  }
  for (auto [name, into] :
       {std::pair{"name", &event.name}, std::pair{"event_id", &event.event_id},
        std::pair{"opdata", &event.opdata}, std::pair{"trigger_id", &event.trigger_id},
        std::pair{"recovery_id", &event.recovery_id}}) {
    auto text = textField(parsed, name, kMaxText, false);
    if (!text) {
      return text.error();
    }
    // A macro that does not apply to this event ({EVENT.RECOVERY.ID} in a problem) comes
    // through unresolved: it means "not given".
    if (!text->empty() && text->front() == '{' && text->back() == '}') {
      text->clear();
    }
    *into = std::move(*text);
  }
  for (const std::string* id : {&event.event_id, &event.trigger_id, &event.recovery_id}) {
    if (id->find_first_not_of("0123456789") != std::string::npos || id->size() > 19) {
      return Error{"event, trigger and recovery ids must be numbers, as Zabbix gives them"};
    }
  }
  return event;
}

bool ZabbixWebhook::newest(const ZabbixEvent& event) {
  const std::string& order_text =
      !event.problem && !event.recovery_id.empty() ? event.recovery_id : event.event_id;
  if (order_text.empty()) {
    return true;  // a client that sends no ids gets its events applied as they come
  }
  const uint64_t order = std::stoull(order_text);
  const std::string trigger =
      event.host + '\n' + (event.trigger_id.empty() ? event.trigger : event.trigger_id);
  std::lock_guard lock(order_mutex_);
  // One entry per trigger that ever fired; a bound keeps a runaway client from growing it.
  if (last_applied_.size() > 1'000'000) {
    last_applied_.clear();
  }
  uint64_t& last = last_applied_[trigger];
  if (order < last) {
    return false;
  }
  last = order;
  return true;
}

HttpApi::Reply ZabbixWebhook::handle(const std::string& body, const std::string& client) {
  static LogRateLimiter refusal_log(10, std::chrono::minutes(1));
  auto event = parseZabbixEvent(body);
  if (!event) {
    ++refused_;
    if (uint64_t withheld = 0; refusal_log.allow(withheld)) {
      logger()->warn("Zabbix webhook event refused client={}: {}", client, event.error().message);
    }
    return {400, json{{"error", event.error().message}}.dump(-1, ' ', false,
                                                             json::error_handler_t::replace)};
  }

  if (!newest(*event)) {
    logger()->info(
        "Zabbix event {} for host={} trigger={} is older than one already applied; "
        "ignored",
        event->event_id, event->host, event->trigger);
    return {200, json{{"host", event->host}, {"check", event->trigger}, {"ignored", true}}.dump(
                     -1, ' ', false, json::error_handler_t::replace)};
  }

  SeriesKey key;
  key.agent_id = kAgentId;
  if (!event->trigger_id.empty()) {
    key.labels = {{"trigger_id", event->trigger_id}};
  }
  key.kind = SeriesKind::kCheck;
  key.host = event->host;
  key.name = event->trigger;
  key.interval_ms = kEventDrivenIntervalMs;
  const SeriesId id = ingest_.defineSeries(key);
  if (id == kNoSeries) {
    ++refused_;
    return {422, json{{"error", "the server refused the series (see its log)"}}.dump()};
  }

  const int64_t now = nowMs();
  const CheckState state = stateOf(*event);
  std::string output = event->problem ? "PROBLEM: " : "RESOLVED: ";
  output += event->name.empty() ? event->trigger : event->name;
  if (!event->opdata.empty()) {
    output += " (" + event->opdata + ")";
  }
  if (!event->event_id.empty()) {
    output += " [Zabbix event " + event->event_id + "]";
  }
  const IngestCheck check{id, now, state, output};
  if (Status applied = ingest_.apply({}, std::span(&check, 1), now); !applied) {
    ++refused_;
    return {500, json{{"error", applied.error().message}}.dump(-1, ' ', false,
                                                               json::error_handler_t::replace)};
  }
  ++accepted_;
  logger()->debug("Zabbix event taken client={} host={} trigger={} state={}", client, event->host,
                  event->trigger, toString(state));
  return {200,
          json{{"host", event->host}, {"check", event->trigger}, {"state", toString(state)}}.dump(
              -1, ' ', false, json::error_handler_t::replace)};
}

}  // namespace bsm::server
