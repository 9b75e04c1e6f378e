#include "plugins/net/deadline_connection.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>

#include "common/duration.h"

namespace bsm::plugins::net {

namespace {

using Clock = std::chrono::steady_clock;

std::string errnoText(int error) {
  std::string text = std::generic_category().message(error);
  if (!text.empty()) {
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  return text;
}

// The poll() timeout until `deadline`, rounded up so that a wait never ends just short of it.
int millisecondsLeft(const Deadline& deadline) {
  const auto left = deadline.at - Clock::now();
  if (left <= Clock::duration::zero()) {
    return 0;
  }
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

// getaddrinfo() on a thread of its own, because it can block for as long as the resolver
// likes. The thread owns its share of the state, so an abandoned lookup cleans up after itself.
struct Lookup {
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  int status = 0;
  addrinfo* addresses = nullptr;

  ~Lookup() {
    if (addresses != nullptr) {
      freeaddrinfo(addresses);
    }
  }
};

using AddressList = std::shared_ptr<Lookup>;

Result<AddressList> resolve(const HostPort& peer, const Deadline& deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
  const std::string service = std::to_string(peer.port);

  // An address literal needs no resolver, and most monitored hosts are configured by address.
  auto lookup = std::make_shared<Lookup>();
  addrinfo numeric_hints = hints;
  numeric_hints.ai_flags |= AI_NUMERICHOST;
  if (getaddrinfo(peer.host.c_str(), service.c_str(), &numeric_hints, &lookup->addresses) == 0) {
    return lookup;
  }

  try {
    std::thread([lookup, hints, host = peer.host, service] {
      addrinfo* addresses = nullptr;
      const int status = getaddrinfo(host.c_str(), service.c_str(), &hints, &addresses);
      std::lock_guard lock(lookup->mutex);
      lookup->status = status;
      lookup->addresses = addresses;
      lookup->done = true;
      lookup->finished.notify_all();
    }).detach();
  } catch (const std::system_error& e) {
    return Error{std::string("cannot start the name lookup: ") + e.what()};
  }
  std::unique_lock lock(lookup->mutex);
  if (!lookup->finished.wait_until(lock, deadline.at, [&] { return lookup->done; })) {
    return Error{deadline.timedOut() + " looking up the host name"};
  }
  if (lookup->status != 0) {
    return Error{std::string("cannot resolve the host name: ") + gai_strerror(lookup->status)};
  }
  return lookup;
}

}  // namespace

std::string tlsErrors() {
  std::string out;
  while (const unsigned long code = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(code);
    out += out.empty() ? "" : "; ";
    out += reason != nullptr ? reason : "error " + std::to_string(code);
  }
  return out.empty() ? "no detail from OpenSSL" : out;
}

Deadline Deadline::in(std::chrono::milliseconds budget) {
  return Deadline{Clock::now() + budget, budget};
}

std::string Deadline::timedOut() const {
  return "timed out after " + formatLimit(budget);
}

Result<std::unique_ptr<DeadlineConnection>> DeadlineConnection::open(const HostPort& peer,
                                                                     SSL_CTX* tls,
                                                                     const std::string& server_name,
                                                                     const Deadline& deadline) {
  auto addresses = resolve(peer, deadline);
  if (!addresses) {
    return addresses.error();
  }

  std::unique_ptr<DeadlineConnection> connection;
  std::string failure = "the host name has no address";
  for (const addrinfo* a = (*addresses)->addresses; a != nullptr && !connection; a = a->ai_next) {
    const int fd =
        socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      failure = "cannot create a socket: " + errnoText(errno);
      continue;
    }
    auto candidate = std::unique_ptr<DeadlineConnection>(new DeadlineConnection(fd, nullptr));
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        failure = errnoText(errno);
        continue;
      }
      if (Status ready = candidate->waitFor(POLLOUT, deadline, "connecting"); !ready) {
        return ready.error();  // the deadline is spent; no other address can be tried
      }
      int error = 0;
      socklen_t length = sizeof(error);
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0) {
        failure = errnoText(error);
        continue;
      }
    }
    connection = std::move(candidate);
  }
  if (!connection) {
    return Error{failure};
  }

  if (tls != nullptr) {
    connection->ssl_ = SSL_new(tls);
    if (connection->ssl_ == nullptr || SSL_set_fd(connection->ssl_, connection->fd_) != 1) {
      return Error{"cannot set up TLS: " + tlsErrors()};
    }
    if (!server_name.empty()) {
      // The certificate must name the server we meant to reach, not merely chain to the CA:
      // otherwise any host holding a certificate from that CA could answer in its place.
      in6_addr ignored{};
      const bool literal = inet_pton(AF_INET, server_name.c_str(), &ignored) == 1 ||
                           inet_pton(AF_INET6, server_name.c_str(), &ignored) == 1;
      X509_VERIFY_PARAM* param = SSL_get0_param(connection->ssl_);
      const int named = literal ? X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str())
                                : X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), 0);
      if (named != 1) {
        return Error{"cannot use '" + server_name + "' as the TLS server name: " + tlsErrors()};
      }
      if (!literal) {
        SSL_set_tlsext_host_name(connection->ssl_, server_name.c_str());
      }
    }
    if (Status done = connection->handshake(deadline); !done) {
      return done.error();
    }
  }
  return connection;
}

