#include "plugins/nagios/check_runner.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace bsm::plugins::nagios {
namespace {

using namespace std::chrono_literals;

PluginCommand shell(const std::string& script, std::chrono::milliseconds timeout = 10s) {
  PluginCommand command;
  command.argv = {"/bin/sh", "-c", script};
  command.timeout = timeout;
  command.kill_grace = 300ms;
  return command;
}

// A scratch folder for scripts and the pid files they write.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "bsm-runner-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::vector<pid_t> readPids(const std::string& path) {
  std::ifstream in(path);
  std::vector<pid_t> pids;
  for (pid_t pid; in >> pid;) {
    pids.push_back(pid);
  }
  return pids;
}

// True while `pid` exists in any form, a zombie included.
bool processExists(pid_t pid) {
  return std::filesystem::exists("/proc/" + std::to_string(pid));
}

void waitForFile(const std::string& path, size_t lines) {
  for (int i = 0; i < 200 && readPids(path).size() < lines; ++i) {
    std::this_thread::sleep_for(10ms);
  }
}

TEST(CheckRunnerTest, ExitCodesZeroToThreeAreTheState) {
  CheckRunner runner(4);
  for (int code = 0; code <= 3; ++code) {
    const PluginOutcome outcome = runner.runNow(
        shell("echo 'STATE " + std::to_string(code) + "'; exit " + std::to_string(code)));
    EXPECT_EQ(static_cast<int>(outcome.state), code);
    EXPECT_EQ(outcome.output, "STATE " + std::to_string(code) + "\n");
    EXPECT_EQ(outcome.note, "");
  }
}

// Case nagios-4 of the shared cases: 255 and 13 are not states, and the output stays visible.
TEST(CheckRunnerTest, OtherExitCodesAreUnknownWithTheOutputKept) {
  CheckRunner runner(4);
  PluginOutcome outcome = runner.runNow(
      shell("echo 'connect to address 192.0.2.10 port 5666: Connection refused'; exit 255"));
  EXPECT_EQ(outcome.state, CheckState::kUnknown);
  EXPECT_EQ(outcome.output, "connect to address 192.0.2.10 port 5666: Connection refused\n");
  EXPECT_EQ(outcome.note, "exit status 255 is not a plugin state (0-3)");

  outcome = runner.runNow(shell("echo 'OK - traffic normal'; exit 13"));
  EXPECT_EQ(outcome.state, CheckState::kUnknown);
  EXPECT_EQ(outcome.note, "exit status 13 is not a plugin state (0-3)");
}

TEST(CheckRunnerTest, StandardInputIsTheGivenDataOrEmpty) {
  CheckRunner runner(4);
  PluginCommand command = shell("wc -c");
  // More than a pipe holds, so a writer that had to keep pace would deadlock here.
  command.stdin_data = std::string(200 * 1024, 'x');
  PluginOutcome outcome = runner.runNow(command);
  EXPECT_EQ(outcome.state, CheckState::kOk);
  EXPECT_EQ(outcome.output, "204800\n");

  command = shell("cat");
  command.stdin_data = "{\"service\": \"shop\"}\n";
  EXPECT_EQ(runner.runNow(command).output, command.stdin_data);

  EXPECT_EQ(runner.runNow(shell("wc -c")).output, "0\n");
}

TEST(CheckRunnerTest, ASignalIsUnknownAndNamed) {
  CheckRunner runner(4);
  const PluginOutcome outcome = runner.runNow(shell("echo partial; kill -SEGV $$"));
  EXPECT_EQ(outcome.state, CheckState::kUnknown);
  EXPECT_EQ(outcome.output, "partial\n");
  EXPECT_EQ(outcome.note, "killed by signal 11 (Segmentation fault)");
}

TEST(CheckRunnerTest, APluginThatCannotStartIsUnknownWithTheReason) {
  CheckRunner runner(4);
  PluginCommand command;
  command.argv = {"/usr/lib/nagios/plugins/check_does_not_exist", "-w", "1"};
  PluginOutcome outcome = runner.runNow(command);
  EXPECT_EQ(outcome.state, CheckState::kUnknown);
  EXPECT_EQ(outcome.note,
            "cannot run /usr/lib/nagios/plugins/check_does_not_exist: No such file or directory");

  ScratchDir dir;
  const std::string script = dir.file("not-executable.sh");
  std::ofstream(script) << "#!/bin/sh\necho OK\n";
  command.argv = {script};
  outcome = runner.runNow(command);
  EXPECT_EQ(outcome.state, CheckState::kUnknown);
  EXPECT_EQ(outcome.note, "cannot run " + script + ": Permission denied");

  command.argv = {"check_nothing_by_this_name"};
  outcome = runner.runNow(command);
  EXPECT_EQ(outcome.note, "cannot run check_nothing_by_this_name: not found in the plugin PATH");
}

