// ZabbixPush against bsm's own Zabbix trapper (the agent's zabbix_trapper input, which answers
// as a Zabbix server does) and against a bare socket that checks the bytes on the wire.
#include "server/zabbix_push.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/config_file.h"
#include "plugins/zabbix/trapper_input.h"
#include "plugins/zabbix/zabbix_packet.h"

namespace bsm::server {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class FixedServices : public ApiBackend {
 public:
  std::vector<ServiceView> services() const override {
    std::lock_guard lock(mutex_);
    return services_;
  }
  std::optional<ServiceView> service(const std::string&) const override { return std::nullopt; }
  std::vector<AgentView> agents() const override { return {}; }

  void set(const std::string& name, CheckState state) {
    std::lock_guard lock(mutex_);
    for (auto& service : services_) {
      if (service.name == name) {
        service.state = state;
        return;
      }
    }
    ServiceView view;
    view.name = name;
    view.state = state;
    services_.push_back(view);
  }

 private:
  mutable std::mutex mutex_;
  std::vector<ServiceView> services_;
};

// What the trapper emits, waited for from the test's thread.
class Received : public plugins::Emitter {
 public:
  void emit(Sample sample) override {
    std::lock_guard lock(mutex_);
    samples_.push_back(std::move(sample));
    changed_.notify_all();
  }
  void emit(CheckResult) override {}

