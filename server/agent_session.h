#pragma once

#include <array>
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

#include <asio/ip/tcp.hpp>
#include <asio/ssl.hpp>
#include <asio/steady_timer.hpp>

#include "common/frame_codec.h"
#include "common/log_rate_limiter.h"
#include "server/agent_registry.h"
#include "server/ingest_target.h"
#include "server/stream_stats.h"

namespace bsm::server {

struct SessionSettings {
  uint32_t max_frame_bytes = kDefaultMaxFrameBytes;
  std::chrono::milliseconds handshake_timeout{10'000};  // TLS handshake plus Hello
  std::chrono::milliseconds heartbeat_interval{10'000};
  // A session that receives nothing for this long is considered dead.
  std::chrono::milliseconds idle_timeout{35'000};
  // Series an agent may define in one session; bounds the dictionary's memory.
  size_t max_series = 1'000'000;
  // Connections held at once; more are closed at accept, so a flood cannot exhaust descriptors.
  size_t max_sessions = 10'000;
  // A sample stamped further ahead of the server's clock than this is taken as stamped now: a
  // clock that ran ahead must not freeze its series once it is set right.
  std::chrono::milliseconds max_clock_ahead{60'000};
};

// Everything sessions share. Each session holds a reference-counted pointer to it, because
// handlers still queued in the io_context when the listener goes may outlive the listener.
struct SessionContext {
  SessionContext(SessionSettings settings, IngestTarget& ingest, StateStore* store)
      : settings(settings), ingest(ingest), registry(store) {}

  SessionSettings settings;
  IngestTarget& ingest;  // outlives the io_context that runs the sessions
  AgentRegistry registry;
  StreamStats stats;
  // Shared by every session for what a misbehaving peer can trigger over and over.
  LogRateLimiter refusal_log{20, std::chrono::minutes(1)};
};

// One agent's TLS connection: handshake, Hello/Welcome, then batches applied and acknowledged
// in order. Anything the agent does wrong ends this session only, with the reason logged.
class AgentSession : public std::enable_shared_from_this<AgentSession> {
 public:
  AgentSession(asio::ip::tcp::socket socket, asio::ssl::context& tls,
               std::shared_ptr<SessionContext> context);
  ~AgentSession();

  void start();
  // Ends the session with `reason` in the log (and in a Goodbye to the agent when the
  // session got that far). A fault (the agent broke the protocol) is logged as an error, a
  // normal end (goodbye, replacement, shutdown) as info.
  void close(const std::string& reason, bool fault = true);

  const std::string& agentId() const { return agent_id_; }

 private:
  void onHandshake(const std::error_code& error);
  void readMore();
  void onRead(const std::error_code& error, size_t bytes);
  // Returns false when the session must end; `close` was called then.
  bool handle(bsm::v1::Envelope& envelope);
  bool handleHello(const bsm::v1::Hello& hello);
  bool handleBatch(const bsm::v1::Batch& batch);
  void send(const bsm::v1::Envelope& envelope);
  void writeNext();
  void armIdleTimer();
  void armHeartbeat();
  void finish();

  asio::ssl::stream<asio::ip::tcp::socket> stream_;
  std::shared_ptr<SessionContext> shared_context_;
  SessionContext& context_;  // *shared_context_
  asio::steady_timer deadline_;
  asio::steady_timer heartbeat_;
  std::string peer_;      // "ip:port", for every log line
  std::string agent_id_;  // certificate CN; set after the handshake
  bool welcomed_ = false;
  bool closing_ = false;
  bool writing_ = false;
  bool refused_logged_ = false;
  bool clock_ahead_logged_ = false;
  FrameDecoder decoder_;
  std::array<char, 64 * 1024> read_buffer_;
  std::deque<std::string> write_queue_;
  // Session series id -> server series id.
  std::unordered_map<uint32_t, SeriesId> dictionary_;
  std::chrono::steady_clock::time_point last_received_;
};

}  // namespace bsm::server
