#include "plugins/nagios/nagios_input.h"

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/config_file.h"

namespace bsm::plugins::nagios {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<NagiosInput> makeInput(const std::string& yaml) {
  const ConfigFile file = ConfigFile::parse(yaml, "/etc/bsm/agent.yaml");
  InputSettings settings;
  settings.plugin = "nagios";
  settings.name = file.getOptionalString(file.root(), "name").value_or("check");
  settings.host = "web-1";
  settings.timeout = 5s;
  auto input = NagiosInput::factory()(settings, file, file.root());
  return std::unique_ptr<NagiosInput>(static_cast<NagiosInput*>(input.release()));
}

std::string configError(const std::string& yaml) {
  try {
    makeInput(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

class Capture : public Emitter {
 public:
  void emit(Sample sample) override {
    std::lock_guard lock(mutex_);
    samples.push_back(std::move(sample));
  }
  void emit(CheckResult result) override {
    std::lock_guard lock(mutex_);
    checks.push_back(std::move(result));
  }
  size_t checkCount() {
    std::lock_guard lock(mutex_);
    return checks.size();
  }
  std::vector<Sample> samples;
  std::vector<CheckResult> checks;

 private:
  std::mutex mutex_;
};

TEST(NagiosInputTest, ACommandListRunsWithoutAShell) {
  auto input = makeInput("{plugin: nagios, command: [/bin/echo, 'OK - $HOME is not expanded']}");
  EXPECT_EQ(input->command().argv,
            (std::vector<std::string>{"/bin/echo", "OK - $HOME is not expanded"}));
  Capture out;
  input->collect(out);
  ASSERT_EQ(out.checks.size(), 1u);
  EXPECT_EQ(out.checks[0].output, "OK - $HOME is not expanded");
  EXPECT_EQ(out.checks[0].state, CheckState::kOk);
}

TEST(NagiosInputTest, PlainWordsMaySplitButShellCharactersNeedAShell) {
  auto input =
      makeInput("{plugin: nagios, command: /usr/lib/nagios/plugins/check_load  -w 4 -c 8}");
  EXPECT_EQ(input->command().argv,
            (std::vector<std::string>{"/usr/lib/nagios/plugins/check_load", "-w", "4", "-c", "8"}));
  EXPECT_NE(configError("{plugin: nagios, command: \"check_x -H 'a b'\"}")
                .find("holds quotes or shell characters, but no shell runs it"),
            std::string::npos);
  EXPECT_NE(configError("{plugin: nagios, command: \"check_x | head\"}").find("set shell: true"),
            std::string::npos);
}

TEST(NagiosInputTest, ShellTrueRunsTheLineThroughBinSh) {
  auto input = makeInput(
      "{plugin: nagios, name: pipeline, shell: true, "
      "command: \"printf 'WARNING - two | x=2;1;5\\\\n' | cat; exit 1\"}");
  EXPECT_EQ(input->command().argv[0], "/bin/sh");
  Capture out;
  input->collect(out);
  ASSERT_EQ(out.checks.size(), 1u);
  EXPECT_EQ(out.checks[0].state, CheckState::kWarning);
  EXPECT_EQ(out.checks[0].name, "pipeline");
  EXPECT_EQ(out.checks[0].host, "web-1");
  ASSERT_EQ(out.samples.size(), 1u);
  EXPECT_EQ(out.samples[0].name, "x");
  EXPECT_EQ(out.samples[0].labels.at("check"), "pipeline");
  EXPECT_EQ(out.samples[0].value, 2);

  EXPECT_NE(configError("{plugin: nagios, shell: true, command: [a, b]}")
                .find("with shell: true, 'command' is one string"),
            std::string::npos);
}

TEST(NagiosInputTest, BadEntriesNameTheirLine) {
  EXPECT_NE(configError("{plugin: nagios}").find("missing required key 'command'"),
            std::string::npos);
  EXPECT_NE(configError("{plugin: nagios, command: []}").find("'command' is empty"),
            std::string::npos);
  EXPECT_NE(configError("{plugin: nagios, command: [x], colour: red}").find("colour"),
            std::string::npos);
  EXPECT_NE(configError("{plugin: nagios, command: [x], env: {'A=B': c}}").find("hold no '='"),
            std::string::npos);
  EXPECT_NE(configError("{plugin: nagios, command: [x], check_host: ''}").find("check_host"),
            std::string::npos);
  EXPECT_EQ(configError("{plugin: nagios, command: [x]}"), "");
  EXPECT_NE(configError("{plugin: nagios}").find("/etc/bsm/agent.yaml:1"), std::string::npos);
}

// Case nagios-4 of tests/data/real_world_cases.json: a status outside 0-3 is UNKNOWN, never
// OK; the plugin's words stay the output with the status beside them, and valid perfdata is
// kept.
TEST(NagiosInputTest, StatusOutsideZeroToThreeIsUnknownWithOutputAndPerfdataKept) {
  auto input = makeInput(
      "{plugin: nagios, name: iftraffic, shell: true, "
      "command: \"echo 'OK - traffic normal | in=5c'; exit 13\"}");
  Capture out;
  input->collect(out);
  ASSERT_EQ(out.checks.size(), 1u);
  EXPECT_EQ(out.checks[0].state, CheckState::kUnknown);
  EXPECT_EQ(out.checks[0].output,
            "OK - traffic normal (exit status 13 is not a plugin state (0-3))");
  ASSERT_EQ(out.samples.size(), 1u);
  EXPECT_EQ(out.samples[0].name, "in");

  input = makeInput(
      "{plugin: nagios, name: nrpe-old, shell: true, command: \"echo 'connect to address "
      "192.0.2.10 port 5666: Connection refused'; exit 255\"}");
  Capture refused;
  input->collect(refused);
  ASSERT_EQ(refused.checks.size(), 1u);
  EXPECT_EQ(refused.checks[0].state, CheckState::kUnknown);
  EXPECT_EQ(refused.checks[0].output,
            "connect to address 192.0.2.10 port 5666: Connection refused (exit status 255 is "
            "not a plugin state (0-3))");

  input = makeInput("{plugin: nagios, name: crash, shell: true, command: \"kill -KILL $$\"}");
  Capture killed;
  input->collect(killed);
  ASSERT_EQ(killed.checks.size(), 1u);
  EXPECT_EQ(killed.checks[0].state, CheckState::kUnknown);
  EXPECT_EQ(killed.checks[0].output, "killed by signal 9 (Killed)");
}

TEST(NagiosInputTest, ChecksMaySpeakForAnotherHost) {
  auto input = makeInput(
      "{plugin: nagios, name: ping-router, check_host: core-rtr-1, command: [/bin/echo, OK]}");
  Capture out;
  input->collect(out);
  ASSERT_EQ(out.checks.size(), 1u);
  EXPECT_EQ(out.checks[0].host, "core-rtr-1");
  EXPECT_EQ(out.checks[0].name, "ping-router");

  // One check name for many hosts: the input names differ, the check name is shared.
  input = makeInput(
      "{plugin: nagios, name: ping-rtr-2, check: ping, check_host: core-rtr-2, "
      "command: [/bin/echo, OK]}");
  Capture second;
  input->collect(second);
  ASSERT_EQ(second.checks.size(), 1u);
  EXPECT_EQ(second.checks[0].name, "ping");
  EXPECT_EQ(second.checks[0].host, "core-rtr-2");
}

TEST(NagiosInputTest, ScheduledRunsReportUntilStopped) {
  auto input = makeInput("{plugin: nagios, name: tick, command: [/bin/echo, 'OK | n=1']}");
  Capture out;
  input->start(out);
  for (int i = 0; i < 200 && out.checkCount() == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  input->stop();
  const size_t reported = out.checkCount();
  EXPECT_GE(reported, 1u);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(out.checkCount(), reported) << "a stopped input must not report";
}

}  // namespace
}  // namespace bsm::plugins::nagios
