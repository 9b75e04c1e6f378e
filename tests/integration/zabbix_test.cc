// The Zabbix adapter against Debian's real Zabbix 6.0 programs, started by the tests on
// loopback: the zabbix input polling zabbix_agentd and zabbix_agent2 in passive mode, and the
// zabbix_trapper input taking values from zabbix_sender and from both agents in active mode.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "common/config_file.h"
#include "plugins/zabbix/trapper_input.h"
#include "plugins/zabbix/zabbix_input.h"
#include "zabbix_fixture.h"

namespace bsm::plugins::zabbix {
namespace {

using namespace std::chrono_literals;
using testing::ScratchDir;
using testing::ZabbixAgent;
using testing::ZabbixAgentKind;
using testing::ZabbixAgentOptions;

constexpr const char* kTestHost = "bsm-test-host";
// What zabbix_agentd 6.0.14 and zabbix_agent2 6.0.14 answer for a file system that is not
// there (captured: ../shared/PROTOCOLS.md, 3.2).
constexpr const char* kAgentdNoFilesystem =
    "Cannot obtain filesystem information: [2] No such file or directory";
constexpr const char* kAgent2NoFilesystem = "no such file or directory";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Collects what inputs emit; the trapper emits from its own thread, so readers wait on it.
class RecordingEmitter : public Emitter {
 public:
  using Condition =
      std::function<bool(const std::vector<Sample>&, const std::vector<CheckResult>&)>;

  void emit(Sample sample) override {
    std::lock_guard lock(mutex_);
    samples_.push_back(std::move(sample));
    changed_.notify_all();
  }
  void emit(CheckResult result) override {
    std::lock_guard lock(mutex_);
    checks_.push_back(std::move(result));
    changed_.notify_all();
  }

  // Waits until `done` holds for what was emitted, or `limit` passes; returns whether it held.
  bool waitFor(const Condition& done, std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return done(samples_, checks_); });
  }

  std::vector<Sample> samples() const {
    std::lock_guard lock(mutex_);
    return samples_;
  }
  std::vector<CheckResult> checks() const {
    std::lock_guard lock(mutex_);
    return checks_;
  }

  std::vector<Sample> samplesNamed(const std::string& host, const std::string& name) const {
    std::vector<Sample> out;
    for (const auto& sample : samples()) {
      if (sample.host == host && sample.name == name) {
        out.push_back(sample);
      }
    }
    return out;
  }
  std::vector<CheckResult> checksNamed(const std::string& host, const std::string& name) const {
    std::vector<CheckResult> out;
    for (const auto& check : checks()) {
      if (check.host == host && check.name == name) {
        out.push_back(check);
      }
    }
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Sample> samples_;
  std::vector<CheckResult> checks_;
};

// Condition: at least `count` samples of `name` for `host`.
RecordingEmitter::Condition hasSamples(const std::string& host, const std::string& name,
                                       size_t count = 1) {
  return [=](const std::vector<Sample>& samples, const std::vector<CheckResult>&) {
    return static_cast<size_t>(std::count_if(samples.begin(), samples.end(), [&](const auto& s) {
             return s.host == host && s.name == name;
           })) >= count;
  };
}

// Builds the inputs the way the agent does: from a YAML entry, through the factory.
std::unique_ptr<ZabbixInput> makePoller(const std::string& yaml) {
  const ConfigFile file = ConfigFile::parse(yaml, "test.yaml");
  InputSettings settings;
  settings.plugin = "zabbix";
  settings.name = "zabbix";
  settings.host = kTestHost;
  settings.interval = 1s;
  settings.timeout = 5s;
  auto input = ZabbixInput::factory()(settings, file, file.root());
  return std::unique_ptr<ZabbixInput>(static_cast<ZabbixInput*>(input.release()));
}

std::string pollerEntry(uint16_t port, const std::string& items) {
  return "{plugin: zabbix, host: 127.0.0.1, port: " + std::to_string(port) + ", items: [" + items +
         "]}";
}

std::unique_ptr<TrapperInput> makeTrapper(const std::string& more = "") {
  const ConfigFile file = ConfigFile::parse(
      "{plugin: zabbix_trapper, listen: '127.0.0.1:0'" + (more.empty() ? "" : ", " + more) + "}",
      "test.yaml");
  InputSettings settings;
  settings.plugin = "zabbix_trapper";
  settings.name = "trapper";
  settings.host = kTestHost;
  // Active checks configured without an interval are sent every second.
  settings.interval = 1s;
  // Each connection's whole exchange: short, so that stalled clients go soon.
  settings.timeout = 3s;
  auto input = TrapperInput::factory()(settings, file, file.root());
  return std::unique_ptr<TrapperInput>(static_cast<TrapperInput*>(input.release()));
}

const Sample* findSample(const std::vector<Sample>& samples, const std::string& name) {
  for (const auto& sample : samples) {
    if (sample.name == name) {
      return &sample;
    }
  }
  return nullptr;
}

const CheckResult* findCheck(const std::vector<CheckResult>& checks, const std::string& name) {
  for (const auto& check : checks) {
    if (check.name == name) {
      return &check;
    }
  }
  return nullptr;
}

class ZabbixAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* program : {testing::kZabbixAgentd, testing::kZabbixAgent2}) {
      if (::access(program, X_OK) != 0) {
        GTEST_FAIL() << program
                     << " is missing: install zabbix-agent and zabbix-agent2 "
                        "(scripts/install-deps does)";
      }
    }
  }

  // Starts an agent and fails the test, with its log, when it does not come up.
  std::unique_ptr<ZabbixAgent> agent(ZabbixAgentOptions options) {
    auto started = std::make_unique<ZabbixAgent>(std::move(options));
    EXPECT_TRUE(started->running()) << "the Zabbix agent did not start:\n" << started->log();
    return started;
  }
  std::unique_ptr<ZabbixAgent> passiveAgent(ZabbixAgentKind kind, const std::string& hostname) {
    ZabbixAgentOptions options;
    options.kind = kind;
    options.hostname = hostname;
    return agent(std::move(options));
  }
  // An agent with no passive port that asks the trapper on `port` for its active checks.
  std::unique_ptr<ZabbixAgent> activeAgent(ZabbixAgentKind kind, const std::string& hostname,
                                           uint16_t port) {
    ZabbixAgentOptions options;
    options.kind = kind;
    options.hostname = hostname;
    options.passive = false;
    options.server_active = port;
    return agent(std::move(options));
  }
};

