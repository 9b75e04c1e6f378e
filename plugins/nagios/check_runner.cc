#include "plugins/nagios/check_runner.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <future>
#include <system_error>
#include <utility>
#include <vector>

#include "common/log_rate_limiter.h"
#include "common/logging.h"

namespace bsm::plugins::nagios {

namespace {

// Without pidfds the loop looks for exited plugins this often.
constexpr auto kReapTick = std::chrono::milliseconds(100);

std::shared_ptr<spdlog::logger> logger() {
  static auto log = logging::get("plugin.nagios");
  return log;
}

LogRateLimiter& skippedRoundLog() {
  static LogRateLimiter limiter(10, std::chrono::minutes(1));
  return limiter;
}

}  // namespace

CheckRunner::CheckRunner(size_t max_concurrent)
    : max_concurrent_(std::max<size_t>(1, max_concurrent)) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot create the check runner's eventfd");
  }
  // Descendants that a plugin leaves behind are reparented to the agent rather than to init
  // (which, in a container, may never reap them), so the group kill leaves no zombies.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  thread_ = std::thread([this] { loop(); });
}

CheckRunner::~CheckRunner() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake();
  thread_.join();
  ::close(wake_fd_);
}

namespace {
std::atomic<size_t> shared_limit{8};
std::atomic<CheckRunner*> shared_runner{nullptr};
std::atomic<bool> sweep_orphans{false};
constexpr auto kSweepInterval = std::chrono::seconds(5);

// The children of this process, from every thread's children list (a child belongs to the
// thread that started it, or to the process when it was adopted).
std::vector<pid_t> childrenOfThisProcess() {
  std::vector<pid_t> out;
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", error)) {
    std::ifstream children(task.path() / "children");
    for (pid_t pid; children >> pid;) {
      out.push_back(pid);
    }
  }
  return out;
}
}  // namespace

void CheckRunner::sweepOrphansInThisProcess() {
  sweep_orphans.store(true);
}

CheckRunner& CheckRunner::shared() {
  // Created on first use, so an agent without plugin checks has no runner thread at all.
  static CheckRunner runner(shared_limit.load());
  shared_runner.store(&runner);
  return runner;
}

void CheckRunner::setSharedLimit(size_t max_concurrent) {
  shared_limit.store(max_concurrent);
  if (CheckRunner* runner = shared_runner.load()) {
    runner->setMaxConcurrent(max_concurrent);
  }
}

void CheckRunner::setMaxConcurrent(size_t max_concurrent) {
  {
    std::lock_guard lock(mutex_);
    max_concurrent_ = std::max<size_t>(1, max_concurrent);
  }
  wake();
}

CheckRunner::ScheduleId CheckRunner::schedule(std::string name, PluginCommand command,
                                              std::chrono::milliseconds interval, Done done) {
  return add(std::move(name), std::move(command), std::max(interval, std::chrono::milliseconds(1)),
             std::move(done));
}

CheckRunner::ScheduleId CheckRunner::add(std::string name, PluginCommand command,
                                         std::chrono::milliseconds interval, Done done) {
  ScheduleId id;
  {
    std::lock_guard lock(mutex_);
    id = next_id_++;
    Job job;
    job.name = std::move(name);
    job.command = std::move(command);
    job.interval = interval;
    job.done = std::move(done);
    job.due = Clock::now();
    if (interval.count() == 0) {
      job.in_flight = true;  // a single run goes straight into the queue
      queue_.push_back(id);
    }
    jobs_.emplace(id, std::move(job));
  }
  wake();
  return id;
}

void CheckRunner::unschedule(ScheduleId id) {
  std::unique_lock lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) {
    return;
  }
  it->second.cancelled = true;
  auto queued = std::find(queue_.begin(), queue_.end(), id);
  if (!it->second.in_flight || queued != queue_.end()) {
    if (queued != queue_.end()) {
      queue_.erase(queued);
    }
    jobs_.erase(it);
    return;
  }
  lock.unlock();
  wake();  // the loop kills the running plugin
  lock.lock();
  idle_.wait(lock, [&] { return jobs_.count(id) == 0; });
}

