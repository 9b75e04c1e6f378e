#include "server/agent_listener.h"

#include "common/logging.h"
#include "common/tcp_listen.h"

namespace bsm::server {

AgentListener::AgentListener(asio::io_context& io, std::shared_ptr<asio::ssl::context> tls,
                             IngestTarget& ingest, SessionSettings settings, StateStore* store)
    : io_(io),
      tls_(std::move(tls)),
      acceptor_(io),
      context_(std::make_shared<SessionContext>(settings, ingest, store)) {}

Status AgentListener::start(const HostPort& listen) {
  auto port = listenTcp(acceptor_, listen);
  if (!port) {
    return Error{"cannot listen for agents on " + listen.toString() + ": " + port.error().message};
  }
  port_ = *port;
  logging::get("stream")->info("listening for agents address={}:{}",
                               listen.host.empty() ? "0.0.0.0" : listen.host, port_);
  acceptNext();
  return Status::success();
}

void AgentListener::stop(const std::string& reason) {
  std::error_code ignored;
  acceptor_.close(ignored);
  for (const auto& session : context_->registry.sessions()) {
    session->close(reason, false);
  }
}

void AgentListener::acceptNext() {
  acceptor_.async_accept([this](const std::error_code& error, asio::ip::tcp::socket socket) {
    if (error == asio::error::operation_aborted) {
      return;
    }
    if (error) {
      // Out of file descriptors and the like: log, and keep accepting others.
      logging::get("stream")->error("accept failed: {}", error.message());
    } else if (context_->stats.sessions_active >= context_->settings.max_sessions) {
      // Past the limit a connection is closed before TLS, which is where the cost lies.
      context_->stats.sessions_refused++;
      if (uint64_t skipped = 0; context_->refusal_log.allow(skipped)) {
        logging::get("stream")->warn(
            "connection refused: {} sessions open, the limit (skipped {} similar lines)",
            context_->settings.max_sessions, skipped);
      }
    } else {
      std::error_code ignored;
      socket.set_option(asio::ip::tcp::no_delay(true), ignored);
      std::make_shared<AgentSession>(std::move(socket), *tls_, context_)->start();
    }
    acceptNext();
  });
}

}  // namespace bsm::server