TEST_F(ZabbixAgentTest, PollsNumericItemsFromAgentd) {
  auto agentd = passiveAgent(ZabbixAgentKind::kAgentd, "bsm-agentd");
  auto input =
      makePoller(pollerEntry(agentd->port(), "agent.ping, system.uptime, 'vfs.fs.size[/,pused]'"));
  RecordingEmitter out;
  input->collect(out);

  const auto samples = out.samples();
  const auto checks = out.checks();
  ASSERT_EQ(samples.size(), 3u) << agentd->log();
  const Sample* ping = findSample(samples, "agent.ping");
  ASSERT_NE(ping, nullptr);
  EXPECT_EQ(ping->value, 1.0);
  EXPECT_EQ(ping->host, kTestHost);  // an agent on loopback speaks for the bsm agent's host
  const Sample* uptime = findSample(samples, "system.uptime");
  ASSERT_NE(uptime, nullptr);
  EXPECT_GT(uptime->value, 0.0);
  const Sample* used = findSample(samples, "vfs.fs.size[/,pused]");
  ASSERT_NE(used, nullptr);
  EXPECT_GE(used->value, 0.0);
  EXPECT_LE(used->value, 100.0);

  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].name, ZabbixInput::kAvailableCheck);
  EXPECT_EQ(checks[0].state, CheckState::kOk) << checks[0].output;
  EXPECT_EQ(checks[0].host, kTestHost);
}

TEST_F(ZabbixAgentTest, TextItemsFromAgentdAreOkChecksUnderTheHostName) {
  auto agentd = passiveAgent(ZabbixAgentKind::kAgentd, "bsm-agentd");
  auto input =
      makePoller("{plugin: zabbix, host: 127.0.0.1, port: " + std::to_string(agentd->port()) +
                 ", host_name: web-7, items: [agent.hostname, agent.version]}");
  RecordingEmitter out;
  input->collect(out);

  const auto checks = out.checks();
  EXPECT_TRUE(out.samples().empty());
  const CheckResult* hostname = findCheck(checks, "agent.hostname");
  ASSERT_NE(hostname, nullptr) << agentd->log();
  EXPECT_EQ(hostname->state, CheckState::kOk);
  EXPECT_EQ(hostname->output, "bsm-agentd");
  EXPECT_EQ(hostname->host, "web-7");
  const CheckResult* version = findCheck(checks, "agent.version");
  ASSERT_NE(version, nullptr);
  EXPECT_EQ(version->state, CheckState::kOk);
  EXPECT_TRUE(version->output.starts_with("6.0.")) << version->output;
}

