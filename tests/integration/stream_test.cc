// The agent stream end to end on loopback: real TLS, real frames, the real agent client and the
// real server sessions. The server side hands what it applies to a recording IngestTarget so
// the tests can see exactly what was applied and when.
#include <sys/socket.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <asio/connect.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

#include "agent/batch_queue.h"
#include "agent/batcher.h"
#include "agent/series_table.h"
#include "agent/stream_client.h"
#include "common/logging.h"
#include "common/tls_context.h"
#include "server/agent_listener.h"
#include "test_pki.h"

namespace bsm {
namespace {

using namespace std::chrono_literals;

class RecordingIngest : public server::IngestTarget {
 public:
  struct Applied {
    std::string host;
    std::string name;
    Labels labels;
    double value;
    int64_t ts_ms;
  };

  void agentConnected(const std::string& id, const std::string&, int64_t) override {
    std::lock_guard lock(mutex_);
    connected_.push_back(id);
    changed_.notify_all();
  }
  void agentDisconnected(const std::string& id, int64_t) override {
    std::lock_guard lock(mutex_);
    disconnected_.push_back(id);
    changed_.notify_all();
  }
  void agentSeen(const std::string&, int64_t) override {}
  server::SeriesId defineSeries(const server::SeriesKey& key) override {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < series_.size(); ++i) {
      if (series_[i].host == key.host && series_[i].name == key.name &&
          series_[i].labels == key.labels && series_[i].kind == key.kind) {
        return static_cast<server::SeriesId>(i + 1);
      }
    }
    series_.push_back(key);
    return static_cast<server::SeriesId>(series_.size());
  }
  Status apply(std::span<const server::IngestMetric> metrics,
               std::span<const server::IngestCheck> checks, int64_t) override {
    std::lock_guard lock(mutex_);
    for (const auto& metric : metrics) {
      const auto& key = series_.at(metric.series - 1);
      applied_.push_back({key.host, key.name, key.labels, metric.value, metric.ts_ms});
    }
    checks_ += checks.size();
    changed_.notify_all();
    return Status::success();
  }

  // Waits until `predicate` holds on the recorded state, or 10 s.
  bool waitFor(const std::function<bool()>& predicate) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, predicate);
  }
  std::vector<Applied> applied() {
    std::lock_guard lock(mutex_);
    return applied_;
  }
  size_t appliedCount() {
    std::lock_guard lock(mutex_);
    return applied_.size();
  }
  std::vector<std::string> connected() {
    std::lock_guard lock(mutex_);
    return connected_;
  }
  std::vector<std::string> disconnected() {
    std::lock_guard lock(mutex_);
    return disconnected_;
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<server::SeriesKey> series_;
  std::vector<Applied> applied_;
  std::vector<std::string> connected_;
  std::vector<std::string> disconnected_;
  size_t checks_ = 0;
};

// A bsm-server stream listener on 127.0.0.1 with its own I/O thread.
class ServerHarness {
 public:
  ServerHarness(const testing::TestPki& pki, RecordingIngest& ingest,
                server::SessionSettings settings = {}) {
    auto tls = makeTlsContext(pki.files("server"), TlsRole::kServer);
    if (!tls.ok()) {
      throw std::runtime_error(tls.error().message);
    }
    listener_ = std::make_unique<server::AgentListener>(io_, tls.value(), ingest, settings);
    if (Status started = listener_->start({"127.0.0.1", 0}); !started) {
      throw std::runtime_error(started.error().message);
    }
    thread_ = std::thread([this] {
      auto guard = asio::make_work_guard(io_);
      io_.run();
    });
  }
  ~ServerHarness() {
    io_.stop();
    thread_.join();
  }
  uint16_t port() const { return listener_->port(); }
  const server::StreamStats& stats() const { return listener_->stats(); }

 private:
  asio::io_context io_;
  std::unique_ptr<server::AgentListener> listener_;
  std::thread thread_;
};

