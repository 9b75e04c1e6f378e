#include "plugins/nagios/plugin_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace bsm::plugins::nagios {

namespace {

// After the plugin exits, how long its pipes may stay open. Only a descendant that moved to a
// process group of its own can hold them past the group kill, and it is not waited for.
constexpr auto kDrainLimit = std::chrono::milliseconds(500);
constexpr size_t kMaxStderrBytes = 4096;
// How long killed members of the group may take to die before the check is reported anyway.
constexpr auto kGroupReapLimit = std::chrono::seconds(5);

std::string errnoText(int error) {
  return std::strerror(error);
}

// Owns the pieces posix_spawn needs so that every exit path releases them.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attributes{};
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

struct Pipe {
  int read = -1;
  int write = -1;
  ~Pipe() {
    if (read >= 0)
      ::close(read);
    if (write >= 0)
      ::close(write);
  }
};

// Standard input for a process that is given data: an anonymous in-memory file, written in full
// before the spawn and rewound, so the child reads it at its own pace and sees end of file.
struct InputFile {
  int fd = -1;
  ~InputFile() {
    if (fd >= 0)
      ::close(fd);
  }
  bool fill(const std::string& data) {
    fd = ::memfd_create("bsm-stdin", MFD_CLOEXEC);
    if (fd < 0) {
      return false;
    }
    size_t written = 0;
    while (written < data.size()) {
      const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return false;
      }
      written += static_cast<size_t>(n);
    }
    return ::lseek(fd, 0, SEEK_SET) == 0;
  }
};

bool openPipe(Pipe& pipe) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return false;
  }
  pipe.read = fds[0];
  pipe.write = fds[1];
  // The poll loop reads whatever is there and moves on; a read must never block it.
  ::fcntl(pipe.read, F_SETFL, ::fcntl(pipe.read, F_GETFL) | O_NONBLOCK);
  return true;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) {
    out.push_back(s.data());
  }
  out.push_back(nullptr);
  return out;
}

std::string firstLine(const std::string& text) {
  const size_t end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

std::string byteCount(size_t bytes) {
  if (bytes % 1024 == 0 && bytes >= 1024) {
    return std::to_string(bytes / 1024) + " KiB";
  }
  return std::to_string(bytes) + " bytes";
}

void appendNote(std::string& note, const std::string& more) {
  note += note.empty() ? more : "; " + more;
}

}  // namespace

Result<std::unique_ptr<PluginProcess>> PluginProcess::spawn(const PluginCommand& command) {
  if (command.argv.empty() || command.argv[0].empty()) {
    return Error{"no command to run"};
  }
  std::vector<std::string> environment = pluginEnvironment(command.env);
  const std::string program = resolveExecutable(command.argv[0], environment);
  if (program.empty()) {
    return Error{"cannot run " + command.argv[0] + ": not found in the plugin PATH"};
  }

  Pipe out, err;
  if (!openPipe(out) || !openPipe(err)) {
    return Error{"cannot run " + program + ": no pipe for its output: " + errnoText(errno)};
  }

  SpawnSetup setup;
  InputFile input;
  if (command.stdin_data.empty()) {
    posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  } else {
    if (!input.fill(command.stdin_data)) {
      return Error{"cannot run " + program + ": no file for its input: " + errnoText(errno)};
    }
    posix_spawn_file_actions_adddup2(&setup.actions, input.fd, STDIN_FILENO);
  }
  posix_spawn_file_actions_adddup2(&setup.actions, out.write, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, err.write, STDERR_FILENO);
  // The agent's sockets and files are none of the plugin's business, whatever their flags.
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, STDERR_FILENO + 1);

  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  // The agent blocks its stop signals in every thread and may ignore SIGPIPE; the plugin must
  // start with the defaults, or TERM on timeout would not stop it.
  posix_spawnattr_setsigmask(&setup.attributes, &empty);
  posix_spawnattr_setsigdefault(&setup.attributes, &all);
  posix_spawnattr_setpgroup(&setup.attributes, 0);
  posix_spawnattr_setflags(&setup.attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> argv = command.argv;
  std::vector<char*> argv_pointers = pointers(argv);
  std::vector<char*> env_pointers = pointers(environment);
  pid_t pid = -1;
  const int error = ::posix_spawn(&pid, program.c_str(), &setup.actions, &setup.attributes,
                                  argv_pointers.data(), env_pointers.data());
  if (error != 0) {
    return Error{"cannot run " + program + ": " + errnoText(error)};
  }
  // Only the plugin writes to the pipes; with our ends closed, end of file means it (and
  // everything it started) is done with them.
  ::close(out.write);
  out.write = -1;
  ::close(err.write);
  err.write = -1;
  std::unique_ptr<PluginProcess> process(new PluginProcess(command, pid, out.read, err.read));
  out.read = -1;
  err.read = -1;
  return process;
}

PluginProcess::PluginProcess(const PluginCommand& command, pid_t pid, int stdout_fd, int stderr_fd)
    : command_(command),
      pid_(pid),
      stdout_fd_(stdout_fd),
      stderr_fd_(stderr_fd),
      started_(Clock::now()),
      timeout_at_(started_ + command.timeout) {
  // Where the kernel has no pidfds (before Linux 5.3) the runner polls waitpid on a tick.
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  pid_fd_ = fd >= 0 ? static_cast<int>(fd) : -1;
  if (pid_fd_ >= 0) {
    ::fcntl(pid_fd_, F_SETFD, FD_CLOEXEC);
  }
}