TEST_F(ZabbixAgentTest, UnsupportedItemsFromAgentdAreUnknownWithTheAgentsReason) {
  auto agentd = passiveAgent(ZabbixAgentKind::kAgentd, "bsm-agentd");
  auto input = makePoller(
      pollerEntry(agentd->port(), "'vfs.fs.size[/nonexistent,free]', no.such.key, agent.ping"));
  RecordingEmitter out;
  input->collect(out);

  const auto checks = out.checks();
  const CheckResult* filesystem = findCheck(checks, "vfs.fs.size[/nonexistent,free]");
  ASSERT_NE(filesystem, nullptr) << agentd->log();
  EXPECT_EQ(filesystem->state, CheckState::kUnknown);
  EXPECT_EQ(filesystem->output, kAgentdNoFilesystem);
  const CheckResult* unknown_key = findCheck(checks, "no.such.key");
  ASSERT_NE(unknown_key, nullptr);
  EXPECT_EQ(unknown_key->state, CheckState::kUnknown);
  EXPECT_EQ(unknown_key->output, "Unsupported item key.");
  // Items the agent refuses say nothing about the agent itself, which answered.
  const CheckResult* available = findCheck(checks, ZabbixInput::kAvailableCheck);
  ASSERT_NE(available, nullptr);
  EXPECT_EQ(available->state, CheckState::kOk);
  EXPECT_EQ(out.samples().size(), 1u);
}

