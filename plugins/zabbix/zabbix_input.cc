#include "plugins/zabbix/zabbix_input.h"

#include <algorithm>
#include <set>

#include <asio/ip/address_v6.hpp>

#include "common/host_port.h"
#include "common/logging.h"
#include "plugins/zabbix/item_key.h"

namespace bsm::plugins::zabbix {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kDefaultPort = 10050;

std::shared_ptr<spdlog::logger> logger() {
  static const auto log = logging::get("plugin.zabbix");
  return log;
}

PolledItem readItem(const ConfigFile& file, const YAML::Node& node, const InputSettings& settings) {
  PolledItem item;
  item.interval = settings.interval;
  item.timeout = settings.timeout;
  if (node.IsMap()) {
    file.rejectUnknownKeys(node, {"key", "interval", "timeout"}, "an item");
    item.key = file.getString(node, "key");
    item.interval = file.getDuration(node, "interval", item.interval);
    item.timeout = file.getDuration(node, "timeout", item.timeout);
  } else {
    item.key = file.asString(node, "an entry of 'items' (a key, or {key, interval, timeout})");
  }
  if (auto parsed = parseItemKey(item.key); !parsed) {
    file.fail(node, "item key '" + item.key + "' is not valid: " + parsed.error().message);
  }
  if (item.interval < std::chrono::seconds(1)) {
    file.fail(node, "an item's interval must be at least 1s");
  }
  if (item.timeout < std::chrono::milliseconds(100)) {
    file.fail(node, "an item's timeout must be at least 100ms");
  }
  return item;
}

}  // namespace

ZabbixInput::ZabbixInput(InputSettings settings, PassiveCheck agent, std::string host_name,
                         std::vector<PolledItem> items)
    : Input(std::move(settings)),
      agent_(std::move(agent)),
      host_name_(std::move(host_name)),
      items_(std::move(items)) {}

InputFactory ZabbixInput::factory() {
  return [](const InputSettings& settings, const ConfigFile& file, const YAML::Node& options) {
    file.requireMap(options, "the zabbix input");
    file.rejectUnknownKeys(
        options, {"plugin", "name", "interval", "timeout", "host", "port", "host_name", "items"},
        "input '" + settings.name + "' (plugin zabbix)");

    HostPort peer;
    peer.host = file.getString(options, "host");
    if (peer.host.empty()) {
      file.fail(options["host"], "'host' must name the Zabbix agent to poll");
    }
    // "host:port" and "[v6]" are easy to write here by habit; the port has its own key.
    const bool has_colon = peer.host.find(':') != std::string::npos;
    std::error_code not_v6;
    if (has_colon) {
      (void)asio::ip::make_address_v6(peer.host, not_v6);
    }
    if (peer.host.find('[') != std::string::npos || (has_colon && not_v6)) {
      file.fail(options["host"],
                "'host' must be a host name or address alone (an IPv6 one "
                "without brackets); give the port in 'port'");
    }
    const int64_t port = file.getInteger(options, "port", kDefaultPort);
    if (port < 1 || port > 65535) {
      file.fail(options["port"], "'port' must be from 1 to 65535");
    }
    peer.port = static_cast<uint16_t>(port);
    // An agent on this very host speaks for the bsm agent's host, so that every bsm agent
    // polling its own 127.0.0.1 does not report as one host named "127.0.0.1".
    const std::string host_name =
        file.getOptionalString(options, "host_name")
            .value_or(isLoopbackHost(peer.host) ? settings.host : peer.host);
    if (host_name.empty()) {
      file.fail(options["host_name"], "'host_name' must not be empty");
    }

    const YAML::Node list = options["items"];
    if (!list || list.IsNull()) {
      file.fail(options, "missing required key 'items' (e.g. items: [agent.ping])");
    }
    file.requireSequence(list, "'items'");
    if (list.size() == 0) {
      file.fail(list, "'items' is empty: name at least one item key");
    }
    std::vector<PolledItem> items;
    std::set<std::string> keys;
    auto tick = std::chrono::milliseconds::max();
    for (const auto& node : list) {
      PolledItem item = readItem(file, node, settings);
      if (!keys.insert(item.key).second) {
        file.fail(node, "item '" + item.key + "' is listed twice");
      }
      tick = std::min(tick, item.interval);
      items.push_back(std::move(item));
    }

    // The scheduler calls collect() at the shortest item interval; slower items wait their
    // turn. zabbix.agent.available is reported on every such round.
    InputSettings ticking = settings;
    ticking.interval = tick;
    return std::make_unique<ZabbixInput>(ticking, PassiveCheck(peer), host_name, std::move(items));
  };
}

