#include "server/agent_session.h"

#include <asio/read.hpp>
#include <asio/write.hpp>

#include "common/logging.h"
#include "common/tls_context.h"
#include "common/version.h"

namespace bsm::server {

namespace {

// A perfdata threshold as the agent sent it: a plain number or a Nagios range's text. A range
// the agent could parse but this server cannot is dropped rather than guessed at.
std::optional<NagiosRange> thresholdFromWire(bool has_plain, double plain,
                                             const std::string& range) {
  if (has_plain) {
    return NagiosRange::upTo(plain);
  }
  if (range.empty()) {
    return std::nullopt;
  }
  auto parsed = NagiosRange::parse(range);
  return parsed ? std::optional<NagiosRange>(*parsed) : std::nullopt;
}

std::shared_ptr<spdlog::logger> logger() {
  static auto log = logging::get("stream");
  return log;
}

template <typename Socket>
std::string endpointText(const Socket& socket) {
  std::error_code error;
  const auto endpoint = socket.remote_endpoint(error);
  if (error) {
    return "unknown";
  }
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

CheckState fromWire(bsm::v1::CheckState state) {
  switch (state) {
    case bsm::v1::CHECK_STATE_OK:
      return CheckState::kOk;
    case bsm::v1::CHECK_STATE_WARNING:
      return CheckState::kWarning;
    case bsm::v1::CHECK_STATE_CRITICAL:
      return CheckState::kCritical;
    default:
      return CheckState::kUnknown;
  }
}

// " (12 similar lines skipped)" when a rate limiter withheld some.
std::string skippedNote(uint64_t skipped) {
  return skipped == 0 ? "" : " (" + std::to_string(skipped) + " similar lines skipped)";
}

}  // namespace

AgentSession::AgentSession(asio::ip::tcp::socket socket, asio::ssl::context& tls,
                           std::shared_ptr<SessionContext> context)
    : stream_(std::move(socket), tls),
      shared_context_(std::move(context)),
      context_(*shared_context_),
      deadline_(stream_.get_executor()),
      heartbeat_(stream_.get_executor()),
      peer_(endpointText(stream_.lowest_layer())),
      decoder_(context_.settings.max_frame_bytes) {
  context_.stats.sessions_active++;
}

AgentSession::~AgentSession() {
  context_.stats.sessions_active--;
}

void AgentSession::start() {
  context_.stats.sessions_accepted++;
  logger()->debug("connection accepted peer={}", peer_);

  // Handshake and Hello together must finish in time, or a peer that connects and says
  // nothing would hold a socket forever.
  deadline_.expires_after(context_.settings.handshake_timeout);
  deadline_.async_wait([self = shared_from_this()](const std::error_code& error) {
    if (!error && !self->welcomed_) {
      self->close("no TLS handshake and Hello within " +
                  std::to_string(self->context_.settings.handshake_timeout.count()) + " ms");
    }
  });
  stream_.async_handshake(
      asio::ssl::stream_base::server,
      [self = shared_from_this()](const std::error_code& error) { self->onHandshake(error); });
}

void AgentSession::onHandshake(const std::error_code& error) {
  if (closing_) {
    return;
  }
  if (error) {
    context_.stats.handshake_failures++;
    std::string reason = peerVerifyFailure(stream_.native_handle());
    if (reason.empty()) {
      reason = error.message();
    }
    if (uint64_t skipped = 0; context_.refusal_log.allow(skipped)) {
      logger()->warn("TLS handshake refused peer={} reason=\"{}\"; connection closed{}", peer_,
                     reason, skippedNote(skipped));
    }
    closing_ = true;
    finish();
    return;
  }
  agent_id_ = peerCommonName(stream_.native_handle());
  if (agent_id_.empty()) {
    context_.stats.handshake_failures++;
    close("the client certificate has no CN, so it names no agent");
    return;
  }
  logger()->debug("TLS established agent={} peer={}", agent_id_, peer_);
  last_received_ = std::chrono::steady_clock::now();
  readMore();
}

void AgentSession::readMore() {
  stream_.async_read_some(asio::buffer(read_buffer_),
                          [self = shared_from_this()](const std::error_code& error, size_t n) {
                            self->onRead(error, n);
                          });
}

void AgentSession::onRead(const std::error_code& error, size_t bytes) {
  if (closing_) {
    return;
  }
  if (error) {
    if (decoder_.hasPartialFrame()) {
      context_.stats.protocol_errors++;
      close("connection ended inside a frame (" + std::to_string(decoder_.bufferedBytes()) +
            " bytes of a truncated frame): " + error.message());
    } else if (error == asio::error::eof || error == asio::ssl::error::stream_truncated) {
      close("the agent closed the connection", false);
    } else {
      close("read failed: " + error.message());
    }
    return;
  }
  last_received_ = std::chrono::steady_clock::now();
  decoder_.append(std::string_view(read_buffer_.data(), bytes));
  while (!closing_) {
    auto next = decoder_.next();
    if (!next) {
      context_.stats.protocol_errors++;
      close("bad frame: " + next.error().message);
      return;
    }
    if (!next->has_value()) {
      break;
    }
    context_.stats.frames_received++;
    if (!handle(next->value())) {
      return;
    }
  }
  if (!closing_) {
    readMore();
  }
}

bool AgentSession::handle(bsm::v1::Envelope& envelope) {
  if (!welcomed_ && envelope.body_case() != bsm::v1::Envelope::kHello) {
    context_.stats.protocol_errors++;
    close("the first frame must be Hello, got message number " +
          std::to_string(envelope.body_case()));
    return false;
  }
  switch (envelope.body_case()) {
    case bsm::v1::Envelope::kHello:
      return handleHello(envelope.hello());
    case bsm::v1::Envelope::kBatch:
      return handleBatch(envelope.batch());
    case bsm::v1::Envelope::kHeartbeat:
      context_.ingest.agentSeen(agent_id_, nowMs());
      return true;
    case bsm::v1::Envelope::kGoodbye:
      close("the agent said goodbye: " + envelope.goodbye().reason(), false);
      return false;
    default:
      context_.stats.protocol_errors++;
      close("unexpected message number " + std::to_string(envelope.body_case()) + " from an agent");
      return false;
  }
}

bool AgentSession::handleHello(const bsm::v1::Hello& hello) {
  if (welcomed_) {
    context_.stats.protocol_errors++;
    close("a second Hello in one session");
    return false;
  }
  // The certificate is the identity; the Hello only repeats it. An agent claiming another
  // id is either misconfigured or trying to write someone else's data.
  if (hello.agent_id() != agent_id_) {
    context_.stats.protocol_errors++;
    close("Hello names agent '" + hello.agent_id().substr(0, 256) +
          "' but the certificate's CN is '" + agent_id_ + "'");
    return false;
  }
  if (auto previous = context_.registry.attach(agent_id_, shared_from_this())) {
    // Normal after a network failure the old side has not noticed yet; if it keeps
    // happening, two running agents share this id (a cloned machine, a copied certificate).
    if (uint64_t skipped = 0; context_.refusal_log.allow(skipped)) {
      logger()->warn(
          "agent={} connected from peer={} while its session from peer={} was still open; "
          "closing the older one. If this repeats, two agents share this id or certificate{}",
          agent_id_, peer_, previous->peer_, skippedNote(skipped));
    }
    previous->close("replaced by a new session for the same agent id from " + peer_, false);
  }
  welcomed_ = true;
  deadline_.cancel();
  context_.ingest.agentConnected(agent_id_, peer_, nowMs());

  bsm::v1::Envelope reply;
  auto* welcome = reply.mutable_welcome();
  welcome->set_last_stored_seq(context_.registry.lastApplied(agent_id_));
  welcome->set_server_version(kVersion);
  welcome->set_heartbeat_interval_ms(
      static_cast<uint32_t>(context_.settings.heartbeat_interval.count()));
  send(reply);
  logger()->info("agent connected agent={} peer={} version={} host={} last_acked_seq={}", agent_id_,
                 peer_, hello.version().substr(0, 64), hello.facts().hostname().substr(0, 256),
                 hello.last_acked_seq());
  armIdleTimer();
  armHeartbeat();
  return true;
}

bool AgentSession::handleBatch(const bsm::v1::Batch& batch) {
  // Definitions first, even for a batch we have applied before: later batches of this
  // session may refer to them.
  for (const auto& def : batch.series()) {
    if (def.id() == 0) {
      context_.stats.protocol_errors++;
      close("batch seq=" + std::to_string(batch.seq()) + " defines series id 0");
      return false;
    }
    if (dictionary_.size() >= context_.settings.max_series && !dictionary_.count(def.id())) {
      context_.stats.protocol_errors++;
      close("more than " + std::to_string(context_.settings.max_series) +
            " series defined in one session");
      return false;
    }
    SeriesKey series;
    series.agent_id = agent_id_;
    series.kind =
        def.kind() == bsm::v1::SERIES_KIND_CHECK ? SeriesKind::kCheck : SeriesKind::kMetric;
    series.host = def.host().empty() ? agent_id_ : def.host();
    series.name = def.name();
    for (const auto& label : def.labels()) {
      series.labels[label.key()] = label.value();
    }
    series.unit = def.unit();
    series.interval_ms = def.interval_ms();
    const SeriesId id = context_.ingest.defineSeries(series);
    if (id == kNoSeries) {
      // A refused series costs its values, not the session: the agent's other series are
      // still worth having. Said once per session to keep a flood of them readable.
      if (!refused_logged_) {
        refused_logged_ = true;
        logger()->warn("series refused agent={} peer={} series=\"{}\"; its values are dropped",
                       agent_id_, peer_, series.name.substr(0, 200));
      }
      dictionary_[def.id()] = kNoSeries;
      continue;
    }
    dictionary_[def.id()] = id;
  }

  // Every reference must resolve, duplicate or not: a batch naming a series the session never
  // defined comes from a broken or hostile agent, and nothing after it can be trusted.
  auto undefined = [&](uint32_t id) { return dictionary_.find(id) == dictionary_.end(); };
  for (const auto& sample : batch.samples()) {
    if (undefined(sample.series())) {
      context_.stats.protocol_errors++;
      close("batch seq=" + std::to_string(batch.seq()) + " refers to undefined series " +
            std::to_string(sample.series()) + "; nothing of it was applied");
      return false;
    }
  }
  for (const auto& value : batch.checks()) {
    if (undefined(value.series())) {
      context_.stats.protocol_errors++;
      close("batch seq=" + std::to_string(batch.seq()) + " refers to undefined series " +
            std::to_string(value.series()) + "; nothing of it was applied");
      return false;
    }
  }

  const uint64_t last = context_.registry.lastApplied(agent_id_);
  if (batch.seq() != 0 && batch.seq() <= last) {
    // A retry of something already applied (the Ack was lost): acknowledge, apply nothing.
    context_.stats.batches_duplicate++;
    logger()->debug("duplicate batch agent={} seq={} last_applied={}", agent_id_, batch.seq(),
                    last);
  } else {
    const int64_t now = nowMs();
    const int64_t latest_allowed = now + context_.settings.max_clock_ahead.count();
    auto stamp = [&](int64_t ts_ms) {
      if (ts_ms <= latest_allowed) {
        return ts_ms;
      }
      context_.stats.timestamps_clamped++;
      if (!clock_ahead_logged_) {
        clock_ahead_logged_ = true;
        logger()->warn(
            "agent={} peer={} stamps values {} s ahead of the server's clock; taking them as "
            "stamped on arrival. Check the agent's time synchronisation",
            agent_id_, peer_, (ts_ms - now) / 1000);
      }
      return now;
    };
    std::vector<IngestMetric> metrics;
    metrics.reserve(static_cast<size_t>(batch.samples_size()));
    for (const auto& sample : batch.samples()) {
      const SeriesId series = dictionary_.at(sample.series());
      if (series == kNoSeries) {
        context_.stats.values_refused++;
        continue;
      }
      IngestMetric& metric = metrics.emplace_back();
      metric.series = series;
      metric.ts_ms = stamp(sample.ts_ms());
      metric.value = sample.value();
      metric.warn = thresholdFromWire(sample.has_warn(), sample.warn(), sample.warn_range());
      metric.crit = thresholdFromWire(sample.has_crit(), sample.crit(), sample.crit_range());
      if (sample.has_min())
        metric.min = sample.min();
      if (sample.has_max())
        metric.max = sample.max();
    }
    std::vector<IngestCheck> checks;
    checks.reserve(static_cast<size_t>(batch.checks_size()));
    for (const auto& value : batch.checks()) {
      const SeriesId series = dictionary_.at(value.series());
      if (series == kNoSeries) {
        context_.stats.values_refused++;
        continue;
      }
      checks.push_back({series, stamp(value.ts_ms()), fromWire(value.state()), value.output()});
    }
    if (Status applied = context_.ingest.apply(metrics, checks, nowMs()); !applied) {
      context_.stats.protocol_errors++;
      close("batch seq=" + std::to_string(batch.seq()) +
            " could not be applied: " + applied.error().message);
      return false;
    }
    if (last != 0 && batch.seq() > last + 1) {
      logger()->warn("batches missing agent={} from_seq={} to_seq={}: the agent dropped them",
                     agent_id_, last + 1, batch.seq() - 1);
    }
    if (batch.seq() != 0) {
      context_.registry.setLastApplied(agent_id_, batch.seq(), peer_, nowMs());
    }
    context_.stats.batches_applied++;
    context_.stats.samples_applied += metrics.size();
    context_.stats.checks_applied += checks.size();
  }

  // A busy agent sends batches instead of heartbeats; both count as contact.
  context_.ingest.agentSeen(agent_id_, nowMs());
  bsm::v1::Envelope reply;
  reply.mutable_ack()->set_seq(batch.seq());
  send(reply);
  return true;
}

void AgentSession::send(const bsm::v1::Envelope& envelope) {
  std::string frame;
  if (Status status = appendFrame(envelope, context_.settings.max_frame_bytes, frame); !status) {
    logger()->error("cannot send to agent={} peer={}: {}", agent_id_, peer_,
                    status.error().message);
    return;
  }
  write_queue_.push_back(std::move(frame));
  writeNext();
}

void AgentSession::writeNext() {
  if (writing_ || write_queue_.empty()) {
    return;
  }
  writing_ = true;
  asio::async_write(stream_, asio::buffer(write_queue_.front()),
                    [self = shared_from_this()](const std::error_code& error, size_t) {
                      self->writing_ = false;
                      self->write_queue_.pop_front();
                      if (error) {
                        if (!self->closing_) {
                          self->close("write failed: " + error.message());
                        }
                        self->write_queue_.clear();
                        return;
                      }
                      if (self->closing_ && self->write_queue_.empty()) {
                        self->finish();
                        return;
                      }
                      self->writeNext();
                    });
}

void AgentSession::armIdleTimer() {
  deadline_.expires_after(context_.settings.idle_timeout);
  deadline_.async_wait([self = shared_from_this()](const std::error_code& error) {
    if (error || self->closing_) {
      return;
    }
    const auto idle = std::chrono::steady_clock::now() - self->last_received_;
    if (idle >= self->context_.settings.idle_timeout) {
      self->close("nothing received for " +
                  std::to_string(std::chrono::duration_cast<std::chrono::seconds>(idle).count()) +
                  " s (no heartbeat)");
      return;
    }
    self->armIdleTimer();
  });
}

void AgentSession::armHeartbeat() {
  heartbeat_.expires_after(context_.settings.heartbeat_interval);
  heartbeat_.async_wait([self = shared_from_this()](const std::error_code& error) {
    if (error || self->closing_) {
      return;
    }
    bsm::v1::Envelope beat;
    beat.mutable_heartbeat()->set_ts_ms(nowMs());
    self->send(beat);
    self->armHeartbeat();
  });
}

void AgentSession::close(const std::string& reason, bool fault) {
  if (closing_) {
    return;
  }
  closing_ = true;
  const bool was_current = welcomed_ && context_.registry.detach(agent_id_, this);
  if (welcomed_) {
    if (was_current) {
      context_.ingest.agentDisconnected(agent_id_, nowMs());
    }
    if (fault) {
      logger()->error("agent session cut off agent={} peer={} reason=\"{}\"", agent_id_, peer_,
                      reason);
    } else {
      logger()->info("agent session ended agent={} peer={} reason=\"{}\"", agent_id_, peer_,
                     reason);
    }
  } else if (uint64_t skipped = 0; context_.refusal_log.allow(skipped)) {
    logger()->warn("connection refused agent={} peer={} reason=\"{}\"{}",
                   agent_id_.empty() ? "?" : agent_id_, peer_, reason, skippedNote(skipped));
  }

  // Tell the agent why, if TLS is up; then close once the Goodbye is written, or at once if
  // nothing is in flight. The deadline bounds how long a peer that stops reading can delay it.
  if (!agent_id_.empty()) {
    bsm::v1::Envelope goodbye;
    goodbye.mutable_goodbye()->set_reason(reason);
    std::string frame;
    if (appendFrame(goodbye, context_.settings.max_frame_bytes, frame)) {
      write_queue_.push_back(std::move(frame));
    }
  }
  deadline_.expires_after(std::chrono::seconds(2));
  deadline_.async_wait([self = shared_from_this()](const std::error_code& error) {
    if (!error) {
      self->finish();
    }
  });
  if (writing_) {
    return;
  }
  if (write_queue_.empty()) {
    finish();
  } else {
    writeNext();
  }
}

void AgentSession::finish() {
  std::error_code ignored;
  deadline_.cancel();
  heartbeat_.cancel();
  stream_.lowest_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.lowest_layer().close(ignored);
}

}  // namespace bsm::server