TEST_F(ZabbixAgentTest, LongUserParameterValueIsReadWholeAndKeptTo64KiB) {
  // 7,000 numbered lines of ten bytes, the last ending in "x" rather than a newline, which the
  // agent would strip: 70,000 bytes that arrive over several reads.
  ZabbixAgentOptions options;
  options.hostname = "bsm-agentd";
  options.scripts["big.sh"] =
      "#!/bin/sh\n"
      "awk 'BEGIN { for (i = 0; i < 7000; i++) printf \"%09d%s\", i, (i < 6999 ? \"\\n\" : \"x\") "
      "}'\n";
  options.config = "UserParameter=bsm.big,@DIR@/big.sh\n";
  auto agentd = agent(std::move(options));
  std::string expected;
  for (int i = 0; i < 7000; ++i) {
    char line[16];
    std::snprintf(line, sizeof(line), "%09d%c", i, i < 6999 ? '\n' : 'x');
    expected += line;
  }
  ASSERT_EQ(expected.size(), 70'000u);

  auto input = makePoller(pollerEntry(agentd->port(), "bsm.big"));
  RecordingEmitter out;
  input->collect(out);

  const auto checks = out.checks();
  const CheckResult* big = findCheck(checks, "bsm.big");
  ASSERT_NE(big, nullptr) << agentd->log();
  EXPECT_EQ(big->state, CheckState::kOk) << big->output.substr(0, 200);
  // zabbix_input.cc keeps a text value to 64 KiB, as a plugin's output, and says it cut.
  EXPECT_EQ(big->output, expected.substr(0, 64 * 1024) + "\n(value cut at 64 KiB)");
}

TEST_F(ZabbixAgentTest, ItemWithALongerIntervalIsNotPolledEveryRound) {
  auto agentd = passiveAgent(ZabbixAgentKind::kAgentd, "bsm-agentd");
  auto input =
      makePoller(pollerEntry(agentd->port(), "agent.ping, {key: system.uptime, interval: 1h}"));
  EXPECT_EQ(input->settings().interval, 1s);
  RecordingEmitter out;

  // Rounds as the scheduler would run them, until agent.ping has been polled a third time.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (out.samplesNamed(kTestHost, "agent.ping").size() < 3 &&
         std::chrono::steady_clock::now() < deadline) {
    input->collect(out);
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(out.samplesNamed(kTestHost, "agent.ping").size(), 3u) << agentd->log();
  EXPECT_EQ(out.samplesNamed(kTestHost, "system.uptime").size(), 1u);
  const auto uptime = out.samplesNamed(kTestHost, "system.uptime");
  ASSERT_FALSE(uptime.empty());
  EXPECT_EQ(uptime[0].interval_ms, 3'600'000);
}

TEST_F(ZabbixAgentTest, PollsNumericAndTextItemsFromAgent2) {
  auto agent2 = passiveAgent(ZabbixAgentKind::kAgent2, "bsm-agent2");
  auto input = makePoller(pollerEntry(
      agent2->port(), "agent.ping, system.uptime, 'vfs.fs.size[/,pused]', agent.hostname"));
  RecordingEmitter out;
  input->collect(out);

  const auto samples = out.samples();
  const auto checks = out.checks();
  ASSERT_EQ(samples.size(), 3u) << agent2->log();
  const Sample* ping = findSample(samples, "agent.ping");
  ASSERT_NE(ping, nullptr);
  EXPECT_EQ(ping->value, 1.0);
  EXPECT_EQ(ping->host, kTestHost);
  const Sample* uptime = findSample(samples, "system.uptime");
  ASSERT_NE(uptime, nullptr);
  EXPECT_GT(uptime->value, 0.0);
  const Sample* used = findSample(samples, "vfs.fs.size[/,pused]");
  ASSERT_NE(used, nullptr);
  EXPECT_GE(used->value, 0.0);
  EXPECT_LE(used->value, 100.0);

  const CheckResult* hostname = findCheck(checks, "agent.hostname");
  ASSERT_NE(hostname, nullptr);
  EXPECT_EQ(hostname->state, CheckState::kOk);
  EXPECT_EQ(hostname->output, "bsm-agent2");
  const CheckResult* available = findCheck(checks, ZabbixInput::kAvailableCheck);
  ASSERT_NE(available, nullptr);
  EXPECT_EQ(available->state, CheckState::kOk);
}

TEST_F(ZabbixAgentTest, UnsupportedItemsFromAgent2AreUnknownWithTheAgentsReason) {
  auto agent2 = passiveAgent(ZabbixAgentKind::kAgent2, "bsm-agent2");
  auto input =
      makePoller(pollerEntry(agent2->port(), "'vfs.fs.size[/nonexistent,free]', no.such.key"));
  RecordingEmitter out;
  input->collect(out);

  const auto checks = out.checks();
  const CheckResult* filesystem = findCheck(checks, "vfs.fs.size[/nonexistent,free]");
  ASSERT_NE(filesystem, nullptr) << agent2->log();
  EXPECT_EQ(filesystem->state, CheckState::kUnknown);
  EXPECT_EQ(filesystem->output, kAgent2NoFilesystem);
  const CheckResult* unknown_key = findCheck(checks, "no.such.key");
  ASSERT_NE(unknown_key, nullptr);
  EXPECT_EQ(unknown_key->state, CheckState::kUnknown);
  EXPECT_EQ(unknown_key->output, "Unknown metric no.such.key");
}

TEST_F(ZabbixAgentTest, AgentThatIsNotRunningIsCriticalAndItsItemsUnknown) {
  const uint16_t port = testing::freeAgentPort();
  ASSERT_NE(port, 0);
  auto input = makePoller(pollerEntry(port, "agent.ping, system.uptime"));
  RecordingEmitter out;
  input->collect(out);

  EXPECT_TRUE(out.samples().empty());
  const auto checks = out.checks();
  ASSERT_EQ(checks.size(), 3u);
  for (const auto& check : checks) {
    EXPECT_EQ(check.host, kTestHost);
    EXPECT_TRUE(contains(check.output, "refused")) << check.output;
    EXPECT_TRUE(contains(check.output, "127.0.0.1:" + std::to_string(port))) << check.output;
  }
  const CheckResult* available = findCheck(checks, ZabbixInput::kAvailableCheck);
  ASSERT_NE(available, nullptr);
  EXPECT_EQ(available->state, CheckState::kCritical);
  for (const char* key : {"agent.ping", "system.uptime"}) {
    const CheckResult* item = findCheck(checks, key);
    ASSERT_NE(item, nullptr) << key;
    EXPECT_EQ(item->state, CheckState::kUnknown) << key;
  }
}

// An agent whose Server= does not list us hangs up on every request: it is as unavailable to
// bsm as one that is down, and says why.
TEST_F(ZabbixAgentTest, AgentThatRefusesUsIsCritical) {
  ZabbixAgentOptions options;
  options.hostname = "bsm-agentd-elsewhere";
  options.server = "192.0.2.1";
  auto agentd = agent(std::move(options));
  auto input = makePoller(pollerEntry(agentd->port(), "agent.ping, system.uptime"));
  RecordingEmitter out;
  input->collect(out);

  EXPECT_TRUE(out.samples().empty());
  const auto checks = out.checks();
  const CheckResult* available = findCheck(checks, ZabbixInput::kAvailableCheck);
  ASSERT_NE(available, nullptr);
  EXPECT_EQ(available->state, CheckState::kCritical);
  EXPECT_TRUE(contains(available->output, "answers no item")) << available->output;
  EXPECT_EQ(available->labels.at("agent"), "127.0.0.1:" + std::to_string(agentd->port()));
  const CheckResult* ping = findCheck(checks, "agent.ping");
  ASSERT_NE(ping, nullptr);
  EXPECT_EQ(ping->state, CheckState::kUnknown);
  EXPECT_TRUE(contains(ping->output, "without an answer")) << ping->output;
}

// A trapper input listening on a free loopback port, and what it emitted.
class ZabbixTrapperTest : public ZabbixAgentTest {
 protected:
  void SetUp() override {
    ZabbixAgentTest::SetUp();
    if (::access(testing::kZabbixSender, X_OK) != 0) {
      GTEST_FAIL() << testing::kZabbixSender << " is missing: install zabbix-agent";
    }
  }
  void TearDown() override {
    if (trapper_) {
      trapper_->stop();
    }
  }

  void startTrapper(const std::string& more = "") {
    trapper_ = makeTrapper(more);
    trapper_->start(out_);
    ASSERT_NE(trapper_->port(), 0) << "the trapper is not listening";
  }

  // zabbix_sender against the trapper; its own timeout, and ours, keep a stuck exchange short.
  testing::ProgramRun send(std::vector<std::string> arguments) {
    std::vector<std::string> argv = {testing::kZabbixSender,           "-z", "127.0.0.1", "-p",
                                     std::to_string(trapper_->port()), "-t", "10"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return testing::runProgram(argv, scratch_, 20s);
  }

  RecordingEmitter out_;  // declared first: it must outlive the trapper that emits into it
  std::unique_ptr<TrapperInput> trapper_;
  ScratchDir scratch_{"bsm-zabbix-test"};
};

// Only the addresses in 'allow' may connect; a sender from elsewhere is hung up on, and
// nothing it sent is taken.
TEST_F(ZabbixTrapperTest, SenderOutsideAllowIsRefused) {
  startTrapper("allow: [\"10.0.0.0/8\", \"::1\"]");
  const auto run = send({"-s", "bsm-sender-host", "-k", "trap.count", "-o", "42"});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_TRUE(out_.samples().empty());
  EXPECT_GE(trapper_->brokenConnections(), 1u);
}

TEST_F(ZabbixTrapperTest, SenderNumericValueBecomesASample) {
  startTrapper();
  const auto run = send({"-s", "bsm-sender-host", "-k", "trap.count", "-o", "42"});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "processed: 1; failed: 0")) << run.output;

  const auto samples = out_.samplesNamed("bsm-sender-host", "trap.count");
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].value, 42.0);
  EXPECT_TRUE(out_.checks().empty());
}

