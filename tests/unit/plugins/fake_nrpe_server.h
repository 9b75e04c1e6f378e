#pragma once

// A scripted NRPE server on loopback for the tests of what a real nrpe will not do on demand:
// hang up mid-packet, answer in another version, damage a packet, say nothing.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "plugins/nagios/nrpe_packet.h"

namespace bsm::plugins::nagios::testing {

using Bytes = std::vector<uint8_t>;

inline void sendBytes(int fd, const Bytes& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      return;
    }
    sent += static_cast<size_t>(n);
  }
}

inline Bytes response(int version, int16_t code, const std::string& text) {
  auto bytes = encodeNrpePacket({version, NrpePacketType::kResponse, code, text});
  EXPECT_TRUE(bytes.ok());
  return bytes.ok() ? *bytes : Bytes{};
}

// Accepts connections one after another; connection i is handled by handlers[i] (the last
// handler serves every connection after that) once its query has been read.
class FakeNrpeServer {
 public:
  using Handler = std::function<void(int fd, const NrpePacket& query)>;

  explicit FakeNrpeServer(std::vector<Handler> handlers) : handlers_(std::move(handlers)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(listen(listen_fd_, 8), 0);
    socklen_t length = sizeof(address);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeNrpeServer() {
    stop_ = true;
    thread_.join();
    close(listen_fd_);
  }

  uint16_t port() const { return port_; }
  std::vector<int> versionsAsked() {
    std::lock_guard lock(mutex_);
    return versions_;
  }

  // Handlers.
  static Handler answer(int version, int16_t code, const std::string& text) {
    return [=](int fd, const NrpePacket&) { sendBytes(fd, response(version, code, text)); };
  }
  static Handler answerInKind(int16_t code, const std::string& text) {
    return [=](int fd, const NrpePacket& query) {
      sendBytes(fd, response(query.version, code, text));
    };
  }
  static Handler sendRaw(Bytes bytes) {
    return [=](int fd, const NrpePacket&) { sendBytes(fd, bytes); };
  }
  static Handler hangUp() {
    return [](int, const NrpePacket&) {};
  }
  // Says nothing until the client gives up and closes.
  static Handler silent() {
    return [](int fd, const NrpePacket&) {
      pollfd entry{fd, POLLIN, 0};
      poll(&entry, 1, 10'000);
    };
  }

 private:
  void serve() {
    size_t index = 0;
    while (!stop_) {
      pollfd entry{listen_fd_, POLLIN, 0};
      if (poll(&entry, 1, 20) <= 0) {
        continue;
      }
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        continue;
      }
      const Handler& handler = handlers_[std::min(index++, handlers_.size() - 1)];
      auto query = readQuery(fd);
      if (query) {
        {
          std::lock_guard lock(mutex_);
          versions_.push_back(query->version);
        }
        handler(fd, *query);
      }
      close(fd);
    }
  }

  static std::optional<NrpePacket> readQuery(int fd) {
    Bytes bytes(kNrpeHeaderSize);
    if (!readExactly(fd, bytes.data(), bytes.size())) {
      return std::nullopt;
    }
    auto size = nrpePacketSize(bytes);
    if (!size) {
      return std::nullopt;
    }
    bytes.resize(*size);
    if (!readExactly(fd, bytes.data() + kNrpeHeaderSize, *size - kNrpeHeaderSize)) {
      return std::nullopt;
    }
    auto packet = decodeNrpePacket(bytes);
    return packet ? std::optional(*packet) : std::nullopt;
  }

  static bool readExactly(int fd, uint8_t* into, size_t size) {
    size_t got = 0;
    while (got < size) {
      const ssize_t n = recv(fd, into + got, size - got, 0);
      if (n <= 0) {
        return false;
      }
      got += static_cast<size_t>(n);
    }
    return true;
  }

  std::vector<Handler> handlers_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<int> versions_;
};

}  // namespace bsm::plugins::nagios::testing
