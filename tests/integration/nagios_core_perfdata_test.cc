// The nagios_perfdata input against a real Nagios Core 4: Nagios runs monitoring-plugins checks
// and a script, writes its host and service perfdata files and rotates them into a spool folder
// with its own processing command (a mv) every two seconds, while the input reads along. Every
// result Nagios wrote must come out exactly once, under Nagios' host names and states, also
// across a restart of the input in the middle.
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include <gtest/gtest.h>

#include "common/config_file.h"
#include "nagios_core_fixture.h"
#include "plugins/nagios/perfdata_file_input.h"
#include "plugins/nagios/perfdata_line.h"

namespace bsm {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::NagiosCore;

// Counts its runs in a file beside itself and prints the count, so that every result is
// distinct and a lost or repeated one shows as a gap or a repeat. Long output and perfdata on
// several lines, as Nagios' plugin guidelines allow.
constexpr const char* kCustomScript = R"(#!/bin/sh
dir=$(dirname "$0")
n=$(cat "$dir/runs" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$dir/runs"
printf 'CUSTOM WARNING - run %s | queue=7;5;10;0;\nfirst detail\nsecond detail C:\\temp | latency=0.123s;;;0;\n' "$n"
exit 1
)";

class RecordingEmitter : public plugins::Emitter {
 public:
  void emit(Sample sample) override { samples.push_back(std::move(sample)); }
  void emit(CheckResult result) override { checks.push_back(std::move(result)); }
  std::vector<Sample> samples;
  std::vector<CheckResult> checks;
};

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "bsm-perfdata-state-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    dir_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  fs::path dir_;
};

testing::NagiosCoreOptions twoHosts() {
  testing::NagiosCoreOptions options;
  options.scripts["check_custom.sh"] = kCustomScript;
  options.objects =
      NagiosCore::command("check_load", "$USER1$/check_load -w 1000,1000,1000 -c 2000,2000,2000") +
      NagiosCore::command("check_custom", "$USER2$/check_custom.sh") +
      NagiosCore::host("web-1", "check_dummy!0!host up") +
      NagiosCore::host("db-1", "check_dummy!2!host down") +
      NagiosCore::service("web-1", "dummy-ok", "check_dummy!0!all good") +
      NagiosCore::service("web-1", "load", "check_load") +
      NagiosCore::service("db-1", "custom-script", "check_custom") +
      NagiosCore::service("db-1", "dummy-critical", "check_dummy!2!broken");
  return options;
}

std::unique_ptr<plugins::Input> makeInput(const std::string& yaml, const std::string& config) {
  const auto file = ConfigFile::parse(yaml, config);
  plugins::InputSettings settings;
  settings.plugin = "nagios_perfdata";
  settings.name = "nagios";
  settings.host = "agent-host";
  return plugins::nagios::PerfdataFileInput::factory()(settings, file, file.root());
}

int readCounter(const std::string& path) {
  std::istringstream text(NagiosCore::read(path));
  int value = 0;
  text >> value;
  return value;
}

size_t nonEmptyFiles(const std::string& dir, const std::string& prefix) {
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    count += entry.path().filename().string().rfind(prefix, 0) == 0 && entry.file_size() > 0;
  }
  return count;
}

// The run numbers the custom script printed, from the check results' outputs.
std::vector<int> customRuns(const std::vector<CheckResult>& checks) {
  std::vector<int> runs;
  for (const auto& check : checks) {
    if (check.name == "custom-script") {
      runs.push_back(std::stoi(check.output.substr(check.output.find("run ") + 4)));
    }
  }
  std::sort(runs.begin(), runs.end());
  return runs;
}

void expectEachRunOnce(const std::vector<int>& runs, int counter) {
  ASSERT_FALSE(runs.empty());
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(runs[i], static_cast<int>(i) + 1)
        << "run numbers must be 1..n without gaps or repeats";
  }
  // Nagios may be stopped after running the script but before writing the result.
  EXPECT_GE(runs.back(), counter - 1);
}

