#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/host_port.h"
#include "common/result.h"

namespace bsm::plugins::net {

// When a whole exchange with a peer must be over, and the budget it started with (for messages).
struct Deadline {
  std::chrono::steady_clock::time_point at;
  std::chrono::milliseconds budget{0};

  static Deadline in(std::chrono::milliseconds budget);
  bool passed() const { return std::chrono::steady_clock::now() >= at; }
  // "timed out after 10 s" or "timed out after 500 ms".
  std::string timedOut() const;
};

// OpenSSL's queued errors as one line, by reason ("certificate verify failed"); clears the
// queue. (common/tls_context.h has the same for the agent stream, but pulls in Asio.)
std::string tlsErrors();

// Ends the message of a handshake the peer hung up on: the usual cause is a plaintext server.
inline constexpr std::string_view kPlaintextPeerHint = " (the server does not seem to speak TLS)";

// How a read ended.
struct ReadOutcome {
  size_t bytes = 0;   // how many arrived
  std::string ended;  // empty when all arrived, else "closed" or "reset" (by the server)
};

// One TCP connection to a monitoring peer (an NRPE daemon, a Zabbix agent), optionally inside TLS,
// on which every operation gives up at a deadline. The socket is non-blocking and every wait is a
// poll() bounded by the time left, so that a server that accepts and then says nothing cannot hold
// the caller past it; name resolution, which has no timeout of its own, runs on a helper thread
// that is abandoned when the deadline passes.
//
// Writing to a socket the server has closed raises SIGPIPE; plaintext writes avoid it, but
// OpenSSL's socket writes cannot, so the process must ignore SIGPIPE (bsm-agent does, in
// blockStopSignals()).
class DeadlineConnection {
 public:
  // Resolves and connects to `peer`, trying each address in turn, then runs the TLS handshake
  // when `tls` is not null. `server_name`, when not empty, is the name (DNS or IP) the server's
  // certificate must carry; leave it empty for anonymous TLS. Errors read as a reason after
  // the peer's name, e.g. "connection refused".
  static Result<std::unique_ptr<DeadlineConnection>> open(const HostPort& peer, SSL_CTX* tls,
                                                          const std::string& server_name,
                                                          const Deadline& deadline);
  ~DeadlineConnection();
  DeadlineConnection(const DeadlineConnection&) = delete;
  DeadlineConnection& operator=(const DeadlineConnection&) = delete;

  Status writeAll(std::span<const uint8_t> bytes, const Deadline& deadline);
  // Fills `into` completely unless the server closes or resets the connection first, which is
  // not an error here: the caller decides what a short read means. Errors are timeouts, TLS
  // failures and other socket errors.
  Result<ReadOutcome> readFull(std::span<uint8_t> into, const Deadline& deadline);

 private:
  DeadlineConnection(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}

  Status handshake(const Deadline& deadline);
  // Waits until the socket is ready for `events` (POLLIN/POLLOUT) or the deadline passes.
  Status waitFor(short events, const Deadline& deadline, const char* doing);

  int fd_ = -1;
  SSL* ssl_ = nullptr;
};

}  // namespace bsm::plugins::net