// A hand-driven TLS client for saying things a well-behaved agent never says.
class RawClient {
 public:
  RawClient(uint16_t port, const TlsFiles& files) {
    auto tls = makeTlsContext(files, TlsRole::kClient);
    if (!tls.ok()) {
      throw std::runtime_error(tls.error().message);
    }
    tls_ = tls.value();
    stream_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket>>(io_, *tls_);
    stream_->lowest_layer().connect({asio::ip::make_address("127.0.0.1"), port});
    timeval timeout{5, 0};
    setsockopt(stream_->lowest_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout,
               sizeof(timeout));
  }
  std::error_code handshake() {
    std::error_code error;
    stream_->handshake(asio::ssl::stream_base::client, error);
    return error;
  }
  void send(const bsm::v1::Envelope& envelope) {
    std::string frame;
    ASSERT_TRUE(appendFrame(envelope, kDefaultMaxFrameBytes, frame));
    sendRaw(frame);
  }
  void sendRaw(const std::string& bytes) {
    std::error_code error;
    asio::write(*stream_, asio::buffer(bytes), error);
  }
  void hello(const std::string& agent_id) {
    bsm::v1::Envelope envelope;
    envelope.mutable_hello()->set_agent_id(agent_id);
    send(envelope);
  }
  // The next envelope from the server, or nullopt when the connection ended or timed out.
  std::optional<bsm::v1::Envelope> receive() {
    while (true) {
      auto next = decoder_.next();
      if (!next.ok()) {
        return std::nullopt;
      }
      if (next->has_value()) {
        return std::move(next->value());
      }
      std::array<char, 4096> buffer;
      std::error_code error;
      const size_t n = stream_->read_some(asio::buffer(buffer), error);
      if (error) {
        return std::nullopt;
      }
      decoder_.append(std::string_view(buffer.data(), n));
    }
  }
  // Reads until the server ends the session; returns the Goodbye reason if one came.
  std::string readUntilClosed() {
    std::string reason;
    while (auto envelope = receive()) {
      if (envelope->has_goodbye()) {
        reason = envelope->goodbye().reason();
      }
    }
    return reason;
  }

 private:
  asio::io_context io_;
  std::shared_ptr<asio::ssl::context> tls_;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket>> stream_;
  FrameDecoder decoder_;
};

bsm::v1::Envelope batchWithSample(uint64_t seq, uint32_t series, bool define, double value) {
  bsm::v1::Envelope envelope;
  auto* batch = envelope.mutable_batch();
  batch->set_seq(seq);
  if (define) {
    auto* def = batch->add_series();
    def->set_id(series);
    def->set_name("system.load1");
  }
  auto* sample = batch->add_samples();
  sample->set_series(series);
  sample->set_ts_ms(1000);
  sample->set_value(value);
  return envelope;
}