PluginOutcome CheckRunner::runNow(const PluginCommand& command) {
  auto promise = std::make_shared<std::promise<PluginOutcome>>();
  std::future<PluginOutcome> future = promise->get_future();
  add(command.argv.empty() ? std::string() : command.argv[0], command, std::chrono::milliseconds(0),
      [promise](const PluginOutcome& outcome) { promise->set_value(outcome); });
  return future.get();
}

CheckRunner::Stats CheckRunner::stats() const {
  std::lock_guard lock(mutex_);
  Stats out = stats_;
  out.running = running_.size();
  out.queued = queue_.size();
  return out;
}

void CheckRunner::wake() {
  const uint64_t one = 1;
  // A full counter already means "wake up", so a failed write loses nothing.
  [[maybe_unused]] ssize_t written = ::write(wake_fd_, &one, sizeof one);
}

void CheckRunner::queueDueJobs(Clock::time_point now) {
  for (auto& [id, job] : jobs_) {
    if (job.interval.count() == 0 || job.cancelled || job.due > now) {
      continue;
    }
    // Keep to the grid of the first run rather than drifting by the run time.
    while (job.due <= now) {
      job.due += job.interval;
    }
    if (job.in_flight) {
      stats_.skipped_rounds++;
      if (uint64_t suppressed = 0; skippedRoundLog().allow(suppressed)) {
        logger()->warn(
            "check={} is still running (or waiting for a free slot) after its interval of {}; "
            "skipping this round. Lower its timeout or raise max_concurrent_checks "
            "(skipped {} similar lines)",
            job.name, formatLimit(job.interval), suppressed);
      }
      continue;
    }
    job.in_flight = true;
    queue_.push_back(id);
  }
}

void CheckRunner::startQueued(std::unique_lock<std::mutex>& lock) {
  while (!stopping_ && running_.size() < max_concurrent_ && !queue_.empty()) {
    const ScheduleId id = queue_.front();
    queue_.pop_front();
    Job& job = jobs_.at(id);
    auto spawned = PluginProcess::spawn(job.command);
    if (!spawned) {
      PluginOutcome outcome;
      outcome.state = CheckState::kUnknown;
      outcome.note = spawned.error().message;
      finish(id, outcome, lock);
      continue;
    }
    stats_.started++;
    running_.emplace(id, Running{id, std::move(spawned.value())});
  }
}

void CheckRunner::finish(ScheduleId id, const PluginOutcome& outcome,
                         std::unique_lock<std::mutex>& lock) {
  auto it = jobs_.find(id);
  if (!it->second.cancelled) {
    Done done = it->second.done;
    lock.unlock();
    try {
      done(outcome);
    } catch (const std::exception& e) {
      logger()->error("check={} could not hand over its result: {}", it->second.name, e.what());
    }
    lock.lock();
  }
  it->second.in_flight = false;
  if (it->second.cancelled || it->second.interval.count() == 0) {
    jobs_.erase(it);
    idle_.notify_all();
  }
}

void CheckRunner::sweepOrphans() {
  std::vector<pid_t> plugins;
  for (const auto& [id, run] : running_) {
    plugins.push_back(run.process->pid());
  }
  for (pid_t pid : childrenOfThisProcess()) {
    if (std::find(plugins.begin(), plugins.end(), pid) != plugins.end()) {
      continue;
    }
    std::string command;
    std::ifstream(std::filesystem::path("/proc") / std::to_string(pid) / "comm") >> command;
    ::kill(pid, SIGKILL);
    int status;
    // Dead at once after SIGKILL but for a process stuck in the kernel; that one is reaped by
    // a later sweep.
    for (int i = 0; i < 50 && ::waitpid(pid, &status, WNOHANG) == 0; ++i) {
      ::usleep(1000);
    }
    stats_.orphans_killed++;
    logger()->warn(
        "killed pid={} ({}): a plugin left it running outside its process group, where a "
        "timeout cannot reach it",
        pid, command);
  }
}

