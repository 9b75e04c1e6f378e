#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

// The JSON requests that reach a Zabbix server's trapper port (10051) and their answers:
// zabbix_sender's "sender data", and an active agent's "active checks", "agent data" and
// "active check heartbeat". Facts: ../shared/PROTOCOLS.md, sections 3.3 and 3.4.
namespace bsm::plugins::zabbix {

// Zabbix's own limit on a host name (the "host" column), in characters.
inline constexpr size_t kMaxHostNameLength = 128;

// One value as a sender or an active agent sends it.
struct TrapperValue {
  std::string host;
  std::string key;
  std::string value;             // text; a JSON number is taken as its text
  std::optional<int64_t> clock;  // seconds since the epoch, when the sender gave one
  std::optional<int64_t> ns;     // nanoseconds within that second
  std::optional<uint64_t> id;    // per-session sequence (agent data only)
  bool not_supported = false;    // agent data with state 1: `value` is the reason
  // The item by the id our active-check list gave it (agent data only). zabbix_agent2 names
  // its values this way alone, without "key"; `key` is then empty until looked up.
  std::optional<uint64_t> itemid;

  // Milliseconds since the epoch: the value's own clock, or `fallback_ms` without one.
  int64_t timestampMs(int64_t fallback_ms) const;
};

// A value that could not be taken, and why; it counts as "failed" in the answer.
struct RefusedValue {
  size_t index = 0;  // position in the request's data array
  std::string reason;
};

enum class TrapperRequestKind { kSenderData, kAgentData, kActiveChecks, kHeartbeat };

struct TrapperRequest {
  TrapperRequestKind kind = TrapperRequestKind::kSenderData;
  std::vector<TrapperValue> values;   // sender data and agent data
  std::vector<RefusedValue> refused;  // entries of the data array that were not values
  std::string session;                // agent data: the agent process's session token
  std::string host;                   // active checks and heartbeat: who asks
  std::string host_metadata;
  int64_t heartbeat_seconds = 0;  // heartbeat: how often the agent promises one
};

// Parses one request. Fails (an answer of "failed") when the payload is not a JSON object with a
// known "request", or lacks what that request needs; a single bad entry of a data array is not
// a failure of the request but a refused value, as Zabbix counts it.
Result<TrapperRequest> parseTrapperRequest(std::string_view payload);

// {"response":"success","info":"processed: 3; failed: 1; total: 4; seconds spent: 0.000055"},
// exactly as a Zabbix server words it, because zabbix_sender parses the info text for its exit
// code.
std::string processedResponse(size_t processed, size_t failed, double seconds_spent);

// {"response":"failed","info":"<why>"}.
std::string failedResponse(std::string_view info);

// One entry of an answer to "active checks".
struct ActiveItem {
  std::string key;
  int64_t delay_seconds = 60;

  // The item's id in the list: derived from the key alone, so that a value an agent buffered
  // before the list changed still names the same item.
  uint64_t itemid() const;
};

// {"response":"success","data":[{"key":..,"key_orig":..,"itemid":..,"delay":"30",
// "lastlogsize":0,"mtime":0},...]}. The delay is a string: zabbix_agent2 refuses a number
// there, and zabbix_agentd takes either; agent2 also needs the itemid.
std::string activeChecksResponse(const std::vector<ActiveItem>& items);

// What a sender's info text says, for bsm's own pushes to a Zabbix server.
struct ProcessedInfo {
  uint64_t processed = 0;
  uint64_t failed = 0;
  uint64_t total = 0;
};

// Reads a server's answer to sender data: success with its counts, or the server's reason.
Result<ProcessedInfo> parseProcessedResponse(std::string_view payload);

}  // namespace bsm::plugins::zabbix
