#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <asio/ip/address.hpp>

#include "common/result.h"

namespace bsm::plugins::zabbix {

// The addresses a trapper takes connections from, as Zabbix's "Allowed hosts" of a trapper
// item: single addresses and networks in CIDR notation, IPv4 and IPv6. An IPv4 client seen as
// an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is matched as IPv4.
class AllowedPeers {
 public:
  // The default: this host's loopback only, so that a trapper nobody configured takes values
  // from no other machine.
  static AllowedPeers loopback();

  // Adds "192.0.2.7", "10.0.0.0/8", "::1" or "2001:db8::/32"; fails naming what is wrong.
  Status add(std::string_view entry);

  bool allows(const asio::ip::address& address) const;
  bool empty() const { return networks_.empty(); }

 private:
  struct Network {
    std::array<uint8_t, 16> bytes{};  // IPv4 in the first 4
    bool v6 = false;
    unsigned prefix = 0;
  };

  std::vector<Network> networks_;
};

}  // namespace bsm::plugins::zabbix
