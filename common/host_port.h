#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace bsm {

// "host:port", "[v6]:port" or ":port". An empty host means every address.
struct HostPort {
  std::string host;
  uint16_t port = 0;

  std::string toString() const;
};

Result<HostPort> parseHostPort(std::string_view text);

// True for a name or address of this very host's loopback ("localhost", 127.x, ::1). A peer
// polled there (an NRPE daemon, a Zabbix agent) speaks for the agent's own host.
bool isLoopbackHost(std::string_view host);

}  // namespace bsm
