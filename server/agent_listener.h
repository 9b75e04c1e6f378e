#pragma once

#include <memory>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>

#include "common/host_port.h"
#include "common/result.h"
#include "server/agent_registry.h"
#include "server/agent_session.h"
#include "server/stream_stats.h"

namespace bsm::server {

// Accepts agent connections on the agent port and starts a session for each.
class AgentListener {
 public:
  // `store`, when given, keeps each agent's applied sequence across restarts.
  AgentListener(asio::io_context& io, std::shared_ptr<asio::ssl::context> tls, IngestTarget& ingest,
                SessionSettings settings, StateStore* store = nullptr);

  // Binds and starts accepting; port 0 picks a free port (see port()).
  Status start(const HostPort& listen);
  // Stops accepting and ends every agent's session with a Goodbye saying `reason`. Call on the
  // I/O thread.
  void stop(const std::string& reason = "server shutting down");
  uint16_t port() const { return port_; }
  const StreamStats& stats() const { return context_->stats; }

 private:
  void acceptNext();

  asio::io_context& io_;
  std::shared_ptr<asio::ssl::context> tls_;
  asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<SessionContext> context_;
  uint16_t port_ = 0;
};

}  // namespace bsm::server
