#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/host_port.h"
#include "common/result.h"
#include "plugins/zabbix/zabbix_packet.h"

namespace bsm::plugins::zabbix {

// One exchange as every Zabbix client makes it: connect, send `payload` in one packet, read
// the one packet that answers it, all within `timeout`. The answer's header is checked against
// `limits` before its data is read. `reached`, when given, is set to whether a connection was
// made: a failure before that (refused, no route, connect timeout) means the peer is down, one
// after it may be this request's alone.
Result<std::string> exchangePacket(const HostPort& peer, std::string_view payload,
                                   std::chrono::milliseconds timeout, const PacketLimits& limits,
                                   bool* reached = nullptr);

}  // namespace bsm::plugins::zabbix
