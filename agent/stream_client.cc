#include "agent/stream_client.h"

#include <algorithm>

#include <openssl/x509v3.h>
#include <asio/connect.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>

#include "common/logging.h"
#include "common/tls_context.h"
#include "common/version.h"

namespace bsm::agent {

namespace {

constexpr std::chrono::milliseconds kConnectTimeout{10'000};
constexpr std::chrono::milliseconds kBackoffBase{500};
constexpr std::chrono::milliseconds kBackoffCap{30'000};
constexpr std::chrono::milliseconds kTick{200};
constexpr std::chrono::milliseconds kStableSession{10'000};
// Batches sent but not yet acknowledged; enough to keep a long link busy, small enough that a
// reconnect does not resend much.
constexpr size_t kWindow = 32;

std::shared_ptr<spdlog::logger> logger() {
  static auto log = logging::get("stream");
  return log;
}

bsm::v1::CheckState toWire(CheckState state) {
  switch (state) {
    case CheckState::kOk:
      return bsm::v1::CHECK_STATE_OK;
    case CheckState::kWarning:
      return bsm::v1::CHECK_STATE_WARNING;
    case CheckState::kCritical:
      return bsm::v1::CHECK_STATE_CRITICAL;
    case CheckState::kUnknown:
      return bsm::v1::CHECK_STATE_UNKNOWN;
  }
  return bsm::v1::CHECK_STATE_UNKNOWN;
}

void fillFacts(bsm::v1::HostFacts& facts) {
  facts.set_hostname(localHostName());
  facts.set_os("linux");
  facts.set_cpus(std::thread::hardware_concurrency());
}

}  // namespace

struct StreamClient::Session {
  Session(asio::io_context& io, asio::ssl::context& tls) : stream(io, tls), deadline(io) {}

  asio::ssl::stream<asio::ip::tcp::socket> stream;
  asio::steady_timer deadline;  // connect, handshake and Welcome must finish by it
  FrameDecoder decoder;
  std::array<char, 16 * 1024> buffer{};
  std::deque<std::string> writes;
  bool writing = false;
  bool welcomed = false;
  bool dead = false;
  std::vector<bool> defined;  // by SeriesTable id: already defined in this session
  uint64_t last_sent = 0;
  size_t in_flight = 0;
  std::chrono::milliseconds heartbeat{10'000};
  std::chrono::steady_clock::time_point last_received;
  std::chrono::steady_clock::time_point last_written;
  std::chrono::steady_clock::time_point welcomed_at;
};

StreamClient::StreamClient(std::string agent_id, ServerEndpoint server, SeriesTable& series,
                           BatchQueue& queue, Batcher& batcher)
    : agent_id_(std::move(agent_id)),
      server_(std::move(server)),
      series_(series),
      queue_(queue),
      batcher_(batcher),
      reconnect_timer_(io_),
      tick_timer_(io_),
      resolver_(io_),
      random_(std::random_device{}()) {}

StreamClient::~StreamClient() {
  if (thread_.joinable()) {
    stop(std::chrono::milliseconds(0));
  }
}

Status StreamClient::start() {
  auto tls = makeTlsContext({server_.ca, server_.cert, server_.key}, TlsRole::kClient);
  if (!tls) {
    return tls.error();
  }
  tls_ = std::move(tls.value());
  queue_.setOnPush([this] { asio::post(io_, [this] { pump(); }); });
  asio::post(io_, [this] {
    connect();
    armTick();
  });
  thread_ = std::thread([this] { io_.run(); });
  return Status::success();
}

void StreamClient::stop(std::chrono::milliseconds drain) {
  batcher_.sealNow();
  const auto deadline = std::chrono::steady_clock::now() + drain;
  while (queue_.size() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (queue_.size() > 0) {
    logger()->warn("stopping with {} batches not acknowledged by the server", queue_.size());
  }
  queue_.setOnPush(nullptr);
  asio::post(io_, [this] {
    stopping_ = true;
    reconnect_timer_.cancel();
    tick_timer_.cancel();
    resolver_.cancel();
    if (session_ && session_->welcomed) {
      bsm::v1::Envelope goodbye;
      goodbye.mutable_goodbye()->set_reason("agent stopping");
      send(session_, goodbye);
    }
  });
  // Give the Goodbye a moment to leave, then stop whatever is still pending.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  io_.stop();
  if (thread_.joinable()) {
    thread_.join();
  }
  connected_ = false;
}

void StreamClient::connect() {
  if (stopping_) {
    return;
  }
  auto session = std::make_shared<Session>(io_, *tls_);
  session_ = session;
  session->deadline.expires_after(kConnectTimeout);
  session->deadline.async_wait([this, session](const std::error_code& error) {
    if (!error && !session->welcomed && !session->dead) {
      fail(session, "no Welcome from the server within " +
                        std::to_string(kConnectTimeout.count() / 1000) + " s");
    }
  });
  resolver_.async_resolve(
      server_.host_port.host, std::to_string(server_.host_port.port),
      [this, session](const std::error_code& error,
                      const asio::ip::tcp::resolver::results_type& endpoints) {
        if (session->dead) {
          return;
        }
        if (error) {
          fail(session, "cannot resolve " + server_.host_port.host + ": " + error.message());
          return;
        }
        asio::async_connect(
            session->stream.lowest_layer(), endpoints,
            [this, session](const std::error_code& error, const asio::ip::tcp::endpoint&) {
              onConnected(session, error);
            });
      });
}

void StreamClient::onConnected(const std::shared_ptr<Session>& session,
                               const std::error_code& error) {
  if (session->dead) {
    return;
  }
  if (error) {
    fail(session, "cannot connect: " + error.message());
    return;
  }
  std::error_code ignored;
  session->stream.lowest_layer().set_option(asio::ip::tcp::no_delay(true), ignored);
  // The server must prove it is the host we dialled, not just any holder of a certificate
  // from our CA (an agent's certificate would pass the CA check alone). OpenSSL's own check
  // names the failure ("hostname mismatch", "IP address mismatch") in the handshake error.
  SSL* ssl = session->stream.native_handle();
  const std::string& host = server_.host_port.host;
  std::error_code not_ip;
  asio::ip::make_address(host, not_ip);
  if (not_ip) {
    SSL_set_tlsext_host_name(ssl, host.c_str());
    SSL_set1_host(ssl, host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
  }
  session->stream.async_handshake(
      asio::ssl::stream_base::client,
      [this, session](const std::error_code& error) { onHandshake(session, error); });
}

void StreamClient::onHandshake(const std::shared_ptr<Session>& session,
                               const std::error_code& error) {
  if (session->dead) {
    return;
  }
  if (error) {
    std::string reason = peerVerifyFailure(session->stream.native_handle());
    fail(session, "TLS handshake failed: " + (reason.empty() ? error.message() : reason));
    return;
  }
  bsm::v1::Envelope hello;
  auto* body = hello.mutable_hello();
  body->set_agent_id(agent_id_);
  body->set_version(kVersion);
  body->set_last_acked_seq(acknowledged_);
  fillFacts(*body->mutable_facts());
  session->last_received = std::chrono::steady_clock::now();
  send(session, hello);
  readMore(session);
}

void StreamClient::readMore(const std::shared_ptr<Session>& session) {
  session->stream.async_read_some(asio::buffer(session->buffer),
                                  [this, session](const std::error_code& error, size_t bytes) {
                                    onRead(session, error, bytes);
                                  });
}

void StreamClient::onRead(const std::shared_ptr<Session>& session, const std::error_code& error,
                          size_t bytes) {
  if (session->dead) {
    return;
  }
  if (error) {
    fail(session, error == asio::error::eof ? std::string("the server closed the connection")
                                            : "read failed: " + error.message());
    return;
  }
  session->last_received = std::chrono::steady_clock::now();
  session->decoder.append(std::string_view(session->buffer.data(), bytes));
  while (!session->dead) {
    auto next = session->decoder.next();
    if (!next) {
      fail(session, "bad frame from the server: " + next.error().message);
      return;
    }
    if (!next->has_value()) {
      break;
    }
    handle(session, next->value());
  }
  if (!session->dead) {
    readMore(session);
  }
}

void StreamClient::handle(const std::shared_ptr<Session>& session,
                          const bsm::v1::Envelope& envelope) {
  switch (envelope.body_case()) {
    case bsm::v1::Envelope::kWelcome: {
      if (session->welcomed) {
        fail(session, "a second Welcome from the server");
        return;
      }
      const auto& welcome = envelope.welcome();
      const uint64_t stored = welcome.last_stored_seq();
      // The server may remember sequence numbers from an earlier run of this agent that are
      // higher than ours (our clock-based start moved backwards): then nothing we queued can
      // have reached it, and renumbering above its mark keeps our batches from being taken
      // for duplicates.
      if (stored > queue_.lastAssigned()) {
        logger()->warn("server has seq={} above ours={}; renumbering queued batches", stored,
                       queue_.lastAssigned());
        queue_.renumber(stored + 1);
      } else {
        queue_.acknowledge(stored);
      }
      session->welcomed = true;
      session->deadline.cancel();
      session->last_sent = stored;
      if (welcome.heartbeat_interval_ms() >= 100) {
        session->heartbeat = std::chrono::milliseconds(welcome.heartbeat_interval_ms());
      }
      connected_ = true;
      sessions_started_++;
      if (failures_ > 1) {
        logger()->info("connected to server={} after {} failed attempts; {} batches queued",
                       server_.address, failures_, queue_.size());
      } else {
        logger()->info("connected to server={} server_version={} queued={}", server_.address,
                       welcome.server_version(), queue_.size());
      }
      session->welcomed_at = std::chrono::steady_clock::now();
      pump();
      return;
    }
    case bsm::v1::Envelope::kAck: {
      const uint64_t seq = envelope.ack().seq();
      queue_.acknowledge(seq);
      if (seq > acknowledged_) {
        acknowledged_ = seq;
      }
      if (session->in_flight > 0) {
        session->in_flight--;
      }
      pump();
      return;
    }
    case bsm::v1::Envelope::kHeartbeat:
      return;
    case bsm::v1::Envelope::kGoodbye:
      fail(session, "the server ended the session: " + envelope.goodbye().reason());
      return;
    default:
      fail(session, "unexpected message number " + std::to_string(envelope.body_case()) +
                        " from the server");
  }
}

bool StreamClient::encodeBatch(Session& session, const PendingBatch& batch,
                               bsm::v1::Envelope& out) {
  auto* body = out.mutable_batch();
  body->set_seq(batch.seq);
  auto define = [&](uint32_t id) {
    if (session.defined.size() <= id) {
      session.defined.resize(id + 1024, false);
    }
    if (session.defined[id]) {
      return;
    }
    session.defined[id] = true;
    const SeriesDefinition def = series_.definition(id);
    auto* wire = body->add_series();
    wire->set_id(id);
    wire->set_kind(def.kind == SeriesKind::kCheck ? bsm::v1::SERIES_KIND_CHECK
                                                  : bsm::v1::SERIES_KIND_METRIC);
    wire->set_host(def.host);
    wire->set_name(def.name);
    for (const auto& [key, value] : def.labels) {
      auto* label = wire->add_labels();
      label->set_key(key);
      label->set_value(value);
    }
    wire->set_unit(def.unit);
    wire->set_interval_ms(static_cast<uint32_t>(def.interval_ms));
  };
  for (const auto& metric : batch.metrics) {
    define(metric.series);
    auto* sample = body->add_samples();
    sample->set_series(metric.series);
    sample->set_ts_ms(metric.ts_ms);
    sample->set_value(metric.value);
    if (metric.warn) {
      if (auto plain = metric.warn->plainUpperBound()) {
        sample->set_warn(*plain);
      } else {
        sample->set_warn_range(metric.warn->toString());
      }
    }
    if (metric.crit) {
      if (auto plain = metric.crit->plainUpperBound()) {
        sample->set_crit(*plain);
      } else {
        sample->set_crit_range(metric.crit->toString());
      }
    }
    if (metric.min)
      sample->set_min(*metric.min);
    if (metric.max)
      sample->set_max(*metric.max);
  }
  for (const auto& check : batch.checks) {
    define(check.series);
    auto* value = body->add_checks();
    value->set_series(check.series);
    value->set_ts_ms(check.ts_ms);
    value->set_state(toWire(check.state));
    value->set_output(check.output);
  }
  return true;
}

void StreamClient::pump() {
  const auto session = session_;
  if (!session || !session->welcomed || session->dead || session->in_flight >= kWindow) {
    return;
  }
  for (const auto& batch : queue_.after(session->last_sent, kWindow - session->in_flight)) {
    bsm::v1::Envelope envelope;
    encodeBatch(*session, *batch, envelope);
    std::string frame;
    if (Status status = appendFrame(envelope, kDefaultMaxFrameBytes, frame); !status) {
      // Cannot happen with the configured batch limits; if it does, sending it would only get
      // the session closed, so the batch is dropped and said so.
      logger()->error("dropping batch seq={} values={}: {}", batch->seq, batch->valueCount(),
                      status.error().message);
      queue_.acknowledge(batch->seq);
      session->last_sent = batch->seq;
      continue;
    }
    session->writes.push_back(std::move(frame));
    session->last_sent = batch->seq;
    session->in_flight++;
  }
  writeNext(session);
}

void StreamClient::send(const std::shared_ptr<Session>& session,
                        const bsm::v1::Envelope& envelope) {
  std::string frame;
  if (Status status = appendFrame(envelope, kDefaultMaxFrameBytes, frame); !status) {
    logger()->error("cannot encode a frame for the server: {}", status.error().message);
    return;
  }
  session->writes.push_back(std::move(frame));
  writeNext(session);
}

void StreamClient::writeNext(const std::shared_ptr<Session>& session) {
  if (session->writing || session->writes.empty() || session->dead) {
    return;
  }
  session->writing = true;
  asio::async_write(session->stream, asio::buffer(session->writes.front()),
                    [this, session](const std::error_code& error, size_t) {
                      session->writing = false;
                      if (session->dead) {
                        return;
                      }
                      session->writes.pop_front();
                      if (error) {
                        fail(session, "write failed: " + error.message());
                        return;
                      }
                      session->last_written = std::chrono::steady_clock::now();
                      writeNext(session);
                    });
}

void StreamClient::fail(const std::shared_ptr<Session>& session, const std::string& reason) {
  if (session->dead) {
    return;
  }
  session->dead = true;
  session->deadline.cancel();
  std::error_code ignored;
  session->stream.lowest_layer().close(ignored);
  const bool was_up = session->welcomed;
  if (session == session_) {
    session_.reset();
  }
  connected_ = false;
  if (stopping_) {
    return;
  }

  const auto now = std::chrono::steady_clock::now();
  // Only a session that lasted resets the back-off: one the server keeps ending at once (two
  // agents sharing an id, a server refusing what we send) must not be retried at full speed.
  if (was_up && now - session->welcomed_at >= kStableSession) {
    failures_ = 0;
  }
  failures_++;
  // The first failure and then one a minute, so an outage is visible without flooding.
  if (was_up || failures_ == 1 || now - last_failure_log_ >= std::chrono::minutes(1)) {
    last_failure_log_ = now;
    logger()->warn("stream to server={} down: {}; retrying with back-off, {} batches queued",
                   server_.address, reason, queue_.size());
  } else {
    logger()->debug("stream to server={} attempt {} failed: {}", server_.address, failures_,
                    reason);
  }
  scheduleReconnect();
}

void StreamClient::scheduleReconnect() {
  // Full jitter: a fleet that lost the server together does not come back in lock-step.
  const int exponent = std::min(failures_, 16);
  const auto ceiling = std::min<int64_t>(kBackoffCap.count(), kBackoffBase.count() << exponent);
  std::uniform_int_distribution<int64_t> pick(ceiling / 4, ceiling);
  reconnect_timer_.expires_after(std::chrono::milliseconds(pick(random_)));
  reconnect_timer_.async_wait([this](const std::error_code& error) {
    if (!error) {
      connect();
    }
  });
}

void StreamClient::armTick() {
  tick_timer_.expires_after(kTick);
  tick_timer_.async_wait([this](const std::error_code& error) {
    if (error || stopping_) {
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    batcher_.sealIfDue(now);
    if (const auto session = session_; session && session->welcomed && !session->dead) {
      if (now - session->last_received > 3 * session->heartbeat) {
        fail(session, "nothing from the server for " +
                          std::to_string(3 * session->heartbeat.count() / 1000) + " s");
      } else if (now - session->last_written >= session->heartbeat) {
        bsm::v1::Envelope beat;
        beat.mutable_heartbeat()->set_ts_ms(nowMs());
        send(session, beat);
      }
    }
    armTick();
  });
}

}  // namespace bsm::agent