DeadlineConnection::~DeadlineConnection() {
  if (ssl_ != nullptr) {
    // One close_notify, without waiting for the server's: the exchange is complete or given up.
    if (SSL_is_init_finished(ssl_) == 1) {
      SSL_shutdown(ssl_);
    }
    SSL_free(ssl_);
  }
  if (fd_ >= 0) {
    close(fd_);
  }
  ERR_clear_error();
}

Status DeadlineConnection::waitFor(short events, const Deadline& deadline, const char* doing) {
  for (;;) {
    pollfd entry{fd_, events, 0};
    const int ready = poll(&entry, 1, millisecondsLeft(deadline));
    if (ready > 0) {
      return Status::success();  // errors and hang-ups show in the next read or write
    }
    if (ready == 0) {
      return Error{deadline.timedOut() + " " + doing};
    }
    if (errno != EINTR) {
      return Error{std::string("poll failed while ") + doing + ": " + errnoText(errno)};
    }
  }
}

Status DeadlineConnection::handshake(const Deadline& deadline) {
  for (;;) {
    ERR_clear_error();
    errno = 0;
    const int done = SSL_connect(ssl_);
    const int saved_errno = errno;  // before anything else can change it
    if (done == 1) {
      return Status::success();
    }
    const int error = SSL_get_error(ssl_, done);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      Status ready = waitFor(error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline,
                             "in the TLS handshake");
      if (!ready) {
        return ready;
      }
      continue;
    }

    // A plaintext server reads our ClientHello as a broken request and hangs up, which
    // reaches us as a reset or an end of stream in the middle of the handshake.
    std::string reason;
    if (error == SSL_ERROR_SSL) {
      reason = tlsErrors();
      const long verify = SSL_get_verify_result(ssl_);
      if (verify != X509_V_OK) {
        reason += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
      }
    } else if (error == SSL_ERROR_ZERO_RETURN || saved_errno == 0) {
      reason = "the server closed the connection";
    } else {
      reason = errnoText(saved_errno);
    }
    const bool hung_up = error != SSL_ERROR_SSL;
    return Error{"TLS handshake failed: " + reason +
                 (hung_up ? std::string(kPlaintextPeerHint) : std::string())};
  }
}

Status DeadlineConnection::writeAll(std::span<const uint8_t> bytes, const Deadline& deadline) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const size_t left = bytes.size() - sent;
    if (ssl_ != nullptr) {
      ERR_clear_error();
      const int n = SSL_write(ssl_, bytes.data() + sent, static_cast<int>(left));
      if (n > 0) {
        sent += static_cast<size_t>(n);
        continue;
      }
      const int error = SSL_get_error(ssl_, n);
      if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
        Status ready =
            waitFor(error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, "sending the query");
        if (!ready) {
          return ready;
        }
        continue;
      }
      const std::string detail = error == SSL_ERROR_SSL ? tlsErrors() : errnoText(errno);
      return Error{"cannot send the query: " + detail};
    }
    const ssize_t n = send(fd_, bytes.data() + sent, left, MSG_NOSIGNAL);
    if (n >= 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      if (Status ready = waitFor(POLLOUT, deadline, "sending the query"); !ready) {
        return ready;
      }
      continue;
    }
    return Error{"cannot send the query: " + errnoText(errno)};
  }
  return Status::success();
}

Result<ReadOutcome> DeadlineConnection::readFull(std::span<uint8_t> into,
                                                 const Deadline& deadline) {
  ReadOutcome read;
  while (read.bytes < into.size()) {
    const size_t left = into.size() - read.bytes;
    uint8_t* at = into.data() + read.bytes;
    if (ssl_ != nullptr) {
      ERR_clear_error();
      errno = 0;
      const int n = SSL_read(ssl_, at, static_cast<int>(std::min<size_t>(left, 1 << 30)));
      if (n > 0) {
        read.bytes += static_cast<size_t>(n);
        continue;
      }
      const int error = SSL_get_error(ssl_, n);
      if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
        Status ready = waitFor(error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline,
                               "waiting for the response");
        if (!ready) {
          return ready.error();
        }
        continue;
      }
      // The context ignores a missing close_notify, so an end of stream is ZERO_RETURN.
      if (error == SSL_ERROR_ZERO_RETURN || (error == SSL_ERROR_SYSCALL && errno == 0)) {
        read.ended = "closed";
        return read;
      }
      if (error == SSL_ERROR_SYSCALL && (errno == ECONNRESET || errno == EPIPE)) {
        read.ended = "reset";
        return read;
      }
      const std::string detail = error == SSL_ERROR_SSL ? tlsErrors() : errnoText(errno);
      return Error{"cannot read the response: " + detail};
    }
    const ssize_t n = recv(fd_, at, left, 0);
    if (n > 0) {
      read.bytes += static_cast<size_t>(n);
      continue;
    }
    if (n == 0) {
      read.ended = "closed";
      return read;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      if (Status ready = waitFor(POLLIN, deadline, "waiting for the response"); !ready) {
        return ready.error();
      }
      continue;
    }
    if (errno == ECONNRESET) {
      read.ended = "reset";
      return read;
    }
    return Error{"cannot read the response: " + errnoText(errno)};
  }
  return read;
}

}  // namespace bsm::plugins::net