using ResultKey = std::tuple<std::string, std::string, CheckState, int64_t, std::string>;

ResultKey keyOf(const CheckResult& check) {
  return {check.host, check.name, check.state, check.ts_ms,
          check.output.substr(0, check.output.find('\n'))};
}

// Every line Nagios wrote, from the rotated files and what is left in the live ones.
std::multiset<ResultKey> writtenByNagios(const NagiosCore& nagios) {
  std::vector<std::string> files = {nagios.servicePerfdataPath(), nagios.hostPerfdataPath()};
  for (const auto& entry : fs::directory_iterator(nagios.spoolDir())) {
    files.push_back(entry.path().string());
  }
  std::multiset<ResultKey> written;
  for (const auto& file : files) {
    std::istringstream text(NagiosCore::read(file));
    std::string line;
    while (std::getline(text, line)) {
      auto parsed = plugins::nagios::parsePerfdataLine(line);
      EXPECT_TRUE(parsed) << file << ": " << line;
      if (parsed) {
        const auto run = plugins::nagios::toCheckRun(*parsed);
        written.insert({run.host, run.check, run.state, run.ts_ms, parsed->output});
      }
    }
  }
  return written;
}

const CheckResult* findCheck(const std::vector<CheckResult>& checks, const std::string& host,
                             const std::string& name) {
  for (const auto& check : checks) {
    if (check.host == host && check.name == name) {
      return &check;
    }
  }
  return nullptr;
}

