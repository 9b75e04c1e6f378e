#pragma once

#include <cstdint>

#include <asio/ip/tcp.hpp>

#include "common/host_port.h"
#include "common/result.h"

namespace bsm {

// Opens `acceptor` on `listen` (an empty host means every IPv4 address; port 0 picks a free
// port), with SO_REUSEADDR so that a restart finds the port free while old connections linger
// in TIME_WAIT, and starts listening. Returns the bound port. On failure the acceptor is left
// closed and the error says why ("address already in use", "... is not an IP address").
Result<uint16_t> listenTcp(asio::ip::tcp::acceptor& acceptor, const HostPort& listen);

}  // namespace bsm
