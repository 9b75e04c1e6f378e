#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/log_rate_limiter.h"
#include "common/result.h"
#include "server/server_config.h"
#include "server/state_change_sink.h"
#include "server/views.h"

namespace bsm::server {

// Hands business-service states back to Zabbix, as zabbix_sender would: every service's state
// as the trapper item `bsm.service.state[NAME]` (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, the
// Nagios codes) of one Zabbix host, sent every interval and soon after each change, so that
// Zabbix triggers and dashboards can use business states like any item.
//
// record() only queues the changes; a thread of its own talks to Zabbix. Every change goes
// out with the time it happened, so a short WARNING between two OKs reaches Zabbix's history.
// When Zabbix cannot be reached the changes wait and are sent when it can again (past 100000
// waiting changes, only the latest of each service is kept); nothing blocks the engine. Right
// after a start, a service is sent only once it has changed or three minutes have passed, so
// that a restart does not report every service UNKNOWN. Values Zabbix refuses (the items do
// not exist on that host) are counted and logged, not retried.
//
// TODO: bsm.service.sla[NAME] is not pushed yet: the push would need SlaLedger::budget() for
// each service on its own thread, since the ledger reads SQLite.
class ZabbixPush final : public StateChangeSink {
 public:
  // `services` gives every service's state for the periodic push; it must outlive stop().
  ZabbixPush(ZabbixPushConfig config, const ApiBackend& services);
  ~ZabbixPush() override;
  ZabbixPush(const ZabbixPush&) = delete;
  ZabbixPush& operator=(const ZabbixPush&) = delete;

  void start();
  // Returns once no push is in flight any more; pending changes are not sent.
  void stop();

  void record(std::span<const StateChange> changes) override;

  // The item key for a service, its name quoted as a key parameter where it needs it.
  static std::string stateKey(const std::string& service);

  struct Stats {
    uint64_t pushes = 0;           // exchanges Zabbix answered with success
    uint64_t failures = 0;         // exchanges that failed (unreachable, refused, bad answer)
    uint64_t values_sent = 0;      // values Zabbix processed
    uint64_t values_refused = 0;   // values Zabbix counted as failed
    uint64_t changes_dropped = 0;  // earlier changes dropped while too many waited
  };
  Stats stats() const;

 private:
  struct Pending {
    std::string service;
    CheckState state = CheckState::kUnknown;
    int64_t ts_ms = 0;
  };
  using Clock = std::chrono::steady_clock;

  void loop();
  Status push(const std::vector<Pending>& values);
  void boundPendingLocked();

  const ZabbixPushConfig config_;
  const ApiBackend& services_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Pending> pending_;   // changes not yet sent, oldest first
  std::set<std::string> settled_;  // services that changed state since the start
  Clock::time_point first_pending_{};
  bool stopping_ = false;
  std::thread thread_;

  std::atomic<uint64_t> pushes_{0};
  std::atomic<uint64_t> failures_{0};
  std::atomic<uint64_t> values_sent_{0};
  std::atomic<uint64_t> values_refused_{0};
  std::atomic<uint64_t> changes_dropped_{0};
  LogRateLimiter failure_log_{3, std::chrono::minutes(10)};
};

}  // namespace bsm::server
