// The nagios input running Debian's real monitoring-plugins (installed by scripts/install-deps),
// read the way Nagios Core reads them: the state from the exit code, perfdata as samples.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/config_file.h"
#include "plugins/nagios/nagios_input.h"

namespace bsm::plugins::nagios {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPlugins = "/usr/lib/nagios/plugins";

// What one run emitted.
struct Collected {
  const Sample* sample(const std::string& name) const {
    for (const auto& s : samples) {
      if (s.name == name) {
        return &s;
      }
    }
    return nullptr;
  }
  std::vector<Sample> samples;
  std::vector<CheckResult> checks;
};

class Capture : public Emitter {
 public:
  void emit(Sample sample) override {
    std::lock_guard lock(mutex_);
    data.samples.push_back(std::move(sample));
  }
  void emit(CheckResult result) override {
    std::lock_guard lock(mutex_);
    data.checks.push_back(std::move(result));
  }
  Collected data;

 private:
  std::mutex mutex_;
};

// Runs the plugin `name` with `args` once through a nagios input named after it.
Collected runPlugin(const std::string& name, const std::string& args) {
  const std::string yaml = "{plugin: nagios, name: " + name + ", command: [" + kPlugins + "/" +
                           name + (args.empty() ? "" : ", " + args) + "]}";
  const ConfigFile file = ConfigFile::parse(yaml, "agent.yaml");
  InputSettings settings;
  settings.plugin = "nagios";
  settings.name = name;
  settings.host = "this-host";
  settings.timeout = 10s;
  auto input = NagiosInput::factory()(settings, file, file.root());
  Capture out;
  input->collect(out);
  return std::move(out.data);
}

class MonitoringPluginsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(std::string(kPlugins) + "/check_load")) {
      GTEST_FAIL() << kPlugins << "/check_load is missing: install monitoring-plugins "
                   << "(scripts/install-deps does)";
    }
  }
};

TEST_F(MonitoringPluginsTest, CheckLoadGivesItsStateAndThreeLoadSamples) {
  Collected out = runPlugin("check_load", "-w, '1000,1000,1000', -c, '2000,2000,2000'");
  ASSERT_EQ(out.checks.size(), 1u);
  EXPECT_EQ(out.checks[0].state, CheckState::kOk) << out.checks[0].output;
  EXPECT_EQ(out.checks[0].name, "check_load");
  EXPECT_EQ(out.checks[0].host, "this-host");
  EXPECT_TRUE(out.checks[0].output.starts_with("LOAD OK - total load average"))
      << out.checks[0].output;
  for (const char* label : {"load1", "load5", "load15"}) {
    const Sample* sample = out.sample(label);
    ASSERT_NE(sample, nullptr) << label;
    EXPECT_EQ(sample->labels.at("check"), "check_load");
    ASSERT_TRUE(sample->warn);
    EXPECT_EQ(sample->warn->plainUpperBound(), 1000);
    EXPECT_EQ(sample->crit->plainUpperBound(), 2000);
    EXPECT_GE(sample->value, 0);
  }
}

TEST_F(MonitoringPluginsTest, CheckDiskReportsTheRootFileSystemInBytes) {
  Collected out = runPlugin("check_disk", "-w, '1', -c, '1', -p, /");
  ASSERT_EQ(out.checks.size(), 1u);
  EXPECT_EQ(out.checks[0].state, CheckState::kOk) << out.checks[0].output;
  const Sample* root = out.sample("/");
  ASSERT_NE(root, nullptr);
  EXPECT_GT(root->value, 0);
  ASSERT_TRUE(root->max);
  EXPECT_GT(*root->max, root->value);
}

TEST_F(MonitoringPluginsTest, CheckProcsCountsProcesses) {
  Collected out = runPlugin("check_procs", "-w, '100000', -c, '200000'");
  ASSERT_EQ(out.checks.size(), 1u);
  EXPECT_EQ(out.checks[0].state, CheckState::kOk) << out.checks[0].output;
  const Sample* procs = out.sample("procs");
  ASSERT_NE(procs, nullptr);
  EXPECT_GE(procs->value, 1);
}

TEST_F(MonitoringPluginsTest, CheckUsersCountsSessions) {
  Collected out = runPlugin("check_users", "-w, '1000', -c, '2000'");
  ASSERT_EQ(out.checks.size(), 1u);
  EXPECT_EQ(out.checks[0].state, CheckState::kOk) << out.checks[0].output;
  ASSERT_NE(out.sample("users"), nullptr);
}

TEST_F(MonitoringPluginsTest, CheckSwapFollowsTheHostsSwap) {
  std::ifstream meminfo("/proc/meminfo");
  long swap_total_kb = -1;
  for (std::string key; meminfo >> key;) {
    if (key == "SwapTotal:") {
      meminfo >> swap_total_kb;
      break;
    }
    meminfo.ignore(256, '\n');
  }
  ASSERT_GE(swap_total_kb, 0);
  // Without swap check_swap is CRITICAL by default; "-n ok" says that is fine here.
  Collected strict = runPlugin("check_swap", "-w, '10%', -c, '5%'");
  Collected lenient = runPlugin("check_swap", "-w, '10%', -c, '5%', -n, ok");
  ASSERT_EQ(strict.checks.size(), 1u);
  ASSERT_EQ(lenient.checks.size(), 1u);
  if (swap_total_kb == 0) {
    EXPECT_EQ(strict.checks[0].state, CheckState::kCritical) << strict.checks[0].output;
    EXPECT_EQ(lenient.checks[0].state, CheckState::kOk) << lenient.checks[0].output;
  }
  ASSERT_NE(lenient.sample("swap"), nullptr);
  EXPECT_EQ(lenient.sample("swap")->unit, "B");
}

TEST_F(MonitoringPluginsTest, CheckTcpAgainstALocalPortAndAClosedOne) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 8), 0);
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  const std::string port = std::to_string(ntohs(address.sin_port));

  Collected open = runPlugin("check_tcp", "-H, 127.0.0.1, -p, '" + port + "'");
  ASSERT_EQ(open.checks.size(), 1u);
  EXPECT_EQ(open.checks[0].state, CheckState::kOk) << open.checks[0].output;
  ASSERT_NE(open.sample("time"), nullptr);
  EXPECT_EQ(open.sample("time")->unit, "s");
  ::close(listener);

  Collected closed = runPlugin("check_tcp", "-H, 127.0.0.1, -p, '" + port + "'");
  ASSERT_EQ(closed.checks.size(), 1u);
  EXPECT_EQ(closed.checks[0].state, CheckState::kCritical) << closed.checks[0].output;
  EXPECT_NE(closed.checks[0].output.find("Connection refused"), std::string::npos)
      << closed.checks[0].output;
}

TEST_F(MonitoringPluginsTest, CheckDummyGivesBackTheStateItWasTold) {
  for (int state = 0; state <= 3; ++state) {
    Collected out = runPlugin("check_dummy", std::to_string(state) + ", 'told so'");
    ASSERT_EQ(out.checks.size(), 1u);
    EXPECT_EQ(static_cast<int>(out.checks[0].state), state) << out.checks[0].output;
  }
}

}  // namespace
}  // namespace bsm::plugins::nagios
