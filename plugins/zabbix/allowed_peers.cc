#include "plugins/zabbix/allowed_peers.h"

#include <charconv>

namespace bsm::plugins::zabbix {

namespace {

// Whether the first `prefix` bits of `a` and `b` agree.
bool samePrefix(const uint8_t* a, const uint8_t* b, unsigned prefix) {
  const unsigned whole = prefix / 8;
  for (unsigned i = 0; i < whole; ++i) {
    if (a[i] != b[i]) {
      return false;
    }
  }
  const unsigned rest = prefix % 8;
  if (rest == 0) {
    return true;
  }
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

AllowedPeers AllowedPeers::loopback() {
  AllowedPeers peers;
  (void)peers.add("127.0.0.0/8");
  (void)peers.add("::1");
  return peers;
}

Status AllowedPeers::add(std::string_view entry) {
  const std::string text(entry);
  const size_t slash = text.find('/');
  std::error_code error;
  const auto address = asio::ip::make_address(text.substr(0, slash), error);
  if (error) {
    return Error{"'" + text + "' is not an IP address or network (a.b.c.d[/bits], ::1[/bits])"};
  }
  Network network;
  network.v6 = address.is_v6();
  const unsigned width = network.v6 ? 128 : 32;
  network.prefix = width;
  if (slash != std::string::npos) {
    const std::string bits = text.substr(slash + 1);
    unsigned prefix = 0;
    const auto [end, parsed] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
    if (parsed != std::errc() || end != bits.data() + bits.size() || bits.empty() ||
        prefix > width) {
      return Error{"'" + text + "' has a prefix length that is not 0 to " + std::to_string(width)};
    }
    network.prefix = prefix;
  }
  if (network.v6) {
    const auto bytes = address.to_v6().to_bytes();
    std::copy(bytes.begin(), bytes.end(), network.bytes.begin());
  } else {
    const auto bytes = address.to_v4().to_bytes();
    std::copy(bytes.begin(), bytes.end(), network.bytes.begin());
  }
  networks_.push_back(network);
  return Status::success();
}

bool AllowedPeers::allows(const asio::ip::address& address) const {
  asio::ip::address plain = address;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    plain = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  std::array<uint8_t, 16> bytes{};
  if (plain.is_v6()) {
    const auto v6 = plain.to_v6().to_bytes();
    std::copy(v6.begin(), v6.end(), bytes.begin());
  } else {
    const auto v4 = plain.to_v4().to_bytes();
    std::copy(v4.begin(), v4.end(), bytes.begin());
  }
  for (const auto& network : networks_) {
    if (network.v6 == plain.is_v6() &&
        samePrefix(network.bytes.data(), bytes.data(), network.prefix)) {
      return true;
    }
  }
  return false;
}

}  // namespace bsm::plugins::zabbix