PluginProcess::~PluginProcess() {
  if (!exited_) {
    killGroup();
    // After SIGKILL the wait is short; it keeps the plugin from becoming a zombie.
    while (::waitpid(pid_, &wait_status_, 0) < 0 && errno == EINTR) {
    }
    exited_ = true;
  }
  if (exited_ && !group_reaped_) {
    ::kill(-pid_, SIGKILL);
    reapGroup(true);
  }
  closeFd(pid_fd_);
  closeFd(stdout_fd_);
  closeFd(stderr_fd_);
}

void PluginProcess::closeFd(int& fd) {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

void PluginProcess::readFrom(int fd) {
  char buffer[65536];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) {
      return;
    }
  }
  if (n <= 0) {
    closeFd(fd == stdout_fd_ ? stdout_fd_ : stderr_fd_);
    return;
  }
  const size_t got = static_cast<size_t>(n);
  if (fd == stdout_fd_) {
    stdout_total_ += got;
    if (stdout_.size() < command_.max_output_bytes) {
      stdout_.append(buffer, std::min(got, command_.max_output_bytes - stdout_.size()));
    }
  } else if (stderr_.size() < kMaxStderrBytes) {
    stderr_.append(buffer, std::min(got, kMaxStderrBytes - stderr_.size()));
  }
}

void PluginProcess::pollExit() {
  if (!exited_) {
    pid_t reaped;
    do {
      reaped = ::waitpid(pid_, &wait_status_, WNOHANG);
    } while (reaped < 0 && errno == EINTR);
    if (reaped != pid_) {
      return;
    }
    exited_ = true;
    exited_at_ = Clock::now();
    closeFd(pid_fd_);
    // Grandchildren the plugin left behind (a forked helper, a stuck pipeline stage) go with
    // it.
    ::kill(-pid_, SIGKILL);
  }
  if (!group_reaped_) {
    reapGroup(false);
  }
}

void PluginProcess::reapGroup(bool wait) {
  // waitpid(-pgid) reaps only the agent's children in that group, never another part's.
  while (true) {
    int status;
    const pid_t reaped = ::waitpid(-pid_, &status, wait ? 0 : WNOHANG);
    if (reaped > 0 || (reaped < 0 && errno == EINTR)) {
      continue;
    }
    if (reaped < 0) {
      group_reaped_ = true;  // ECHILD: none left
    }
    return;
  }
}

void PluginProcess::enforceLimits(Clock::time_point now) {
  if (exited_) {
    return;
  }
  if (!term_sent_at_ && now >= timeout_at_) {
    ::kill(-pid_, SIGTERM);
    term_sent_at_ = now;
  }
  if (term_sent_at_ && !kill_sent_ && now >= *term_sent_at_ + command_.kill_grace) {
    ::kill(-pid_, SIGKILL);
    kill_sent_ = true;
  }
}

void PluginProcess::killGroup() {
  ::kill(-pid_, SIGKILL);
  kill_sent_ = true;
}

PluginProcess::Clock::time_point PluginProcess::nextDeadline() const {
  if (exited_) {
    return group_reaped_ ? exited_at_ + kDrainLimit : exited_at_ + kGroupReapLimit;
  }
  if (!term_sent_at_) {
    return timeout_at_;
  }
  if (!kill_sent_) {
    return *term_sent_at_ + command_.kill_grace;
  }
  return Clock::time_point::max();
}

bool PluginProcess::finished(Clock::time_point now) const {
  if (!exited_) {
    return false;
  }
  if (!group_reaped_ && now < exited_at_ + kGroupReapLimit) {
    return false;
  }
  return (stdout_fd_ < 0 && stderr_fd_ < 0) || now >= exited_at_ + kDrainLimit;
}

PluginOutcome PluginProcess::outcome() const {
  PluginOutcome result;
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(exited_at_ - started_);
  if (term_sent_at_) {
    result.state = CheckState::kUnknown;
    result.note = "timed out after " + formatLimit(command_.timeout);
    if (kill_sent_) {
      result.note += ", killed after ignoring TERM for " + formatLimit(command_.kill_grace);
    }
  } else if (WIFEXITED(wait_status_)) {
    const int code = WEXITSTATUS(wait_status_);
    if (code >= 0 && code <= 3) {
      result.state = static_cast<CheckState>(code);
    } else {
      result.state = CheckState::kUnknown;
      result.note = "exit status " + std::to_string(code) + " is not a plugin state (0-3)";
      if (code == 126) {
        result.note += ": the command was found but could not be executed";
      } else if (code == 127) {
        result.note += ": the shell found no such command";
      }
    }
  } else if (WIFSIGNALED(wait_status_)) {
    const int signal = WTERMSIG(wait_status_);
    result.state = CheckState::kUnknown;
    result.note = "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  }

  if (stdout_total_ > stdout_.size()) {
    appendNote(result.note, "output cut to its first " + byteCount(stdout_.size()) + " of " +
                                std::to_string(stdout_total_) + " bytes");
  }

  if (!stdout_.empty()) {
    result.output = stdout_;
  } else if (!stderr_.empty()) {
    // What Nagios Core 4 shows in this case, so the plugin's complaint is not lost.
    result.output = "(No output on stdout) stderr: " + firstLine(stderr_);
  } else if (result.note.empty()) {
    result.output = "(No output returned from plugin)";
  }  // else the note (timeout, signal) says all there is
  return result;
}

}  // namespace bsm::plugins::nagios