  // The first sample for `key` with `value`, waiting up to `wait` for it.
  std::optional<Sample> waitFor(const std::string& key, double value,
                                std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    std::optional<Sample> found;
    changed_.wait_for(lock, wait, [&] {
      for (const auto& sample : samples_) {
        if (sample.name == key && sample.value == value) {
          found = sample;
          return true;
        }
      }
      return false;
    });
    return found;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Sample> samples_;
};

std::unique_ptr<plugins::zabbix::TrapperInput> startTrapper(plugins::Emitter& out,
                                                            uint16_t port = 0) {
  const auto file = ConfigFile::parse(
      "{plugin: zabbix_trapper, listen: \"127.0.0.1:" + std::to_string(port) + "\"}", "t.yaml");
  plugins::InputSettings settings;
  settings.plugin = "zabbix_trapper";
  settings.name = "trapper";
  settings.host = "test-agent";
  auto input = plugins::zabbix::TrapperInput::factory()(settings, file, file.root());
  auto* trapper = dynamic_cast<plugins::zabbix::TrapperInput*>(input.release());
  trapper->start(out);
  for (int i = 0; i < 100 && trapper->port() == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  return std::unique_ptr<plugins::zabbix::TrapperInput>(trapper);
}

ZabbixPushConfig pushTo(uint16_t port, std::chrono::milliseconds interval = 1s) {
  ZabbixPushConfig config;
  config.server = HostPort{"127.0.0.1", port};
  config.host = "bsm";
  config.interval = interval;
  config.timeout = 2s;
  return config;
}

StateChange serviceChange(const std::string& service, CheckState state, int64_t ts_ms) {
  StateChange change;
  change.kind = StateChange::Kind::kService;
  change.service = service;
  change.state = state;
  change.ts_ms = ts_ms;
  return change;
}

TEST(ZabbixPushTest, QuotesServiceNamesAsKeyParameters) {
  EXPECT_EQ(ZabbixPush::stateKey("online-shop"), "bsm.service.state[online-shop]");
  EXPECT_EQ(ZabbixPush::stateKey("shop, EU"), "bsm.service.state[\"shop, EU\"]");
}

TEST(ZabbixPushTest, SendsEveryServiceAndThenEachChangeWithItsClock) {
  Received received;
  auto trapper = startTrapper(received);
  ASSERT_NE(trapper->port(), 0);
  FixedServices services;
  services.set("online-shop", CheckState::kOk);
  services.set("shop, EU", CheckState::kWarning);

  ZabbixPush push(pushTo(trapper->port()), services);
  push.start();
  // What the engine records when the services' data first arrives.
  const int64_t now = nowMs();
  const StateChange first[] = {serviceChange("online-shop", CheckState::kOk, now),
                               serviceChange("shop, EU", CheckState::kWarning, now)};
  push.record(first);
  const auto shop = received.waitFor("bsm.service.state[online-shop]", 0, 15s);
  ASSERT_TRUE(shop.has_value());
  EXPECT_EQ(shop->host, "bsm");
  EXPECT_TRUE(received.waitFor("bsm.service.state[\"shop, EU\"]", 1, 5s).has_value());

  const int64_t changed_at = 1'796'323'143'673;
  const StateChange change = serviceChange("online-shop", CheckState::kCritical, changed_at);
  push.record(std::span(&change, 1));
  const auto critical = received.waitFor("bsm.service.state[online-shop]", 2, 5s);
  ASSERT_TRUE(critical.has_value());
  EXPECT_EQ(critical->ts_ms, changed_at);
  push.stop();
  EXPECT_GE(push.stats().pushes, 2u);
  EXPECT_EQ(push.stats().values_refused, 0u);
}

// A WARNING that lasts a moment is history Zabbix must have, even when it is over before the
// next push goes out.
TEST(ZabbixPushTest, SendsEveryTransitionNotOnlyTheLatest) {
  Received received;
  auto trapper = startTrapper(received);
  FixedServices services;
  ZabbixPush push(pushTo(trapper->port(), 60s), services);
  push.start();
  const StateChange changes[] = {serviceChange("checkout", CheckState::kWarning, 1'700'000'000'000),
                                 serviceChange("checkout", CheckState::kOk, 1'700'000'000'200)};
  push.record(std::span(changes).first(1));
  push.record(std::span(changes).subspan(1));
  const auto warning = received.waitFor("bsm.service.state[checkout]", 1, 10s);
  const auto ok = received.waitFor("bsm.service.state[checkout]", 0, 10s);
  ASSERT_TRUE(warning.has_value());
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(warning->ts_ms, 1'700'000'000'000);
  EXPECT_EQ(ok->ts_ms, 1'700'000'000'200);
}

TEST(ZabbixPushTest, KeepsChangesWhileZabbixIsDownAndSendsThemLater) {
  Received received;
  // Find a free port, then leave it closed for a while.
  uint16_t port = 0;
  {
    auto probe = startTrapper(received);
    port = probe->port();
    probe->stop();
  }
  FixedServices services;
  ZabbixPush push(pushTo(port, 60s), services);
  push.start();
  const int64_t changed_at = 1'700'000'000'250;
  const StateChange change = serviceChange("checkout", CheckState::kWarning, changed_at);
  push.record(std::span(&change, 1));
  for (int i = 0; i < 200 && push.stats().failures == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_GE(push.stats().failures, 1u);

  auto trapper = startTrapper(received, port);
  ASSERT_EQ(trapper->port(), port);
  const auto late = received.waitFor("bsm.service.state[checkout]", 1, 10s);
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->ts_ms, changed_at);
}

// A listener that reads `count` requests, keeps their bytes, and answers each like a Zabbix
// server that knows only some items.
class WireRecorder {
 public:
  explicit WireRecorder(size_t count = 1) : count_(count) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    listen(fd_, 4);
    socklen_t length = sizeof(address);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] {
      while (serveOne()) {
      }
    });
  }
  ~WireRecorder() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }

  uint16_t port() const { return port_; }
  // The first request.
  std::vector<uint8_t> request() {
    const auto all = requests();
    return all.empty() ? std::vector<uint8_t>() : all.front();
  }
  // Every request, once `count` have come or a while has passed.
  std::vector<std::vector<uint8_t>> requests() {
    std::unique_lock lock(mutex_);
    done_.wait_for(lock, 15s, [this] { return requests_.size() >= count_; });
    return requests_;
  }

 private:
  bool serveOne() {
    {
      std::lock_guard lock(mutex_);
      if (requests_.size() >= count_) {
        return false;
      }
    }
    const int client = accept(fd_, nullptr, nullptr);
    if (client < 0) {
      return false;
    }
    std::vector<uint8_t> bytes;
    uint8_t buffer[4096];
    for (;;) {
      if (bytes.size() >= plugins::zabbix::kHeaderSize) {
        const auto header = plugins::zabbix::decodeHeader(bytes, {});
        if (header && bytes.size() >= header->header_size + header->data_length) {
          break;
        }
      }
      const ssize_t got = read(client, buffer, sizeof(buffer));
      if (got <= 0) {
        break;
      }
      bytes.insert(bytes.end(), buffer, buffer + got);
    }
    const auto reply = plugins::zabbix::encodePacket(
        R"({"response":"success","info":"processed: 1; failed: 1; total: 2; seconds spent: 0.000031"})");
    (void)!write(client, reply->data(), reply->size());
    close(client);
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(bytes));
    done_.notify_all();
    return true;
  }

  const size_t count_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable done_;
  std::vector<std::vector<uint8_t>> requests_;
};

