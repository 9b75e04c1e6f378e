#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "plugins/input.h"
#include "plugins/zabbix/active_checks.h"
#include "plugins/zabbix/active_sessions.h"
#include "plugins/zabbix/trapper_protocol.h"

namespace bsm::plugins::zabbix {

// What bsm answers on a Zabbix trapper port, apart from the network: takes one request's
// payload, emits what it carries, and returns the answer's payload.
//
// - "sender data" (zabbix_sender): every value is emitted under the host name the sender gave;
//   entries that are not values count as failed, the rest as processed.
// - "active checks": the items configured for the asking host, or "host [x] not found".
// - "agent data" (an active agent): as sender data, once per (session, id), with each item's
//   configured delay as its series interval; an item the agent could not get (state 1) is an
//   UNKNOWN check carrying the agent's reason.
// - "active check heartbeat": taken as a sign of life.
// Contact from an active agent (asking for checks, sending data, heartbeats) is reported as
// the check `zabbix.agent.available` of that host.
//
// Thread-safe: connections are handled on several threads.
//
// TODO: a request's own "clock" (the sender's time when it sent) is not used to correct the
// values' clocks for a sender whose clock is off; values keep the clocks they carry.
class TrapperHandler {
 public:
  TrapperHandler(std::string input_name, ActiveChecks active);

  // `peer` is the client's address, for logs.
  std::string handle(std::string_view payload, const std::string& peer, Emitter& out);

  struct Stats {
    uint64_t requests = 0;
    uint64_t refused_requests = 0;  // answered "failed"
    uint64_t processed = 0;         // values taken in (duplicates included)
    uint64_t failed = 0;            // values refused
    uint64_t duplicates = 0;        // agent data values seen before
  };
  Stats stats() const;

  static constexpr const char* kAvailableCheck = "zabbix.agent.available";

 private:
  std::string takeValues(const TrapperRequest& request, const std::string& peer, Emitter& out);
  void emitValue(const TrapperValue& value, int64_t received_ms, int64_t interval_ms, Emitter& out);
  void emitContact(const std::string& host, const std::string& what, int64_t interval_ms,
                   Emitter& out);

  std::string input_name_;
  ActiveChecks active_;
  std::mutex sessions_mutex_;
  ActiveSessions sessions_;
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> refused_requests_{0};
  std::atomic<uint64_t> processed_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> duplicates_{0};
};

}  // namespace bsm::plugins::zabbix
