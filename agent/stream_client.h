#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl.hpp>
#include <asio/steady_timer.hpp>

#include "agent/agent_config.h"
#include "agent/batch_queue.h"
#include "agent/batcher.h"
#include "agent/series_table.h"
#include "common/frame_codec.h"

namespace bsm::agent {

// Delivers queued batches to the server over mutual TLS, and keeps doing so across network
// failures: it reconnects with jittered exponential back-off, resends what was not
// acknowledged, and lets the server's Welcome tell it what is already stored. Runs its own
// I/O thread, which also seals due batches.
class StreamClient {
 public:
  StreamClient(std::string agent_id, ServerEndpoint server, SeriesTable& series, BatchQueue& queue,
               Batcher& batcher);
  ~StreamClient();

  // Loads the TLS files (failing with the file's name) and starts connecting.
  Status start();
  // Gives queued batches up to `drain` to be acknowledged, then says goodbye and stops.
  void stop(std::chrono::milliseconds drain);

  bool connected() const { return connected_; }
  uint64_t acknowledged() const { return acknowledged_; }
  uint64_t sessionsStarted() const { return sessions_started_; }

 private:
  struct Session;

  void connect();
  void onConnected(const std::shared_ptr<Session>& session, const std::error_code& error);
  void onHandshake(const std::shared_ptr<Session>& session, const std::error_code& error);
  void readMore(const std::shared_ptr<Session>& session);
  void onRead(const std::shared_ptr<Session>& session, const std::error_code& error, size_t bytes);
  void handle(const std::shared_ptr<Session>& session, const bsm::v1::Envelope& envelope);
  void pump();
  void send(const std::shared_ptr<Session>& session, const bsm::v1::Envelope& envelope);
  void writeNext(const std::shared_ptr<Session>& session);
  void fail(const std::shared_ptr<Session>& session, const std::string& reason);
  void scheduleReconnect();
  void armTick();
  bool encodeBatch(Session& session, const PendingBatch& batch, bsm::v1::Envelope& out);

  std::string agent_id_;
  ServerEndpoint server_;
  SeriesTable& series_;
  BatchQueue& queue_;
  Batcher& batcher_;
  std::shared_ptr<asio::ssl::context> tls_;

  asio::io_context io_;
  asio::steady_timer reconnect_timer_;
  asio::steady_timer tick_timer_;
  asio::ip::tcp::resolver resolver_;
  std::thread thread_;
  std::shared_ptr<Session> session_;  // the current connection, if any
  std::mt19937_64 random_;
  int failures_ = 0;  // consecutive failed attempts, for back-off
  std::chrono::steady_clock::time_point last_failure_log_{};
  bool stopping_ = false;

  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> acknowledged_{0};
  std::atomic<uint64_t> sessions_started_{0};
};

}  // namespace bsm::agent