TEST(NagiosCorePerfdataTest, ForwardsEveryResultOnceAcrossRotationAndRestart) {
  if (!NagiosCore::available()) {
    GTEST_FAIL() << "nagios4-core and monitoring-plugins-basic are not installed "
                    "(scripts/install-deps installs them)";
  }
  ScratchDir state;
  NagiosCore nagios(twoHosts());
  const std::string yaml = "{plugin: nagios_perfdata, files: [" + nagios.servicePerfdataPath() +
                           ", " + nagios.hostPerfdataPath() + "], spool_dir: " + nagios.spoolDir() +
                           ", state_file: positions, interval: 1s}";
  const std::string config = state.path("agent.yaml");
  auto input = makeInput(yaml, config);
  ASSERT_TRUE(nagios.waitUntilChecked("db-1", "custom-script"));

  // Read along while Nagios checks and rotates; the agent restarts once on the way.
  RecordingEmitter out;
  const std::string counter = nagios.path("plugins/runs");
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  bool restarted = false;
  while (std::chrono::steady_clock::now() < deadline &&
         (readCounter(counter) < 5 || nonEmptyFiles(nagios.spoolDir(), "service-perfdata.") < 3)) {
    input->collect(out);
    if (!restarted && readCounter(counter) >= 3) {
      input = makeInput(yaml, config);
      restarted = true;
      // A passive result goes through the perfdata file like an active one.
      ASSERT_TRUE(nagios.sendCommand(
          "PROCESS_SERVICE_CHECK_RESULT;web-1;dummy-ok;1;PASSIVE WARNING|used=97%;80;90;0;100"));
    }
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_TRUE(restarted);
  EXPECT_TRUE(nagios.stop()) << "nagios4 needed SIGKILL";
  for (int i = 0; i < 3; ++i) {
    input->collect(out);
  }

  // Exactly what Nagios wrote, each line once.
  std::multiset<ResultKey> emitted;
  for (const auto& check : out.checks) {
    emitted.insert(keyOf(check));
  }
  EXPECT_EQ(emitted, writtenByNagios(nagios));
  expectEachRunOnce(customRuns(out.checks), readCounter(counter));

  // Under Nagios' host names and with Nagios' states; never under the agent's own name.
  for (const auto& check : out.checks) {
    EXPECT_TRUE(check.host == "web-1" || check.host == "db-1") << check.host;
  }
  const auto* web_host = findCheck(out.checks, "web-1", "host");
  const auto* db_host = findCheck(out.checks, "db-1", "host");
  const auto* ok = findCheck(out.checks, "web-1", "dummy-ok");
  const auto* load = findCheck(out.checks, "web-1", "load");
  const auto* custom = findCheck(out.checks, "db-1", "custom-script");
  const auto* critical = findCheck(out.checks, "db-1", "dummy-critical");
  ASSERT_TRUE(web_host && db_host && ok && load && custom && critical);
  EXPECT_EQ(web_host->state, CheckState::kOk);
  EXPECT_EQ(web_host->output, "OK: host up");
  EXPECT_EQ(db_host->state, CheckState::kCritical);  // DOWN
  EXPECT_EQ(ok->state, CheckState::kOk);
  EXPECT_EQ(ok->output, "OK: all good");
  EXPECT_EQ(load->state, CheckState::kOk);
  EXPECT_EQ(critical->state, CheckState::kCritical);
  EXPECT_EQ(custom->state, CheckState::kWarning);
  const auto passive = std::find_if(out.checks.begin(), out.checks.end(), [](const auto& check) {
    return check.output == "PASSIVE WARNING";
  });
  ASSERT_NE(passive, out.checks.end());
  EXPECT_EQ(passive->host, "web-1");
  EXPECT_EQ(passive->name, "dummy-ok");
  EXPECT_EQ(passive->state, CheckState::kWarning);
  // Long output comes through Nagios' "\n" escaping whole.
  EXPECT_NE(custom->output.find("\nfirst detail\nsecond detail C:\\temp"), std::string::npos)
      << custom->output;

  // Perfdata from both lines of the script's output, and check_load's, as samples.
  std::set<std::tuple<std::string, std::string, std::string>> series;
  for (const auto& sample : out.samples) {
    series.insert({sample.host, sample.name, sample.labels.at("check")});
  }
  EXPECT_TRUE(series.count({"db-1", "queue", "custom-script"}));
  EXPECT_TRUE(series.count({"db-1", "latency", "custom-script"}));
  EXPECT_TRUE(series.count({"web-1", "load1", "load"}));
  EXPECT_TRUE(series.count({"web-1", "used", "dummy-ok"}));
}

TEST(NagiosCorePerfdataTest, DeletesRotatedFilesOnceReadWithoutLosingResults) {
  if (!NagiosCore::available()) {
    GTEST_FAIL() << "nagios4-core and monitoring-plugins-basic are not installed "
                    "(scripts/install-deps installs them)";
  }
  ScratchDir state;
  NagiosCore nagios(twoHosts());
  auto input =
      makeInput("{plugin: nagios_perfdata, files: [" + nagios.servicePerfdataPath() + ", " +
                    nagios.hostPerfdataPath() + "], spool_dir: " + nagios.spoolDir() +
                    ", delete_after_read: true, state_file: pos}",
                state.path("agent.yaml"));
  ASSERT_TRUE(nagios.waitUntilChecked("db-1", "custom-script"));

  RecordingEmitter out;
  const std::string counter = nagios.path("plugins/runs");
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline && readCounter(counter) < 4) {
    input->collect(out);
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(nagios.stop()) << "nagios4 needed SIGKILL";
  // Spool files are deleted once unchanged for the settle time (2 s).
  std::this_thread::sleep_for(2500ms);
  input->collect(out);

  expectEachRunOnce(customRuns(out.checks), readCounter(counter));
  EXPECT_TRUE(fs::is_empty(nagios.spoolDir()));
  const auto stats = dynamic_cast<plugins::nagios::PerfdataFileInput&>(*input).stats();
  EXPECT_GT(stats.deleted_files, 2u);
  EXPECT_EQ(stats.malformed_lines, 0u);
  EXPECT_EQ(stats.errors, 0u);
}

}  // namespace
}  // namespace bsm
