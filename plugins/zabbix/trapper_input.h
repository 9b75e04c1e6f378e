#pragma once

#include <memory>
#include <thread>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "common/host_port.h"
#include "common/log_rate_limiter.h"
#include "common/result.h"
#include "plugins/input.h"
#include "plugins/input_registry.h"
#include "plugins/zabbix/allowed_peers.h"
#include "plugins/zabbix/trapper_connection.h"
#include "plugins/zabbix/trapper_handler.h"

namespace bsm::plugins::zabbix {

struct TrapperOptions {
  HostPort listen{"0.0.0.0", 10051};
  size_t max_connections = 100;
  PacketLimits limits;
  ActiveChecks active;
  AllowedPeers allowed = AllowedPeers::loopback();
};

// The `zabbix_trapper` input: listens where a Zabbix server or proxy would (port 10051) for
// zabbix_sender and for Zabbix agents in active mode, and emits what they send (see
// TrapperHandler for what each request does).
class TrapperInput : public Input {
 public:
  TrapperInput(InputSettings settings, TrapperOptions options);
  ~TrapperInput() override;

  // Options: listen (address:port, default 0.0.0.0:10051), allow (addresses and networks that
  // may connect; default loopback only), max_connections (100), report_interval (how often
  // senders are expected to push, for staleness; default 1m), active_checks: a list of
  // {host: glob, items: [key or {key, interval}]}.
  static InputFactory factory();

  bool polled() const override { return false; }
  // Binds and starts serving; when the address cannot be bound, logs why and tries again every
  // few seconds, so that the rest of the agent keeps working meanwhile.
  void start(Emitter& out) override;
  void stop() override;

  // The bound port once listening (0 before): tests listen on port 0.
  uint16_t port() const { return port_.load(); }
  TrapperHandler::Stats stats() const { return handler_.stats(); }
  uint64_t brokenConnections() const { return context_ ? context_->broken.load() : 0; }

 private:
  Status listen();
  void retryListenLater();
  void acceptNext();

  TrapperOptions options_;
  TrapperHandler handler_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_{io_};
  asio::steady_timer retry_{io_};
  std::shared_ptr<TrapperContext> context_;
  std::atomic<uint16_t> port_{0};
  LogRateLimiter refusal_log_{5, std::chrono::minutes(1)};
  std::thread thread_;
};

}  // namespace bsm::plugins::zabbix