TEST(CheckRunnerTest, APlainNameIsLookedUpInThePluginPath) {
  CheckRunner runner(4);
  PluginCommand command;
  command.argv = {"echo", "OK - found"};
  const PluginOutcome outcome = runner.runNow(command);
  EXPECT_EQ(outcome.state, CheckState::kOk);
  EXPECT_EQ(outcome.output, "OK - found\n");
}

TEST(CheckRunnerTest, APluginThatSleepsForeverTimesOutAndIsGone) {
  ScratchDir dir;
  CheckRunner runner(4);
  const std::string pids = dir.file("pids");
  const PluginOutcome outcome =
      runner.runNow(shell("echo $$ > " + pids + "; exec sleep 1000", 300ms));
  EXPECT_EQ(outcome.state, CheckState::kUnknown);
  EXPECT_EQ(outcome.note, "timed out after 300 ms");
  ASSERT_EQ(readPids(pids).size(), 1u);
  EXPECT_FALSE(processExists(readPids(pids)[0]));
}

TEST(CheckRunnerTest, AChildThatIgnoresTermIsKilledWithItsWholeGroup) {
  ScratchDir dir;
  CheckRunner runner(4);
  const std::string pids = dir.file("pids");
  // The plugin starts a child that ignores TERM, and itself ignores it too.
  const std::string script = "trap '' TERM; (trap '' TERM; echo $(exec sh -c 'echo $PPID') >> " +
                             pids + "; while :; do sleep 1; done) & echo $$ >> " + pids +
                             "; echo 'OK - waiting'; while :; do sleep 1; done";
  const PluginOutcome outcome = runner.runNow(shell(script, 300ms));
  EXPECT_EQ(outcome.state, CheckState::kUnknown);
  EXPECT_EQ(outcome.note, "timed out after 300 ms, killed after ignoring TERM for 300 ms");
  EXPECT_EQ(outcome.output, "OK - waiting\n");
  const std::vector<pid_t> started = readPids(pids);
  ASSERT_EQ(started.size(), 2u);
  for (pid_t pid : started) {
    EXPECT_FALSE(processExists(pid)) << "process " << pid << " outlived its check";
  }
}

TEST(CheckRunnerTest, AGrandchildLeftRunningAfterANormalExitIsKilledAndReaped) {
  ScratchDir dir;
  CheckRunner runner(4);
  const std::string pids = dir.file("pids");
  // The background sleep keeps stdout open; closing it lets the plugin's exit end the run.
  const PluginOutcome outcome =
      runner.runNow(shell("sleep 1000 >/dev/null 2>&1 & echo $! > " + pids + "; echo OK"));
  EXPECT_EQ(outcome.state, CheckState::kOk);
  const std::vector<pid_t> started = readPids(pids);
  ASSERT_EQ(started.size(), 1u);
  EXPECT_FALSE(processExists(started[0])) << "the grandchild was left behind (or a zombie)";
}

TEST(CheckRunnerTest, OutputIsCutAtItsLimitAndTheRestDrained) {
  CheckRunner runner(4);
  // 10 MB: far more than the pipe holds, so the plugin would block if the rest were not read.
  const PluginOutcome outcome =
      runner.runNow(shell("head -c 10485760 /dev/zero | tr '\\0' x; exit 1"));
  EXPECT_EQ(outcome.state, CheckState::kWarning);
  EXPECT_EQ(outcome.output.size(), 64u * 1024);
  EXPECT_EQ(outcome.note, "output cut to its first 64 KiB of 10485760 bytes");
}

TEST(CheckRunnerTest, StandardErrorStandsInWhenStandardOutputIsEmpty) {
  CheckRunner runner(4);
  PluginOutcome outcome = runner.runNow(shell("echo 'cannot read /proc/x' >&2; exit 3"));
  EXPECT_EQ(outcome.state, CheckState::kUnknown);
  EXPECT_EQ(outcome.output, "(No output on stdout) stderr: cannot read /proc/x");
  outcome = runner.runNow(shell("exit 0"));
  EXPECT_EQ(outcome.output, "(No output returned from plugin)");
}

