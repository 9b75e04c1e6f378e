#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "common/host_port.h"
#include "common/result.h"

namespace bsm::plugins::nagios {

// When a whole NRPE exchange must be over, and the budget it started with (for messages).
struct NrpeDeadline {
  std::chrono::steady_clock::time_point at;
  std::chrono::milliseconds budget{0};

  static NrpeDeadline in(std::chrono::milliseconds budget);
  bool passed() const { return std::chrono::steady_clock::now() >= at; }
  // "timed out after 10 s" or "timed out after 500 ms".
  std::string timedOut() const;
};

// OpenSSL's queued errors as one line, by reason ("certificate verify failed"); clears the
// queue. (common/tls_context.h has the same for the agent stream, but pulls in Asio.)
std::string tlsErrors();

// How a read ended.
struct NrpeRead {
  size_t bytes = 0;   // how many arrived
  std::string ended;  // empty when all arrived, else "closed" or "reset" (by the server)
};

// One TCP connection to an NRPE server, optionally inside TLS, on which every operation gives
// up at a deadline. The socket is non-blocking and every wait is a poll() bounded by the time
// left, so that a server that accepts and then says nothing cannot hold the caller past it;
// name resolution, which has no timeout of its own, runs on a helper thread that is abandoned
// when the deadline passes.
//
// Writing to a socket the server has closed raises SIGPIPE; plaintext writes avoid it, but
// OpenSSL's socket writes cannot, so the process must ignore SIGPIPE (bsm-agent does, in
// blockStopSignals()).
class NrpeConnection {
 public:
  // Resolves and connects to `peer`, trying each address in turn, then runs the TLS handshake
  // when `tls` is not null. `server_name`, when not empty, is the name (DNS or IP) the server's
  // certificate must carry; leave it empty for anonymous TLS. Errors read as a reason after
  // "NRPE host:port: ", e.g. "connection refused".
  static Result<std::unique_ptr<NrpeConnection>> open(const HostPort& peer, SSL_CTX* tls,
                                                      const std::string& server_name,
                                                      const NrpeDeadline& deadline);
  ~NrpeConnection();
  NrpeConnection(const NrpeConnection&) = delete;
  NrpeConnection& operator=(const NrpeConnection&) = delete;

  Status writeAll(std::span<const uint8_t> bytes, const NrpeDeadline& deadline);
  // Fills `into` completely unless the server closes or resets the connection first, which is
  // not an error here: the caller decides what a short read means. Errors are timeouts, TLS
  // failures and other socket errors.
  Result<NrpeRead> readFull(std::span<uint8_t> into, const NrpeDeadline& deadline);

 private:
  NrpeConnection(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}

  Status handshake(const NrpeDeadline& deadline);
  // Waits until the socket is ready for `events` (POLLIN/POLLOUT) or the deadline passes.
  Status waitFor(short events, const NrpeDeadline& deadline, const char* doing);

  int fd_ = -1;
  SSL* ssl_ = nullptr;
};

}  // namespace bsm::plugins::nagios
