#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "plugins/input.h"
#include "plugins/zabbix/trapper_handler.h"
#include "plugins/zabbix/zabbix_packet.h"

namespace bsm::plugins::zabbix {

// What every connection of one trapper listener shares.
struct TrapperContext {
  TrapperContext(TrapperHandler& handler, Emitter& out, PacketLimits limits,
                 std::chrono::milliseconds timeout, std::string input_name)
      : handler(handler),
        out(out),
        limits(limits),
        timeout(timeout),
        input_name(std::move(input_name)) {}

  TrapperHandler& handler;
  Emitter& out;
  PacketLimits limits;
  std::chrono::milliseconds timeout{10'000};  // for the whole exchange of one connection
  std::string input_name;                     // for logs
  std::atomic<size_t> open{0};
  std::atomic<uint64_t> broken{0};  // connections closed for bad bytes or a timeout
};

// One client of the trapper port, which (as with a Zabbix server) sends one request and reads
// one answer: read the header, check its sizes, read the data, answer, close. Everything is
// asynchronous with one deadline for the whole exchange, so a client that connects and says
// nothing, or sends slowly, holds only its own connection.
class TrapperConnection : public std::enable_shared_from_this<TrapperConnection> {
 public:
  TrapperConnection(asio::ip::tcp::socket socket, std::shared_ptr<TrapperContext> context);
  ~TrapperConnection();

  void start();

 private:
  void readHeaderRest(size_t header_size);
  void readData(const PacketHeader& header);
  void answer(const PacketHeader& header);
  void fail(const std::string& reason);
  void close();

  asio::ip::tcp::socket socket_;
  asio::steady_timer deadline_;
  std::shared_ptr<TrapperContext> context_;
  std::string peer_;
  std::array<uint8_t, kLargeHeaderSize> header_{};
  std::vector<uint8_t> data_;
  std::vector<uint8_t> reply_;
  bool closed_ = false;
};

}  // namespace bsm::plugins::zabbix