// The "stream" logger's recent lines, to check that refusals are logged with their reason.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(200)) {
    logging::get("stream")->sinks().push_back(sink_);
  }
  ~LogCapture() {
    auto& sinks = logging::get("stream")->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  bool contains(const std::string& text, std::chrono::milliseconds wait = 5s) const {
    const auto until = std::chrono::steady_clock::now() + wait;
    do {
      for (const auto& line : sink_->last_formatted()) {
        if (line.find(text) != std::string::npos) {
          return true;
        }
      }
      std::this_thread::sleep_for(20ms);
    } while (std::chrono::steady_clock::now() < until);
    return false;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

// The agent side as bsm-agent assembles it.
struct AgentHarness {
  AgentHarness(const testing::TestPki& pki, const std::string& id, uint16_t port,
               uint64_t first_seq = 1)
      : queue(1000, first_seq),
        batcher(series, queue, 100, 50ms),
        client(id, endpoint(pki, id, port), series, queue, batcher) {
    input.name = "test";
    input.interval = 1s;
  }
  static agent::ServerEndpoint endpoint(const testing::TestPki& pki, const std::string& id,
                                        uint16_t port) {
    const auto files = pki.files(id);
    return {
        "127.0.0.1:" + std::to_string(port), {"127.0.0.1", port}, files.ca, files.cert, files.key};
  }
  void addSample(const std::string& name, double value) {
    Sample sample;
    sample.host = "web-1";
    sample.name = name;
    sample.labels = {{"mount", "/"}};
    sample.value = value;
    sample.ts_ms = nowMs();
    batcher.add(input, sample);
  }

  agent::SeriesTable series;
  agent::BatchQueue queue;
  agent::Batcher batcher;
  agent::StreamClient client;
  plugins::InputSettings input;
};

class StreamTest : public ::testing::Test {
 protected:
  testing::TestPki pki_;
  RecordingIngest ingest_;
};

TEST_F(StreamTest, AgentDeliversSamplesAndTheQueueEmptiesOnAck) {
  ServerHarness server(pki_, ingest_);
  AgentHarness agent(pki_, "web-1", server.port());
  ASSERT_TRUE(agent.client.start().ok());
  agent.addSample("system.fs.used_percent", 42.5);
  agent.addSample("system.load1", 0.25);

  ASSERT_TRUE(ingest_.waitFor([&] { return ingest_.applied_.size() == 2; }));
  const auto applied = ingest_.applied();
  EXPECT_EQ(applied[0].host, "web-1");
  EXPECT_EQ(applied[0].name, "system.fs.used_percent");
  EXPECT_EQ(applied[0].labels, (Labels{{"mount", "/"}}));
  EXPECT_DOUBLE_EQ(applied[0].value, 42.5);
  EXPECT_EQ(applied[1].name, "system.load1");
  EXPECT_EQ(ingest_.connected(), std::vector<std::string>{"web-1"});

  const auto until = std::chrono::steady_clock::now() + 5s;
  while (agent.queue.size() > 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(agent.queue.size(), 0u);
  agent.client.stop(1s);
  EXPECT_TRUE(ingest_.waitFor([&] { return !ingest_.disconnected_.empty(); }));
}

TEST_F(StreamTest, AgentQueuesWhileServerIsDownAndDeliversInOrderLater) {
  // Reserve a port, then free it, so the agent first dials a closed port.
  uint16_t port = 0;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }
  AgentHarness agent(pki_, "web-1", port);
  ASSERT_TRUE(agent.client.start().ok());
  for (int i = 0; i < 5; ++i) {
    agent.addSample("system.load1", i);
    agent.batcher.sealNow();
  }
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(ingest_.appliedCount(), 0u);
  EXPECT_EQ(agent.queue.size(), 5u);

  asio::io_context io;
  auto tls = makeTlsContext(pki_.files("server"), TlsRole::kServer);
  ASSERT_TRUE(tls.ok());
  server::AgentListener listener(io, tls.value(), ingest_, {});
  ASSERT_TRUE(listener.start({"127.0.0.1", port}).ok());
  std::thread thread([&] {
    auto guard = asio::make_work_guard(io);
    io.run();
  });

  // Back-off can be a few seconds by now; waitFor allows 10.
  ASSERT_TRUE(ingest_.waitFor([&] { return ingest_.applied_.size() == 5; }));
  const auto applied = ingest_.applied();
  for (int i = 0; i < 5; ++i) {
    EXPECT_DOUBLE_EQ(applied[static_cast<size_t>(i)].value, i) << "out of order at " << i;
  }
  agent.client.stop(1s);
  io.stop();
  thread.join();
}

TEST_F(StreamTest, RestartedAgentIsNotMistakenForDuplicates) {
  ServerHarness server(pki_, ingest_);
  {
    AgentHarness first(pki_, "web-1", server.port(), 5000);
    ASSERT_TRUE(first.client.start().ok());
    first.addSample("system.load1", 1);
    ASSERT_TRUE(ingest_.waitFor([&] { return ingest_.applied_.size() == 1; }));
    first.client.stop(1s);
  }
  // A restart whose numbering starts below what the server stored (a clock set back).
  AgentHarness second(pki_, "web-1", server.port(), 10);
  ASSERT_TRUE(second.client.start().ok());
  second.addSample("system.load1", 2);
  ASSERT_TRUE(ingest_.waitFor([&] { return ingest_.applied_.size() == 2; }));
  EXPECT_DOUBLE_EQ(ingest_.applied()[1].value, 2);
  second.client.stop(1s);
}

TEST_F(StreamTest, RefusesClientCertificateFromAnotherCa) {
  LogCapture log;
  ServerHarness server(pki_, ingest_);
  // The rogue client trusts our CA (so it would accept the server) but its own certificate
  // comes from another CA.
  auto files = pki_.rogueFiles();
  files.ca = pki_.dir() + "/ca.crt";
  RawClient client(server.port(), files);
  client.handshake();
  client.hello("rogue");
  EXPECT_EQ(client.receive(), std::nullopt);
  EXPECT_TRUE(log.contains("TLS handshake refused"));
  EXPECT_TRUE(log.contains("unable to get local issuer certificate"));
  EXPECT_TRUE(ingest_.connected().empty());
}

TEST_F(StreamTest, RefusesClientWithoutCertificate) {
  LogCapture log;
  ServerHarness server(pki_, ingest_);
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_verify_mode(asio::ssl::verify_none);
  asio::ssl::stream<asio::ip::tcp::socket> stream(io, tls);
  stream.lowest_layer().connect({asio::ip::make_address("127.0.0.1"), server.port()});
  std::error_code error;
  stream.handshake(asio::ssl::stream_base::client, error);
  // With TLS 1.3 the client learns of the refusal on its first read.
  std::array<char, 16> buffer;
  if (!error) {
    stream.read_some(asio::buffer(buffer), error);
  }
  EXPECT_TRUE(error);
  EXPECT_TRUE(log.contains("TLS handshake refused"));
  EXPECT_TRUE(log.contains("certificate"));
  EXPECT_EQ(server.stats().handshake_failures.load(), 1u);
}

TEST_F(StreamTest, RefusesExpiredClientCertificate) {
  LogCapture log;
  ServerHarness server(pki_, ingest_);
  RawClient client(server.port(), pki_.files("old-1"));
  client.handshake();
  client.hello("old-1");
  EXPECT_EQ(client.receive(), std::nullopt);
  EXPECT_TRUE(log.contains("certificate has expired"));
  EXPECT_TRUE(ingest_.connected().empty());
}

TEST_F(StreamTest, AgentRefusesServerWithCertificateFromAnotherCa) {
  LogCapture log;
  ServerHarness server(pki_, ingest_);
  AgentHarness agent(pki_, "web-1", server.port());
  // Point the agent at the other CA: our real server must then look like an impostor.
  agent::ServerEndpoint endpoint = AgentHarness::endpoint(pki_, "web-1", server.port());
  endpoint.ca = pki_.otherDir() + "/ca.crt";
  agent::StreamClient client("web-1", endpoint, agent.series, agent.queue, agent.batcher);
  ASSERT_TRUE(client.start().ok());
  EXPECT_TRUE(log.contains("TLS handshake failed"));
  client.stop(0ms);
  EXPECT_TRUE(ingest_.connected().empty());
}

TEST_F(StreamTest, HelloForAnotherAgentEndsTheSession) {
  LogCapture log;
  ServerHarness server(pki_, ingest_);
  RawClient client(server.port(), pki_.files("web-2"));
  ASSERT_FALSE(client.handshake());
  client.hello("web-1");
  const std::string reason = client.readUntilClosed();
  EXPECT_NE(reason.find("certificate's CN is 'web-2'"), std::string::npos) << reason;
  EXPECT_TRUE(ingest_.connected().empty());
}

TEST_F(StreamTest, OversizedFrameEndsThatSessionOnly) {
  LogCapture log;
  ServerHarness server(pki_, ingest_);
  AgentHarness good(pki_, "web-1", server.port());
  ASSERT_TRUE(good.client.start().ok());

  RawClient bad(server.port(), pki_.files("web-2"));
  ASSERT_FALSE(bad.handshake());
  bad.hello("web-2");
  ASSERT_TRUE(bad.receive().has_value());  // Welcome
  bad.sendRaw(std::string("\x7f\xff\xff\xff", 4) + "rest of a frame that never ends");
  EXPECT_NE(bad.readUntilClosed().find("exceeds the limit"), std::string::npos);
  EXPECT_TRUE(log.contains("agent=web-2"));

  good.addSample("system.load1", 3);
  ASSERT_TRUE(ingest_.waitFor([&] { return ingest_.applied_.size() == 1; }));
  EXPECT_EQ(ingest_.applied()[0].host, "web-1");
  good.client.stop(1s);
}

TEST_F(StreamTest, BatchReferringToUndefinedSeriesEndsSessionAndAppliesNothing) {
  ServerHarness server(pki_, ingest_);
  RawClient client(server.port(), pki_.files("web-2"));
  ASSERT_FALSE(client.handshake());
  client.hello("web-2");
  ASSERT_TRUE(client.receive().has_value());
  auto envelope = batchWithSample(1, 1, true, 1.0);
  auto* extra = envelope.mutable_batch()->add_samples();
  extra->set_series(7);  // never defined
  extra->set_value(2.0);
  client.send(envelope);
  const std::string reason = client.readUntilClosed();
  EXPECT_NE(reason.find("undefined series 7"), std::string::npos) << reason;
  EXPECT_EQ(ingest_.appliedCount(), 0u);
}

TEST_F(StreamTest, GarbageInsteadOfHandshakeIsRefusedAndOthersContinue) {
  LogCapture log;
  ServerHarness server(pki_, ingest_);
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  asio::write(socket, asio::buffer(std::string("GET / HTTP/1.0\r\n\r\n")));
  std::array<char, 256> buffer;
  std::error_code error;
  while (!error) {
    socket.read_some(asio::buffer(buffer), error);
  }
  EXPECT_TRUE(log.contains("TLS handshake refused"));

  AgentHarness agent(pki_, "web-1", server.port());
  ASSERT_TRUE(agent.client.start().ok());
  agent.addSample("system.load1", 1);
  ASSERT_TRUE(ingest_.waitFor([&] { return ingest_.applied_.size() == 1; }));
  agent.client.stop(1s);
}

TEST_F(StreamTest, GarbageFrameAfterHelloEndsSession) {
  ServerHarness server(pki_, ingest_);
  RawClient client(server.port(), pki_.files("web-1"));
  ASSERT_FALSE(client.handshake());
  client.hello("web-1");
  ASSERT_TRUE(client.receive().has_value());
  client.sendRaw(std::string("\x00\x00\x00\x05\xff\xff\xff\xff\xff", 9));
  EXPECT_NE(client.readUntilClosed().find("not a valid Envelope"), std::string::npos);
}

TEST_F(StreamTest, FirstFrameMustBeHello) {
  ServerHarness server(pki_, ingest_);
  RawClient client(server.port(), pki_.files("web-1"));
  ASSERT_FALSE(client.handshake());
  client.send(batchWithSample(1, 1, true, 1.0));
  EXPECT_NE(client.readUntilClosed().find("first frame must be Hello"), std::string::npos);
  EXPECT_EQ(ingest_.appliedCount(), 0u);
}

TEST_F(StreamTest, RetriedBatchIsAcknowledgedButAppliedOnce) {
  ServerHarness server(pki_, ingest_);
  RawClient client(server.port(), pki_.files("web-1"));
  ASSERT_FALSE(client.handshake());
  client.hello("web-1");
  ASSERT_TRUE(client.receive().has_value());
  // The same batch six times, as an agent whose acks kept getting lost would send it.
  for (int attempt = 0; attempt < 6; ++attempt) {
    client.send(batchWithSample(41, 1, attempt == 0, 5.0));
    auto ack = client.receive();
    ASSERT_TRUE(ack.has_value() && ack->has_ack());
    EXPECT_EQ(ack->ack().seq(), 41u);
  }
  EXPECT_EQ(ingest_.appliedCount(), 1u);
  EXPECT_EQ(server.stats().batches_duplicate.load(), 5u);
}

TEST_F(StreamTest, WelcomeCarriesTheLastAppliedSequenceAcrossSessions) {
  ServerHarness server(pki_, ingest_);
  {
    RawClient client(server.port(), pki_.files("web-1"));
    ASSERT_FALSE(client.handshake());
    client.hello("web-1");
    ASSERT_TRUE(client.receive().has_value());
    client.send(batchWithSample(77, 1, true, 1.0));
    ASSERT_TRUE(client.receive().has_value());
  }
  RawClient again(server.port(), pki_.files("web-1"));
  ASSERT_FALSE(again.handshake());
  again.hello("web-1");
  auto welcome = again.receive();
  ASSERT_TRUE(welcome.has_value() && welcome->has_welcome());
  EXPECT_EQ(welcome->welcome().last_stored_seq(), 77u);
}

TEST_F(StreamTest, SilentConnectionIsClosedAfterTheHandshakeTimeout) {
  LogCapture log;
  server::SessionSettings settings;
  settings.handshake_timeout = 300ms;
  ServerHarness server(pki_, ingest_, settings);
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  std::array<char, 16> buffer;
  std::error_code error;
  socket.read_some(asio::buffer(buffer), error);  // blocks until the server gives up
  EXPECT_TRUE(error);
  EXPECT_TRUE(log.contains("no TLS handshake and Hello within 300 ms"));
}

}  // namespace
}  // namespace bsm

