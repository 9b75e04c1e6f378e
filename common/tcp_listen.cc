#include "common/tcp_listen.h"

namespace bsm {

Result<uint16_t> listenTcp(asio::ip::tcp::acceptor& acceptor, const HostPort& listen) {
  std::error_code error;
  const std::string host = listen.host.empty() ? "0.0.0.0" : listen.host;
  const auto address = asio::ip::make_address(host, error);
  if (error) {
    return Error{"'" + host + "' is not an IP address"};
  }
  const asio::ip::tcp::endpoint endpoint(address, listen.port);
  acceptor.open(endpoint.protocol(), error);
  if (!error) {
    acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), error);
  }
  if (!error) {
    acceptor.bind(endpoint, error);
  }
  if (!error) {
    acceptor.listen(asio::socket_base::max_listen_connections, error);
  }
  if (error) {
    std::error_code ignored;
    acceptor.close(ignored);
    return Error{error.message()};
  }
  return acceptor.local_endpoint().port();
}

}  // namespace bsm