void CheckRunner::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    Clock::time_point now = Clock::now();
    if (sweep_orphans.load() && now >= next_sweep_) {
      next_sweep_ = now + kSweepInterval;
      sweepOrphans();
    }
    queueDueJobs(now);
    for (auto& [id, run] : running_) {
      if (jobs_.at(id).cancelled) {
        run.process->killGroup();
      }
    }
    startQueued(lock);
    if (stopping_) {
      break;
    }

    // Wait for output, an exit, the next deadline or the next due check, whichever is first.
    std::vector<pollfd> fds{{wake_fd_, POLLIN, 0}};
    std::vector<PluginProcess*> owners{nullptr};
    Clock::time_point deadline = Clock::time_point::max();
    for (const auto& [id, job] : jobs_) {
      if (job.interval.count() > 0 && !job.cancelled) {
        deadline = std::min(deadline, job.due);
      }
    }
    if (sweep_orphans.load() && !jobs_.empty()) {
      deadline = std::min(deadline, next_sweep_);
    }
    bool tick = false;
    for (auto& [id, run] : running_) {
      PluginProcess* process = run.process.get();
      for (int fd : {process->stdoutFd(), process->stderrFd(), process->exitFd()}) {
        if (fd >= 0) {
          fds.push_back({fd, POLLIN, 0});
          owners.push_back(process);
        }
      }
      tick = tick || process->exitFd() < 0;
      deadline = std::min(deadline, process->nextDeadline());
    }
    int timeout_ms = -1;
    if (deadline != Clock::time_point::max()) {
      const auto wait = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
      timeout_ms = static_cast<int>(std::clamp<int64_t>(wait, 0, 3'600'000));
    }
    if (tick && (timeout_ms < 0 || timeout_ms > kReapTick.count())) {
      timeout_ms = static_cast<int>(kReapTick.count());
    }
    lock.unlock();

    // Only this thread touches the running plugins, so their pipes are read without the lock.
    const int ready = ::poll(fds.data(), fds.size(), timeout_ms);
    if (ready > 0) {
      if (fds[0].revents != 0) {
        uint64_t count;
        [[maybe_unused]] ssize_t got = ::read(wake_fd_, &count, sizeof count);
      }
      for (size_t i = 1; i < fds.size(); ++i) {
        const int fd = fds[i].fd;
        if (fds[i].revents != 0 && (fd == owners[i]->stdoutFd() || fd == owners[i]->stderrFd())) {
          owners[i]->readFrom(fd);
        }
      }
    }
    now = Clock::now();
    std::vector<std::pair<ScheduleId, PluginOutcome>> finished;
    for (auto& [id, run] : running_) {
      run.process->pollExit();
      run.process->enforceLimits(now);
      if (run.process->finished(now)) {
        finished.emplace_back(id, run.process->outcome());
      }
    }

    lock.lock();
    for (auto& [id, outcome] : finished) {
      if (running_.at(id).process->timedOut()) {
        stats_.timed_out++;
      }
      running_.erase(id);
      finish(id, outcome, lock);
    }
  }

  // Stopping: every plugin still running is killed and reaped by its destructor. Waiters on a
  // single run are told why it has no result.
  running_.clear();
  for (auto& [id, job] : jobs_) {
    if (job.in_flight && !job.cancelled && job.interval.count() == 0) {
      PluginOutcome outcome;
      outcome.note = "not run: the agent is stopping";
      job.done(outcome);
    }
  }
  jobs_.clear();
  queue_.clear();
  idle_.notify_all();
}

}  // namespace bsm::plugins::nagios