TEST(CheckRunnerTest, PluginsGetACleanEnvironmentAndNoInput) {
  ::setenv("BSM_TEST_AGENT_SECRET", "do-not-leak", 1);
  CheckRunner runner(4);
  PluginCommand command = shell("env | sort; cat");
  command.env = {{"ORACLE_HOME", "/opt/oracle"}};
  const PluginOutcome outcome = runner.runNow(command);
  ::unsetenv("BSM_TEST_AGENT_SECRET");
  EXPECT_EQ(outcome.state, CheckState::kOk);
  EXPECT_EQ(outcome.output.find("BSM_TEST_AGENT_SECRET"), std::string::npos) << outcome.output;
  EXPECT_NE(outcome.output.find("LC_ALL=C\n"), std::string::npos) << outcome.output;
  EXPECT_NE(outcome.output.find("ORACLE_HOME=/opt/oracle\n"), std::string::npos);
  EXPECT_NE(outcome.output.find("PATH=/usr/local/sbin:"), std::string::npos);
}

TEST(CheckRunnerTest, AHungPluginDoesNotHoldUpOtherChecks) {
  ScratchDir dir;
  CheckRunner runner(2);
  const std::string started = dir.file("started");
  std::atomic<bool> slow_done{false};
  auto id = runner.schedule("hung", shell("echo 1 > " + started + "; exec sleep 1000", 60s), 1h,
                            [&](const PluginOutcome&) { slow_done = true; });
  waitForFile(started, 1);
  const PluginOutcome quick = runner.runNow(shell("echo 'OK - quick'"));
  EXPECT_EQ(quick.output, "OK - quick\n");
  EXPECT_FALSE(slow_done.load());
  EXPECT_EQ(runner.stats().running, 1u);
  runner.unschedule(id);  // kills it
  EXPECT_EQ(runner.stats().running, 0u);
  EXPECT_FALSE(slow_done.load()) << "a removed check must not report";
}

TEST(CheckRunnerTest, ConcurrencyIsCapped) {
  ScratchDir dir;
  const std::string lock = dir.file("lock");
  // Each run holds a directory as a lock for a moment; a second run at the same time fails.
  const std::string script = "mkdir " + lock +
                             " 2>/dev/null || { echo 'CRITICAL - overlap'; exit 2; }; sleep 0.2; "
                             "rmdir " +
                             lock + "; echo OK";
  for (size_t cap : {1u, 3u}) {
    CheckRunner runner(cap);
    std::vector<std::thread> threads;
    std::atomic<int> overlaps{0};
    for (int i = 0; i < 3; ++i) {
      threads.emplace_back([&] {
        if (runner.runNow(shell(script)).state != CheckState::kOk) {
          overlaps++;
        }
      });
    }
    for (auto& thread : threads) {
      thread.join();
    }
    if (cap == 1) {
      EXPECT_EQ(overlaps.load(), 0) << "runs overlapped although the cap is 1";
    } else {
      EXPECT_GT(overlaps.load(), 0) << "with room for three, the runs should overlap";
    }
    std::filesystem::remove(lock);
  }
}

TEST(CheckRunnerTest, ARoundDueWhileTheLastStillRunsIsSkipped) {
  CheckRunner runner(4);
  std::atomic<int> results{0};
  auto id = runner.schedule("slow", shell("sleep 0.35; echo OK"), 100ms,
                            [&](const PluginOutcome& outcome) {
                              EXPECT_EQ(outcome.state, CheckState::kOk);
                              results++;
                            });
  for (int i = 0; i < 300 && results.load() < 2; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  runner.unschedule(id);
  EXPECT_GE(results.load(), 2);
  EXPECT_GE(runner.stats().skipped_rounds, 2u);
}

TEST(CheckRunnerTest, FormatsLimitsForPeople) {
  EXPECT_EQ(formatLimit(10s), "10 s");
  EXPECT_EQ(formatLimit(2500ms), "2.5 s");
  EXPECT_EQ(formatLimit(1050ms), "1.05 s");
  EXPECT_EQ(formatLimit(300ms), "300 ms");
}

}  // namespace
}  // namespace bsm::plugins::nagios