TEST_F(ZabbixTrapperTest, SenderTextValueBecomesAnOkCheck) {
  startTrapper();
  const auto run = send({"-s", "bsm-sender-host", "-k", "trap.text", "-o", "hello world"});
  EXPECT_EQ(run.exit_code, 0) << run.output;

  const auto checks = out_.checksNamed("bsm-sender-host", "trap.text");
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].state, CheckState::kOk);
  EXPECT_EQ(checks[0].output, "hello world");
  EXPECT_TRUE(out_.samples().empty());
}

struct ProcessedTotals {
  uint64_t processed = 0;
  uint64_t failed = 0;
};

// Adds up the "processed: N; failed: M" of every answer zabbix_sender printed.
ProcessedTotals sumProcessed(const std::string& output) {
  ProcessedTotals totals;
  for (size_t at = output.find("processed: "); at != std::string::npos;
       at = output.find("processed: ", at + 1)) {
    unsigned long long processed = 0;
    unsigned long long failed = 0;
    if (std::sscanf(output.c_str() + at, "processed: %llu; failed: %llu", &processed, &failed) ==
        2) {
      totals.processed += processed;
      totals.failed += failed;
    }
  }
  return totals;
}

TEST_F(ZabbixTrapperTest, SenderInputFileOfAThousandTimestampedValuesKeepsTheirClocks) {
  startTrapper();
  constexpr int64_t kFirstClock = 1'700'000'000;
  {
    std::ofstream file(scratch_.file("values.txt"));
    for (int i = 0; i < 1000; ++i) {
      file << "bsm-sender-host trap.series " << kFirstClock + i << " " << i << "\n";
    }
  }
  const auto run = send({"-T", "-i", scratch_.file("values.txt")});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  // zabbix_sender sends 250 values a request and prints each answer's info.
  const ProcessedTotals totals = sumProcessed(run.output);
  EXPECT_EQ(totals.processed, 1000u) << run.output;
  EXPECT_EQ(totals.failed, 0u) << run.output;
  EXPECT_TRUE(contains(run.output, "sent: 1000; skipped: 0; total: 1000")) << run.output;

  const auto samples = out_.samplesNamed("bsm-sender-host", "trap.series");
  ASSERT_EQ(samples.size(), 1000u);
  std::vector<bool> seen(1000, false);
  for (const auto& sample : samples) {
    const auto i = static_cast<int64_t>(sample.value);
    ASSERT_GE(i, 0);
    ASSERT_LT(i, 1000);
    EXPECT_EQ(sample.ts_ms, (kFirstClock + i) * 1000) << "value " << i;
    seen[i] = true;
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), true), 1000);
}

