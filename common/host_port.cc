#include "common/host_port.h"

#include <charconv>

namespace bsm {

std::string HostPort::toString() const {
  if (host.find(':') != std::string::npos) {
    return "[" + host + "]:" + std::to_string(port);
  }
  return host + ":" + std::to_string(port);
}

Result<HostPort> parseHostPort(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return Error{"'" + std::string(text) + "' is not host:port"};
  }
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return Error{"'" + std::string(text) + "': write IPv6 addresses as [addr]:port"};
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return Error{"'" + std::string(text) + "': the port must be a number from 0 to 65535"};
  }
  return HostPort{std::string(host), static_cast<uint16_t>(port)};
}

bool isLoopbackHost(std::string_view host) {
  return host == "localhost" || host == "localhost.localdomain" || host == "::1" ||
         host == "[::1]" || host.starts_with("127.");
}

}  // namespace bsm