namespace bsm {
namespace {

TEST_F(StreamTest, ValueStampedFarAheadIsTakenAsStampedOnArrival) {
  LogCapture log;
  ServerHarness server(pki_, ingest_);
  RawClient client(server.port(), pki_.files("web-1"));
  ASSERT_FALSE(client.handshake());
  client.hello("web-1");
  ASSERT_TRUE(client.receive().has_value());
  auto envelope = batchWithSample(1, 1, true, 0.5);
  const int64_t hour_ahead = nowMs() + 3'600'000;
  envelope.mutable_batch()->mutable_samples(0)->set_ts_ms(hour_ahead);
  client.send(envelope);
  ASSERT_TRUE(client.receive().has_value());  // Ack
  ASSERT_EQ(ingest_.appliedCount(), 1u);
  // Taken as now, so the correct samples after it are not older than it and are not skipped.
  EXPECT_LE(ingest_.applied()[0].ts_ms, nowMs());
  EXPECT_TRUE(log.contains("ahead of the server's clock"));
}

TEST_F(StreamTest, DuplicateBatchReferringToUndefinedSeriesStillEndsSession) {
  ServerHarness server(pki_, ingest_);
  RawClient client(server.port(), pki_.files("web-1"));
  ASSERT_FALSE(client.handshake());
  client.hello("web-1");
  ASSERT_TRUE(client.receive().has_value());
  client.send(batchWithSample(50, 1, true, 1.0));
  ASSERT_TRUE(client.receive().has_value());
  client.send(batchWithSample(49, 9, false, 1.0));  // below the applied mark, series 9 unknown
  EXPECT_NE(client.readUntilClosed().find("undefined series 9"), std::string::npos);
}

TEST_F(StreamTest, StoppingTheListenerSaysGoodbyeToAgents) {
  asio::io_context io;
  auto tls = makeTlsContext(pki_.files("server"), TlsRole::kServer);
  ASSERT_TRUE(tls.ok());
  server::AgentListener listener(io, tls.value(), ingest_, {});
  ASSERT_TRUE(listener.start({"127.0.0.1", 0}).ok());
  std::thread thread([&] {
    auto guard = asio::make_work_guard(io);
    io.run();
  });
  RawClient client(listener.port(), pki_.files("web-1"));
  ASSERT_FALSE(client.handshake());
  client.hello("web-1");
  ASSERT_TRUE(client.receive().has_value());
  asio::post(io, [&] { listener.stop(); });
  EXPECT_EQ(client.readUntilClosed(), "server shutting down");
  io.stop();
  thread.join();
}

}  // namespace
}  // namespace bsm
