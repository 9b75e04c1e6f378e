#pragma once

// Debian's real Zabbix 6.0 programs as test peers (../shared/PEERS.md, "zabbix"): zabbix_agentd
// and zabbix_agent2 in the foreground on loopback, passive or active, each in a scratch folder
// and a process group of its own that the fixture kills and reaps; and zabbix_sender run to
// completion under a deadline.

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace bsm::testing {

inline constexpr const char* kZabbixAgentd = "/usr/sbin/zabbix_agentd";
inline constexpr const char* kZabbixAgent2 = "/usr/sbin/zabbix_agent2";
inline constexpr const char* kZabbixSender = "/usr/bin/zabbix_sender";

// A temporary folder, removed with everything in it when the object goes.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix) {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
    // zabbix_agentd runs as user zabbix and must reach what is in here.
    std::filesystem::permissions(
        path_, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                   std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                   std::filesystem::perms::others_exec);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::string readWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline bool loopbackAccepts(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return connected;
}

// Zabbix agents take a ListenPort only from 1024 to 32767, which is below Linux's ephemeral
// range (32768-60999), so the kernel cannot pick one with port 0: random ports of the agents'
// range are tried until one binds on loopback.
inline uint16_t freeAgentPort() {
  static std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> pick(20000, 32767);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const auto port = static_cast<uint16_t>(pick(random));
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    ::close(fd);
    if (bound) {
      return port;
    }
  }
  return 0;
}