TEST_F(ZabbixTrapperTest, SenderValueWithAnInvalidKeyCountsAsFailed) {
  startTrapper();
  const auto run = send({"-s", "bsm-sender-host", "-k", "bad key[", "-o", "1"});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_TRUE(contains(run.output, "processed: 0; failed: 1")) << run.output;
  EXPECT_TRUE(out_.samples().empty());
  EXPECT_TRUE(out_.checks().empty());
}

// Opens a loopback connection to `port`, or returns -1.
int connectTo(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST_F(ZabbixTrapperTest, SenderGetsThroughWhileOtherClientsStall) {
  startTrapper();
  // One client connects and says nothing; another sends a header and then a byte at a time.
  const int silent = connectTo(trapper_->port());
  ASSERT_GE(silent, 0);
  const int dribbling = connectTo(trapper_->port());
  ASSERT_GE(dribbling, 0);
  const std::string body = R"({"request":"sender data","data":[]})";
  std::string header = "ZBXD\x01";
  for (int i = 0; i < 4; ++i) {
    header += static_cast<char>((body.size() >> (8 * i)) & 0xff);
  }
  header += std::string(4, '\0');
  // MSG_NOSIGNAL: the trapper hangs up on the dribbler when its time is up.
  ASSERT_EQ(::send(dribbling, header.data(), header.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(header.size()));
  std::atomic<bool> stop{false};
  std::thread dribbler([&] {
    for (size_t i = 0; i < body.size() && !stop; ++i) {
      if (::send(dribbling, body.data() + i, 1, MSG_NOSIGNAL) != 1) {
        return;
      }
      std::this_thread::sleep_for(200ms);
    }
  });

  const auto run = send({"-s", "bsm-sender-host", "-k", "trap.count", "-o", "7"});
  stop = true;
  dribbler.join();
  ::close(silent);
  ::close(dribbling);

  EXPECT_FALSE(run.timed_out) << run.output;
  EXPECT_EQ(run.exit_code, 0) << run.output;
  const auto samples = out_.samplesNamed("bsm-sender-host", "trap.count");
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].value, 7.0);
}

