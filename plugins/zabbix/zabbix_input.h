#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/log_rate_limiter.h"
#include "plugins/input.h"
#include "plugins/input_registry.h"
#include "plugins/zabbix/passive_check.h"

namespace bsm::plugins::zabbix {

// One item the `zabbix` input polls, with its own rhythm.
struct PolledItem {
  std::string key;  // exactly as configured: it names the samples and checks
  std::chrono::milliseconds interval{0};
  std::chrono::milliseconds timeout{0};
  std::chrono::steady_clock::time_point due{};  // the epoch: due at the first round
};

// The `zabbix` input: polls items from a Zabbix agent (zabbix_agentd or zabbix_agent2) in
// passive mode, as a Zabbix server's poller does, and reports them under the host name the
// values speak for.
//
// A numeric value becomes a sample named by the item key; a text value, a check in state OK
// with the text as output; an item the agent does not support, an UNKNOWN check carrying the
// agent's reason. The check `zabbix.agent.available` (labelled agent=<host:port>) tells whether
// the agent answers at all: once it cannot be reached, the other items due in that round are
// not tried (each would wait for its own timeout) and become UNKNOWN checks naming the reason;
// an agent that takes connections but answers no item is unavailable too.
class ZabbixInput : public Input {
 public:
  // `settings.interval` is the tick at which items are looked at: the shortest item interval.
  ZabbixInput(InputSettings settings, PassiveCheck agent, std::string host_name,
              std::vector<PolledItem> items);

  // Options: host, port (10050), host_name (the host the values speak for; by default the
  // agent's host, or the bsm agent's own when that is loopback), items: a list of keys, or of
  // {key, interval, timeout}.
  static InputFactory factory();

  void collect(Emitter& out) override;

  // Check name of the agent's own availability.
  static constexpr const char* kAvailableCheck = "zabbix.agent.available";

  const std::string& hostName() const { return host_name_; }
  const std::vector<PolledItem>& items() const { return items_; }

 private:
  // Reports the agent unavailable: `problem` completes "Zabbix agent H:P ...", and every item
  // in `skipped` (not tried this round) becomes UNKNOWN with that text.
  void reportUnreachable(const std::string& problem, const std::vector<PolledItem*>& skipped,
                         Emitter& out);
  CheckResult availability(CheckState state, std::string output, int64_t ts) const;

  PassiveCheck agent_;
  std::string host_name_;
  std::vector<PolledItem> items_;
  bool unreachable_ = false;
  LogRateLimiter failure_log_{3, std::chrono::minutes(10)};
};

}  // namespace bsm::plugins::zabbix