// Starts `argv` in a process group of its own with stdout and stderr appended to `log`.
inline pid_t spawnInOwnGroup(const std::vector<std::string>& argv, const std::string& log) {
  std::vector<char*> args;
  for (const auto& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  pid_t pid = -1;
  const int error = ::posix_spawn(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  return error == 0 ? pid : -1;
}

// Ends the process group led by `pid` (SIGTERM, SIGKILL after two seconds) and reaps its leader.
inline void stopGroup(pid_t pid) {
  using namespace std::chrono_literals;
  if (pid <= 0) {
    return;
  }
  ::kill(-pid, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) {
      return;
    }
    std::this_thread::sleep_for(20ms);
  }
  ::kill(-pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

struct ProgramRun {
  int exit_code = -1;  // -1 when it did not exit by itself
  bool timed_out = false;
  std::string output;  // stdout and stderr together
};

// Runs a program to its end, or kills it (with its group) when `limit` passes.
inline ProgramRun runProgram(const std::vector<std::string>& argv, const ScratchDir& scratch,
                             std::chrono::milliseconds limit) {
  using namespace std::chrono_literals;
  static int counter = 0;
  const std::string log = scratch.file("run-" + std::to_string(counter++) + ".out");
  ProgramRun run;
  const pid_t pid = spawnInOwnGroup(argv, log);
  if (pid <= 0) {
    run.output = "cannot start " + argv.front();
    return run;
  }
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      run.timed_out = true;
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  if (!run.timed_out && WIFEXITED(status)) {
    run.exit_code = WEXITSTATUS(status);
  }
  run.output = readWholeFile(log);
  return run;
}

enum class ZabbixAgentKind { kAgentd, kAgent2 };

struct ZabbixAgentOptions {
  ZabbixAgentKind kind = ZabbixAgentKind::kAgentd;
  std::string hostname = "bsm-zabbix-agent";
  // Listen for passive checks on a free loopback port.
  bool passive = true;
  // Who may ask for passive checks (Server=).
  std::string server = "127.0.0.1";
  // The trapper port to ask for active checks and send their values to; 0 for none.
  uint16_t server_active = 0;
  // Scripts (name -> text) written executable into the agent's folder before it starts;
  // `config` reaches them through the placeholder @DIR@.
  std::map<std::string, std::string> scripts;
  // Lines appended to the agent's configuration.
  std::string config;
};

// One zabbix_agentd or zabbix_agent2 in the foreground. zabbix_agentd started as root switches
// to user zabbix, so its folder belongs to zabbix and it logs to the console (our log file,
// opened before the switch); zabbix_agent2 stays root and needs a control socket path it can
// create.
class ZabbixAgent {
 public:
  explicit ZabbixAgent(ZabbixAgentOptions options)
      : options_(std::move(options)), dir_("bsm-zabbix-agent") {
    if (const passwd* zabbix = ::getpwnam("zabbix"); zabbix != nullptr) {
      [[maybe_unused]] const int ignored = ::chown(dir_.path().c_str(), zabbix->pw_uid, -1);
    }
    for (const auto& [name, text] : options_.scripts) {
      std::ofstream(dir_.file(name)) << text;
      std::filesystem::permissions(dir_.file(name), std::filesystem::perms::owner_all |
                                                        std::filesystem::perms::group_read |
                                                        std::filesystem::perms::group_exec |
                                                        std::filesystem::perms::others_read |
                                                        std::filesystem::perms::others_exec);
    }
    start();
  }
  ~ZabbixAgent() { stopGroup(pid_); }
  ZabbixAgent(const ZabbixAgent&) = delete;
  ZabbixAgent& operator=(const ZabbixAgent&) = delete;

  bool running() const { return pid_ > 0; }
  uint16_t port() const { return port_; }
  const std::string& hostname() const { return options_.hostname; }
  std::string log() const { return readWholeFile(dir_.file("agent.log")); }

 private:
  bool agentd() const { return options_.kind == ZabbixAgentKind::kAgentd; }

  std::string config() const {
    std::string text = "PidFile=" + dir_.file("agent.pid") +
                       "\n"
                       "LogType=console\n"
                       "Hostname=" +
                       options_.hostname +
                       "\n"
                       // Short, so that a request the agent waits on ends quickly.
                       "Timeout=3\n";
    if (options_.passive) {
      text += "Server=" + options_.server +
              "\nListenIP=127.0.0.1\nListenPort=" + std::to_string(port_) + "\n";
      if (agentd()) {
        text += "StartAgents=2\n";
      }
    } else {
      // No Server= and, for agentd, no listeners: the agent opens no port at all.
      text += agentd() ? "Server=\nStartAgents=0\n" : "Server=\n";
    }
    if (options_.server_active != 0) {
      // 60 s is the least 6.0 takes; the first request goes out at start-up anyway. BufferSend=1
      // sends each second's values within a second.
      text += "ServerActive=127.0.0.1:" + std::to_string(options_.server_active) +
              "\n"
              "RefreshActiveChecks=60\n"
              "BufferSend=1\n";
    } else {
      text += "ServerActive=\n";
    }
    if (!agentd()) {
      text += "ControlSocket=" + dir_.file("agent.sock") + "\n";
    }
    std::string extra = options_.config;
    for (size_t at = extra.find("@DIR@"); at != std::string::npos; at = extra.find("@DIR@")) {
      extra.replace(at, 5, dir_.path().string());
    }
    return text + extra;
  }

  // A port found free may be taken before the agent binds it; an agent that exits at once is
  // started again on another port.
  void start() {
    for (int attempt = 0; attempt < 3 && pid_ <= 0; ++attempt) {
      port_ = options_.passive ? freeAgentPort() : 0;
      const std::string path = dir_.file("agent.conf");
      std::ofstream(path) << config();
      std::filesystem::permissions(
          path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                    std::filesystem::perms::group_read | std::filesystem::perms::others_read);
      std::vector<std::string> argv;
      if (agentd()) {
        argv = {kZabbixAgentd, "-f", "-c", path};
      } else {
        argv = {kZabbixAgent2, "-c", path};
      }
      pid_ = spawnInOwnGroup(argv, dir_.file("agent.log"));
      if (pid_ > 0 && !waitUntilReady()) {
        stopGroup(pid_);
        pid_ = -1;
      }
    }
  }

  bool waitUntilReady() {
    using namespace std::chrono_literals;
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;  // reaped: nothing left to stop
        return false;
      }
      // An active-only agent has no port to wait for; it is ready once it has not failed on
      // its configuration.
      if (options_.passive ? loopbackAccepts(port_) : i >= 4) {
        return true;
      }
      std::this_thread::sleep_for(25ms);
    }
    return false;
  }

  ZabbixAgentOptions options_;
  ScratchDir dir_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

}  // namespace bsm::testing