TEST_F(ZabbixTrapperTest, HeaderDeclaringTwoGigabytesGetsTheConnectionClosed) {
  startTrapper();
  const int fd = connectTo(trapper_->port());
  ASSERT_GE(fd, 0);
  // 0x80000000 bytes of data declared, none sent.
  const char header[] = {'Z',  'B',  'X',  'D', 0x01, 0x00, 0x00, 0x00, static_cast<char>(0x80),
                         0x00, 0x00, 0x00, 0x00};
  ASSERT_EQ(::send(fd, header, sizeof(header), MSG_NOSIGNAL), static_cast<ssize_t>(sizeof(header)));
  // A trapper that waited for the data would leave this read to its 10-second limit.
  timeval limit{.tv_sec = 10, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  char byte = 0;
  const ssize_t got = ::read(fd, &byte, 1);
  const int error = got < 0 ? errno : 0;
  ::close(fd);
  EXPECT_TRUE(got == 0 || (got < 0 && error == ECONNRESET))
      << "read returned " << got << ", " << std::strerror(error);
  EXPECT_EQ(trapper_->brokenConnections(), 1u);

  // The trapper still serves the next client.
  const auto run = send({"-s", "bsm-sender-host", "-k", "trap.count", "-o", "1"});
  EXPECT_EQ(run.exit_code, 0) << run.output;
}

TEST_F(ZabbixTrapperTest, ActiveAgentdSendsTheItemsConfiguredForItsHostName) {
  startTrapper(
      "active_checks: [{host: 'bsm-active-*', items: [agent.ping, system.uptime, "
      "'vfs.fs.size[/nonexistent,free]']}]");
  auto listed = activeAgent(ZabbixAgentKind::kAgentd, "bsm-active-agentd", trapper_->port());
  // A host without active checks is told so, and has nothing to send.
  auto unlisted = activeAgent(ZabbixAgentKind::kAgentd, "bsm-unlisted-agentd", trapper_->port());

  const std::string host = "bsm-active-agentd";
  const bool arrived = out_.waitFor(
      [&](const std::vector<Sample>& samples, const std::vector<CheckResult>& checks) {
        return hasSamples(host, "agent.ping")(samples, checks) &&
               hasSamples(host, "system.uptime")(samples, checks) &&
               std::any_of(checks.begin(), checks.end(), [&](const CheckResult& check) {
                 return check.host == host && check.name == "vfs.fs.size[/nonexistent,free]";
               });
      },
      20s);
  ASSERT_TRUE(arrived) << listed->log();
  const auto ping = out_.samplesNamed(host, "agent.ping");
  EXPECT_EQ(ping.front().value, 1.0);
  EXPECT_EQ(ping.front().interval_ms, 1000);
  EXPECT_GT(out_.samplesNamed(host, "system.uptime").front().value, 0.0);
  const auto filesystem = out_.checksNamed(host, "vfs.fs.size[/nonexistent,free]");
  EXPECT_EQ(filesystem.front().state, CheckState::kUnknown);
  EXPECT_EQ(filesystem.front().output, kAgentdNoFilesystem);
  const auto available = out_.checksNamed(host, TrapperHandler::kAvailableCheck);
  ASSERT_FALSE(available.empty());
  EXPECT_EQ(available.front().state, CheckState::kOk);

  // The unlisted agent logs the refusal once it has had it; by then it would have had its
  // checks, had there been any.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!contains(unlisted->log(), "host [bsm-unlisted-agentd] not found") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(contains(unlisted->log(), "host [bsm-unlisted-agentd] not found")) << unlisted->log();
  for (const auto& sample : out_.samples()) {
    EXPECT_NE(sample.host, "bsm-unlisted-agentd") << sample.name;
  }
  for (const auto& check : out_.checks()) {
    EXPECT_NE(check.host, "bsm-unlisted-agentd") << check.name;
  }
}

TEST_F(ZabbixTrapperTest, ActiveAgent2SendsTheItemsConfiguredForItsHostName) {
  startTrapper("active_checks: [{host: bsm-active-agent2, items: [agent.ping, system.uptime]}]");
  auto agent2 = activeAgent(ZabbixAgentKind::kAgent2, "bsm-active-agent2", trapper_->port());

  const std::string host = "bsm-active-agent2";
  const bool arrived = out_.waitFor(
      [&](const std::vector<Sample>& samples, const std::vector<CheckResult>& checks) {
        return hasSamples(host, "agent.ping")(samples, checks) &&
               hasSamples(host, "system.uptime")(samples, checks);
      },
      20s);
  ASSERT_TRUE(arrived) << agent2->log();
  EXPECT_EQ(out_.samplesNamed(host, "agent.ping").front().value, 1.0);
  EXPECT_GT(out_.samplesNamed(host, "system.uptime").front().value, 0.0);
}

}  // namespace
}  // namespace bsm::plugins::zabbix
