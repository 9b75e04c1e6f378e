#include "plugins/zabbix/trapper_connection.h"

#include <algorithm>

#include <asio/read.hpp>
#include <asio/write.hpp>

#include "common/duration.h"
#include "common/log_rate_limiter.h"
#include "common/logging.h"

namespace bsm::plugins::zabbix {

namespace {

// How much of a request's data is read (and allocated) at a time.
constexpr size_t kReadChunk = 64 * 1024;

std::shared_ptr<spdlog::logger> logger() {
  static const auto log = logging::get("plugin.zabbix");
  return log;
}

// A broken or hostile client can open connections as fast as it likes; a few lines a minute
// say enough, and the count of broken connections says the rest.
LogRateLimiter& brokenLog() {
  static LogRateLimiter limiter(10, std::chrono::minutes(1));
  return limiter;
}

std::string describe(const asio::ip::tcp::socket& socket) {
  std::error_code error;
  const auto endpoint = socket.remote_endpoint(error);
  if (error) {
    return "unknown";
  }
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

}  // namespace

TrapperConnection::TrapperConnection(asio::ip::tcp::socket socket,
                                     std::shared_ptr<TrapperContext> context)
    : socket_(std::move(socket)),
      deadline_(socket_.get_executor()),
      context_(std::move(context)),
      peer_(describe(socket_)) {
  ++context_->open;
}

TrapperConnection::~TrapperConnection() {
  --context_->open;
}

void TrapperConnection::start() {
  deadline_.expires_after(context_->timeout);
  deadline_.async_wait([self = shared_from_this()](const std::error_code& error) {
    if (!error) {
      self->fail("no whole request within " + formatLimit(self->context_->timeout));
    }
  });
  asio::async_read(socket_, asio::buffer(header_.data(), kHeaderPrefixSize),
                   [self = shared_from_this()](const std::error_code& error, size_t) {
                     if (error) {
                       // A client that connects and leaves (a port probe) is no news.
                       self->close();
                       return;
                     }
                     const auto size = headerSize(self->header_);
                     if (!size) {
                       // 0x16 opens a TLS handshake: a sender or agent set up for Zabbix's
                       // encryption (TLSConnect=psk or cert), which bsm does not speak.
                       self->fail(self->header_[0] == 0x16
                                      ? "the client speaks TLS, which this trapper does not; "
                                        "set it to TLSConnect=unencrypted"
                                      : size.error().message);
                       return;
                     }
                     self->readHeaderRest(*size);
                   });
}

void TrapperConnection::readHeaderRest(size_t header_size) {
  asio::async_read(
      socket_, asio::buffer(header_.data() + kHeaderPrefixSize, header_size - kHeaderPrefixSize),
      [self = shared_from_this(), header_size](const std::error_code& error, size_t) {
        if (error) {
          self->fail("connection ended inside the header: " + error.message());
          return;
        }
        const auto header =
            decodeHeader(std::span(self->header_).first(header_size), self->context_->limits);
        if (!header) {
          self->fail(header.error().message);
          return;
        }
        self->readData(*header);
      });
}

void TrapperConnection::readData(const PacketHeader& header) {
  // The buffer grows with the bytes that arrive, a chunk at a time, never to the size the
  // header merely claims: a client that declares 16 MiB and sends nothing costs one chunk.
  const size_t have = data_.size();
  if (have == header.data_length) {
    answer(header);
    return;
  }
  const size_t chunk = std::min<uint64_t>(kReadChunk, header.data_length - have);
  data_.resize(have + chunk);
  socket_.async_read_some(
      asio::buffer(data_.data() + have, chunk),
      [self = shared_from_this(), header, have](const std::error_code& error, size_t got) {
        self->data_.resize(have + got);
        if (error) {
          self->fail("connection ended after " + std::to_string(have + got) + " of " +
                     std::to_string(header.data_length) + " bytes of data: " + error.message());
          return;
        }
        self->readData(header);
      });
}

void TrapperConnection::answer(const PacketHeader& header) {
  // A client sends one request and then waits for the answer, so bytes already waiting past
  // the declared length mean the length is wrong; the request is refused whole.
  std::error_code error;
  if (const size_t extra = socket_.available(error); !error && extra > 0) {
    fail("length mismatch: header says " + std::to_string(header.data_length) +
         " bytes of data, but more follow");
    return;
  }
  auto payload = decodeData(header, data_, context_->limits);
  if (!payload) {
    fail(payload.error().message);
    return;
  }
  data_ = {};

  const std::string response = context_->handler.handle(*payload, peer_, context_->out);
  auto packet = encodePacket(response);
  if (!packet) {
    fail(packet.error().message);
    return;
  }
  reply_ = std::move(packet).value();
  asio::async_write(socket_, asio::buffer(reply_),
                    [self = shared_from_this()](const std::error_code&, size_t) { self->close(); });
}

void TrapperConnection::fail(const std::string& reason) {
  if (closed_) {
    return;
  }
  ++context_->broken;
  if (uint64_t withheld = 0; brokenLog().allow(withheld)) {
    logger()->warn(
        "input={} peer={} connection closed: {}{}", context_->input_name, peer_, reason,
        withheld == 0 ? "" : " (" + std::to_string(withheld) + " similar lines withheld)");
  }
  close();
}

void TrapperConnection::close() {
  if (closed_) {
    return;
  }
  closed_ = true;
  deadline_.cancel();
  std::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace bsm::plugins::zabbix
