#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/host_port.h"
#include "common/result.h"
#include "plugins/zabbix/zabbix_packet.h"

namespace bsm::plugins::zabbix {

// A Zabbix agent's answer to one item key: a value, or "not supported" with the agent's reason.
struct ItemAnswer {
  bool supported = true;
  std::string value;   // the value as text, when supported
  std::string reason;  // why not, when not supported (may be empty: older agents give none)
};

// Reads the payload of a passive-check reply. `ZBX_NOTSUPPORTED` alone, or followed by a NUL
// and the reason, means not supported; anything else is the value (NULs and newlines kept).
ItemAnswer parseAgentAnswer(std::string payload);

// The value as a number when the whole text (blanks around it aside) is one: decimal, with an
// optional sign, fraction and exponent, finite. Zabbix agents print numbers this way; a text
// item that happens to hold a number ("42") is a number too, as Zabbix would store it.
std::optional<double> numericValue(std::string_view text);

// A text value as a check's output: up to its first NUL (Zabbix keeps values as C strings) and
// at most 64 KiB, with a note when it was cut.
std::string outputText(std::string_view value);

// Asks one Zabbix agent (zabbix_agentd or zabbix_agent2, any version from 4.0) for one item in
// passive mode: a connection per key, the key in a ZBXD packet, the answer in another. Errors
// are about reaching the agent ("connection refused", "timed out after 3 s"); an item the
// agent does not support is an answer, not an error.
class PassiveCheck {
 public:
  explicit PassiveCheck(HostPort agent, PacketLimits limits = {});

  // `reached`, when given, is set to whether a connection to the agent was made: a failure
  // before that (refused, no route, connect timeout) means the agent is down, one after it
  // may be this item's alone (a slow user parameter).
  Result<ItemAnswer> ask(std::string_view key, std::chrono::milliseconds timeout,
                         bool* reached = nullptr) const;

  const HostPort& agent() const { return agent_; }

 private:
  HostPort agent_;
  PacketLimits limits_;
};

}  // namespace bsm::plugins::zabbix
