#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "plugins/nagios/plugin_command.h"
#include "plugins/nagios/plugin_process.h"

namespace bsm::plugins::nagios {

// Runs Nagios plugins for the whole agent: on their schedules, at most `max_concurrent` at a
// time, each under its time limit. One thread waits on every running plugin's pipes and exit
// at once (poll), so a hung plugin costs a process slot until its timeout and never holds up
// another check or the agent's other inputs.
//
// Due checks beyond the cap wait in arrival order. A check still running when its next round
// is due skips that round (counted) rather than piling up behind itself.
class CheckRunner {
 public:
  using Done = std::function<void(const PluginOutcome&)>;
  using ScheduleId = uint64_t;

  explicit CheckRunner(size_t max_concurrent);
  // Kills whatever still runs and reaps it.
  ~CheckRunner();
  CheckRunner(const CheckRunner&) = delete;
  CheckRunner& operator=(const CheckRunner&) = delete;

  // The agent's runner; its cap is set from the agent config before any check starts.
  static CheckRunner& shared();
  // The cap of the agent's runner, whether or not it has been created yet.
  static void setSharedLimit(size_t max_concurrent);
  // For a process in which only plugin runners start children (bsm-agent): any child that is
  // not a running plugin is a descendant a plugin left behind outside its process group (one
  // that called setsid), adopted through the subreaper, and every runner of this process kills
  // and reaps such children every few seconds. Not for processes that start children of their
  // own, such as tests.
  static void sweepOrphansInThisProcess();
  void setMaxConcurrent(size_t max_concurrent);

  // Runs `command` every `interval`, the first time at once, handing each outcome to `done`
  // on the runner's thread (keep it short: it should only emit).
  // `name` is the check's, for the log.
  ScheduleId schedule(std::string name, PluginCommand command, std::chrono::milliseconds interval,
                      Done done);
  // Stops a schedule; a run in flight is killed. When this returns `done` is not running and
  // will not be called again. Not to be called from a `done` callback.
  void unschedule(ScheduleId id);
  // One run, waited for (bsm-agent --once, tests).
  PluginOutcome runNow(const PluginCommand& command);

  struct Stats {
    uint64_t started = 0;
    uint64_t timed_out = 0;
    uint64_t skipped_rounds = 0;  // due while the previous round still ran
    uint64_t orphans_killed = 0;  // descendants left outside their plugin's process group
    uint64_t running = 0;
    uint64_t queued = 0;
  };
  Stats stats() const;

 private:
  using Clock = PluginProcess::Clock;

  struct Job {
    std::string name;
    PluginCommand command;
    std::chrono::milliseconds interval{0};  // 0: one run only
    Done done;
    Clock::time_point due;
    bool in_flight = false;  // queued or running
    bool cancelled = false;
  };
  struct Running {
    ScheduleId job;
    std::unique_ptr<PluginProcess> process;
  };

  ScheduleId add(std::string name, PluginCommand command, std::chrono::milliseconds interval,
                 Done done);
  void loop();
  void queueDueJobs(Clock::time_point now);
  void startQueued(std::unique_lock<std::mutex>& lock);
  void finish(ScheduleId id, const PluginOutcome& outcome, std::unique_lock<std::mutex>& lock);
  void sweepOrphans();
  void wake();

  mutable std::mutex mutex_;
  std::condition_variable idle_;  // a job stopped being in flight
  size_t max_concurrent_;
  std::map<ScheduleId, Job> jobs_;
  std::deque<ScheduleId> queue_;
  std::map<ScheduleId, Running> running_;  // touched by the loop thread, counted by others
  ScheduleId next_id_ = 1;
  bool stopping_ = false;
  int wake_fd_ = -1;  // eventfd: a new job, a cancel or a stop interrupts the poll
  std::thread thread_;
  Stats stats_;
  Clock::time_point next_sweep_{};
};

}  // namespace bsm::plugins::nagios
