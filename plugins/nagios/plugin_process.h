#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "common/check_state.h"
#include "common/result.h"
#include "plugins/nagios/plugin_command.h"

namespace bsm::plugins::nagios {

// How one plugin run ended, in the terms a check result needs.
struct PluginOutcome {
  CheckState state = CheckState::kUnknown;
  std::string output;  // the plugin's standard output (bounded), or what stands in for it
  std::string note;    // bsm's remark: timeout, bad exit status, signal, output cut short
  std::chrono::milliseconds duration{0};
};

// One running plugin, from spawn to reaping, driven by CheckRunner's poll loop on one thread.
//
// The plugin runs in a process group of its own with standard input from /dev/null (or the
// command's stdin_data), so that a timeout can stop it together with everything it started. It is
// spawned with posix_spawn (vfork semantics: nothing of the agent's heap is copied, and the agent's
// other threads are never left half-forked), with signal dispositions and mask reset and every
// descriptor above standard error closed.
class PluginProcess {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts the plugin; the error says why it could not start (no such file, not executable).
  static Result<std::unique_ptr<PluginProcess>> spawn(const PluginCommand& command);
  ~PluginProcess();
  PluginProcess(const PluginProcess&) = delete;
  PluginProcess& operator=(const PluginProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Descriptors to poll for reading, -1 once closed. exitFd() is a pidfd that turns readable
  // when the plugin exits, or -1 where the kernel has none (then pollExit() must be called
  // on a short tick).
  int stdoutFd() const { return stdout_fd_; }
  int stderrFd() const { return stderr_fd_; }
  int exitFd() const { return exited_ ? -1 : pid_fd_; }

  // Reads what is waiting on `fd` (one of the two pipes); closes it at end of file.
  void readFrom(int fd);
  // Reaps the plugin if it has exited. When it has, whatever it left running in its process
  // group is killed, so no grandchild outlives its check, and reaped as it dies (the runner
  // makes the agent a child subreaper, so orphans of the group come back to it).
  void pollExit();
  // Acts on the time limits: TERM to the group at the timeout, KILL after the grace period.
  void enforceLimits(Clock::time_point now);
  // Kills the whole group at once (the agent is stopping or the check was removed).
  void killGroup();

  // The next moment enforceLimits() or the output drain has work to do.
  Clock::time_point nextDeadline() const;
  // True when the plugin has been reaped and its pipes are drained (or stopped being waited
  // for: a descendant that left the process group may hold them open).
  bool finished(Clock::time_point now) const;
  PluginOutcome outcome() const;
  bool timedOut() const { return term_sent_at_.has_value(); }

 private:
  PluginProcess(const PluginCommand& command, pid_t pid, int stdout_fd, int stderr_fd);
  void closeFd(int& fd);
  void reapGroup(bool wait);

  PluginCommand command_;
  pid_t pid_;
  int pid_fd_ = -1;
  int stdout_fd_;
  int stderr_fd_;
  Clock::time_point started_;
  Clock::time_point timeout_at_;
  std::optional<Clock::time_point> term_sent_at_;
  bool kill_sent_ = false;
  bool exited_ = false;
  bool group_reaped_ = false;  // no process of the group is left among the agent's children
  int wait_status_ = 0;
  Clock::time_point exited_at_{};
  std::string stdout_;
  size_t stdout_total_ = 0;
  std::string stderr_;
};

}  // namespace bsm::plugins::nagios