void ZabbixInput::collect(Emitter& out) {
  // An item counts as due half a tick early, so that the scheduler's jitter never makes it
  // wait for a whole extra tick.
  const auto now = Clock::now();
  const auto horizon = now + settings().interval / 2;
  std::vector<PolledItem*> due;
  for (auto& item : items_) {
    if (item.due <= horizon) {
      item.due = now + item.interval;
      due.push_back(&item);
    }
  }
  if (due.empty()) {
    return;
  }

  std::string unreachable;  // why no connection could be made
  std::string first_error;  // the first item that failed after connecting
  size_t answered = 0;      // items the agent answered (a value or "not supported")
  std::vector<PolledItem*> skipped;
  for (PolledItem* item : due) {
    if (!unreachable.empty()) {
      skipped.push_back(item);
      continue;
    }
    bool reached = false;
    auto answer = agent_.ask(item->key, item->timeout, &reached);
    CheckResult check{
        host_name_, item->key, {}, CheckState::kUnknown, "", nowMs(), item->interval.count()};
    if (!answer) {
      if (!reached) {
        unreachable = answer.error().message;
        skipped.push_back(item);
        continue;
      }
      check.output = "cannot read item from Zabbix agent " + agent_.agent().toString() + ": " +
                     answer.error().message;
      if (first_error.empty()) {
        first_error = answer.error().message;
      }
      out.emit(std::move(check));
      continue;
    }
    ++answered;
    if (!answer->supported) {
      check.output =
          answer->reason.empty() ? "not supported (the agent gave no reason)" : answer->reason;
      out.emit(std::move(check));
      continue;
    }
    if (const auto number = numericValue(answer->value)) {
      Sample sample;
      sample.host = host_name_;
      sample.name = item->key;
      sample.value = *number;
      sample.ts_ms = check.ts_ms;
      sample.interval_ms = check.interval_ms;
      out.emit(std::move(sample));
      continue;
    }
    check.state = CheckState::kOk;
    check.output = outputText(answer->value);
    out.emit(std::move(check));
  }

  if (!unreachable.empty()) {
    reportUnreachable("is not reachable: " + unreachable, skipped, out);
    return;
  }
  // An agent that takes the connection but answers nothing (its Server= does not list us, it
  // hangs) is as unavailable to us as one that is down.
  if (answered == 0) {
    reportUnreachable("answers no item: " + first_error, skipped, out);
    return;
  }
  if (unreachable_) {
    unreachable_ = false;
    logger()->info("input={} agent={} answers again", settings().name, agent_.agent().toString());
  }
  out.emit(availability(CheckState::kOk, "Zabbix agent " + agent_.agent().toString() + " answers",
                        nowMs()));
}

CheckResult ZabbixInput::availability(CheckState state, std::string output, int64_t ts) const {
  CheckResult check;
  check.host = host_name_;
  check.name = kAvailableCheck;
  // Labelled with the agent's address: two inputs may poll two agents for one host name.
  check.labels = {{"agent", agent_.agent().toString()}};
  check.state = state;
  check.output = std::move(output);
  check.ts_ms = ts;
  return check;
}

void ZabbixInput::reportUnreachable(const std::string& problem,
                                    const std::vector<PolledItem*>& skipped, Emitter& out) {
  const std::string output = "Zabbix agent " + agent_.agent().toString() + " " + problem;
  const int64_t ts = nowMs();
  for (const PolledItem* item : skipped) {
    out.emit(CheckResult{
        host_name_, item->key, {}, CheckState::kUnknown, output, ts, item->interval.count()});
  }
  out.emit(availability(CheckState::kCritical, output, ts));

  unreachable_ = true;
  if (uint64_t withheld = 0; failure_log_.allow(withheld)) {
    logger()->warn("input={} agent={} unavailable, its items are UNKNOWN: {}{}", settings().name,
                   agent_.agent().toString(), problem,
                   withheld == 0 ? "" : " (" + std::to_string(withheld) + " lines withheld)");
  }
}

}  // namespace bsm::plugins::zabbix