TEST(ZabbixPushTest, WritesSenderDataByteForByteAsZabbixSenderDoes) {
  WireRecorder server;
  FixedServices services;
  ZabbixPush push(pushTo(server.port()), services);
  push.start();
  const int64_t now = nowMs();
  const StateChange changes[] = {serviceChange("online-shop", CheckState::kOk, now),
                                 serviceChange("payments", CheckState::kUnknown, now)};
  push.record(changes);
  const std::vector<uint8_t> bytes = server.request();
  push.stop();

  // "ZBXD", the protocol flag alone (no compression, no large packet), the data length in
  // little-endian, and reserved 0: what zabbix_sender writes.
  ASSERT_GE(bytes.size(), plugins::zabbix::kHeaderSize);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 4), "ZBXD");
  EXPECT_EQ(bytes[4], 0x01);
  const uint32_t length = bytes[5] | bytes[6] << 8 | bytes[7] << 16 | bytes[8] << 24;
  EXPECT_EQ(length, bytes.size() - plugins::zabbix::kHeaderSize);
  EXPECT_EQ(bytes[9] | bytes[10] | bytes[11] | bytes[12], 0);

  const json request = json::parse(bytes.begin() + plugins::zabbix::kHeaderSize, bytes.end());
  EXPECT_EQ(request["request"], "sender data");
  EXPECT_TRUE(request["clock"].is_number_integer());
  EXPECT_TRUE(request["ns"].is_number_integer());
  ASSERT_EQ(request["data"].size(), 2u);
  for (const auto& value : request["data"]) {
    EXPECT_EQ(value["host"], "bsm");
    // Values are strings, as zabbix_sender sends them; clocks are whole seconds.
    EXPECT_TRUE(value["value"].is_string());
    EXPECT_TRUE(value["clock"].is_number_integer());
    EXPECT_GE(value["ns"].get<int64_t>(), 0);
    EXPECT_LT(value["ns"].get<int64_t>(), 1'000'000'000);
  }
  EXPECT_EQ(request["data"][0]["key"], "bsm.service.state[online-shop]");
  EXPECT_EQ(request["data"][0]["value"], "0");
  EXPECT_EQ(request["data"][1]["key"], "bsm.service.state[payments]");
  EXPECT_EQ(request["data"][1]["value"], "3");

  EXPECT_EQ(push.stats().values_sent, 1u);
  EXPECT_EQ(push.stats().values_refused, 1u);
}

// Right after a start every service is UNKNOWN until its agents report: pushing that would
// fire Zabbix triggers on every restart of bsm-server.
TEST(ZabbixPushTest, LeavesOutServicesThatHaveNotChangedSinceTheStart) {
  // The change, then two full pushes a second apart.
  WireRecorder server(3);
  FixedServices services;
  services.set("quiet", CheckState::kUnknown);
  services.set("busy", CheckState::kUnknown);
  ZabbixPush push(pushTo(server.port()), services);
  push.start();
  services.set("busy", CheckState::kOk);
  const StateChange change = serviceChange("busy", CheckState::kOk, nowMs());
  push.record(std::span(&change, 1));
  const auto requests = server.requests();
  push.stop();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& bytes : requests) {
    ASSERT_GT(bytes.size(), plugins::zabbix::kHeaderSize);
    const json request = json::parse(bytes.begin() + plugins::zabbix::kHeaderSize, bytes.end());
    ASSERT_EQ(request["data"].size(), 1u) << request.dump();
    EXPECT_EQ(request["data"][0]["key"], "bsm.service.state[busy]");
  }
}

}  // namespace
}  // namespace bsm::server
