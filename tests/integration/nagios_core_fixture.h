#pragma once

// A real Nagios Core 4 (Debian's nagios4-core) running in a scratch folder for one test, as
// ../shared/PEERS.md ("Peer fixtures 2", Nagios Core 4.4.6) describes: foreground, as root with
// nagios_user=root, one-second interval_length, every check due at start, host and service
// perfdata written in the PNP4Nagios-style KEY::value template and rotated into a spool folder
// by Nagios' own processing commands. Tests add their hosts, services and commands as object
// text; the fixture brings the time period, contact and commands Nagios insists on.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace bsm::testing {

struct NagiosCoreOptions {
  // Object definitions (hosts, services, commands) appended to the fixture's own objects.
  std::string objects;
  // Lines appended to nagios.cfg; a later setting overrides the fixture's.
  std::string main_config;
  // Plugin scripts (name -> text) written executable into the scratch folder before Nagios
  // starts; command lines reach them as $USER2$/<name>.
  std::map<std::string, std::string> scripts;
  // Seconds between runs of the perfdata processing commands, which move the perfdata files
  // into spool_dir as <name>.<TIMET>; 0 leaves the files where Nagios writes them.
  int perfdata_rotation_seconds = 2;
};

class NagiosCore {
 public:
  static constexpr const char* kBinary = "/usr/sbin/nagios4";
  static constexpr const char* kPluginDir = "/usr/lib/nagios/plugins";

  // Whether nagios4-core and monitoring-plugins-basic are installed; tests fail without them.
  static bool available() {
    return ::access(kBinary, X_OK) == 0 &&
           ::access((std::string(kPluginDir) + "/check_dummy").c_str(), X_OK) == 0;
  }

  // A host whose check is `check_command` (e.g. "check_dummy!0!host up"), checked every
  // `interval` seconds.
  static std::string host(const std::string& name, const std::string& check_command,
                          int interval = 2) {
    return "define host {\n"
           "  host_name " +
           name +
           "\n"
           "  alias " +
           name +
           "\n"
           "  address 127.0.0.1\n"
           "  check_command " +
           check_command +
           "\n"
           "  check_period 24x7\n"
           "  check_interval " +
           std::to_string(interval) +
           "\n"
           "  retry_interval " +
           std::to_string(interval) +
           "\n"
           "  max_check_attempts 1\n"
           "  contacts nobody\n"
           "  notification_period 24x7\n"
           "  active_checks_enabled 1\n"
           "  process_perf_data 1\n"
           "}\n";
  }

  // A service `description` on `host_name`, checked every `interval` seconds.
  static std::string service(const std::string& host_name, const std::string& description,
                             const std::string& check_command, int interval = 2) {
    return "define service {\n"
           "  host_name " +
           host_name +
           "\n"
           "  service_description " +
           description +
           "\n"
           "  check_command " +
           check_command +
           "\n"
           "  check_period 24x7\n"
           "  check_interval " +
           std::to_string(interval) +
           "\n"
           "  retry_interval " +
           std::to_string(interval) +
           "\n"
           "  max_check_attempts 1\n"
           "  contacts nobody\n"
           "  notification_period 24x7\n"
           "  process_perf_data 1\n"
           "}\n";
  }

  // A command named `name` running `command_line` ($USER1$ is monitoring-plugins' folder,
  // $USER2$ the folder of `scripts`).
  static std::string command(const std::string& name, const std::string& command_line) {
    return "define command {\n  command_name " + name + "\n  command_line " + command_line +
           "\n}\n";
  }

  // Writes the configuration, has Nagios verify it (-v) and starts it. Throws with Nagios' own
  // words when either fails.
  explicit NagiosCore(NagiosCoreOptions options) : options_(std::move(options)) {
    std::string pattern = (std::filesystem::temp_directory_path() / "bsm-nagios-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    dir_ = pattern;
    for (const char* sub :
         {"etc", "var/rw", "var/spool/checkresults", "var/perfspool", "var/archives", "plugins"}) {
      std::filesystem::create_directories(dir_ / sub);
    }
    writeConfig();

    const int verified = run({kBinary, "-v", configPath()}, path("verify.out"));
    if (verified != 0) {
      const std::string text = read(path("verify.out"));
      cleanUp();
      throw std::runtime_error("nagios4 -v rejected the configuration:\n" + text);
    }
    start();
  }

  ~NagiosCore() {
    stop();
    cleanUp();
  }
  NagiosCore(const NagiosCore&) = delete;
  NagiosCore& operator=(const NagiosCore&) = delete;

  // A file or folder in the scratch folder, e.g. path("plugins/check_x.sh").
  std::string path(const std::string& relative) const { return (dir_ / relative).string(); }
  std::string configPath() const { return path("etc/nagios.cfg"); }
  std::string statusPath() const { return path("var/status.dat"); }
  std::string logPath() const { return path("var/nagios.log"); }
  std::string commandFile() const { return path("var/rw/nagios.cmd"); }
  std::string servicePerfdataPath() const { return path("var/service-perfdata"); }
  std::string hostPerfdataPath() const { return path("var/host-perfdata"); }
  std::string spoolDir() const { return path("var/perfspool"); }
  pid_t pid() const { return pid_; }

  // The fields of one status.dat block ("hoststatus" with `service` empty, else
  // "servicestatus"), or nothing when status.dat has no such block yet.
  std::optional<std::map<std::string, std::string>> status(const std::string& host_name,
                                                           const std::string& service = "") const {
    std::istringstream text(read(statusPath()));
    const std::string kind = service.empty() ? "hoststatus {" : "servicestatus {";
    std::string line;
    std::map<std::string, std::string> block;
    bool inside = false;
    while (std::getline(text, line)) {
      if (!inside) {
        inside = line == kind;
        block.clear();
        continue;
      }
      if (line.find('}') != std::string::npos && line.find('=') == std::string::npos) {
        inside = false;
        if (block["host_name"] == host_name &&
            (service.empty() || block["service_description"] == service)) {
          return block;
        }
        continue;
      }
      const size_t start = line.find_first_not_of('\t');
      const size_t equals = line.find('=');
      if (start != std::string::npos && equals != std::string::npos && equals > start) {
        block[line.substr(start, equals - start)] = line.substr(equals + 1);
      }
    }
    return std::nullopt;
  }

  // Waits until status.dat shows the check as run (has_been_checked=1).
  bool waitUntilChecked(const std::string& host_name, const std::string& service = "",
                        std::chrono::milliseconds timeout = std::chrono::seconds(15)) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto block = status(host_name, service);
      if (block && (*block)["has_been_checked"] == "1") {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // Writes one external command (e.g. "PROCESS_SERVICE_CHECK_RESULT;web-1;disk;2;DISK
  // CRITICAL|used=97%") to Nagios' command FIFO, stamped with the current time. Fails rather
  // than blocking when Nagios does not have the FIFO open.
  bool sendCommand(const std::string& command) const {
    const int fd = ::open(commandFile().c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      return false;
    }
    const std::string line = "[" + std::to_string(::time(nullptr)) + "] " + command + "\n";
    const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::close(fd);
    return written;
  }

  // SIGTERM and reap (Nagios stops its workers itself, in about 1.3 s); SIGKILL to its process
  // group if it is still there after 15 s. Returns false when it had to be killed.
  bool stop() {
    if (pid_ <= 0) {
      return true;
    }
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 1500; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = 0;
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = 0;
    return false;
  }

  static std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  void writeConfig() {
    const std::string var = path("var");
    std::ofstream(path("etc/resource.cfg"))
        << "$USER1$=" << kPluginDir << "\n$USER2$=" << path("plugins") << "\n";
    for (const auto& [name, text] : options_.scripts) {
      const std::string script = path("plugins/" + name);
      std::ofstream(script) << text;
      ::chmod(script.c_str(), 0755);
    }

    std::ofstream main(configPath());
    main << "log_file=" << var << "/nagios.log\n"
         << "cfg_file=" << path("etc/objects.cfg") << "\n"
         << "resource_file=" << path("etc/resource.cfg") << "\n"
         << "object_cache_file=" << var << "/objects.cache\n"
         << "precached_object_file=" << var << "/objects.precache\n"
         << "status_file=" << var << "/status.dat\n"
         << "temp_file=" << var << "/nagios.tmp\n"
         << "temp_path=" << var << "\n"
         << "lock_file=" << var << "/nagios.pid\n"
         << "check_result_path=" << var << "/spool/checkresults\n"
         << "command_file=" << var << "/rw/nagios.cmd\n"
         << "query_socket=" << var << "/rw/nagios.qh\n"
         << "log_archive_path=" << var << "/archives\n"
         << "debug_file=" << var << "/nagios.debug\n"
         << "state_retention_file=" << var << "/retention.dat\n"
         << "host_perfdata_file=" << hostPerfdataPath() << "\n"
         << "service_perfdata_file=" << servicePerfdataPath() << "\n";
    // The templates as PNP4Nagios documents them; Nagios turns the literal "\t" into a TAB.
    main << "host_perfdata_file_template=DATATYPE::HOSTPERFDATA\\tTIMET::$TIMET$\\t"
            "HOSTNAME::$HOSTNAME$\\tHOSTPERFDATA::$HOSTPERFDATA$\\t"
            "HOSTCHECKCOMMAND::$HOSTCHECKCOMMAND$\\tHOSTSTATE::$HOSTSTATE$\\t"
            "HOSTSTATETYPE::$HOSTSTATETYPE$\\tHOSTOUTPUT::$HOSTOUTPUT$\n"
         << "service_perfdata_file_template=DATATYPE::SERVICEPERFDATA\\tTIMET::$TIMET$\\t"
            "HOSTNAME::$HOSTNAME$\\tSERVICEDESC::$SERVICEDESC$\\t"
            "SERVICEPERFDATA::$SERVICEPERFDATA$\\tSERVICECHECKCOMMAND::$SERVICECHECKCOMMAND$\\t"
            "HOSTSTATE::$HOSTSTATE$\\tHOSTSTATETYPE::$HOSTSTATETYPE$\\t"
            "SERVICESTATE::$SERVICESTATE$\\tSERVICESTATETYPE::$SERVICESTATETYPE$\\t"
            "SERVICEOUTPUT::$SERVICEOUTPUT$\\tLONGSERVICEOUTPUT::$LONGSERVICEOUTPUT$\n";
    main << "status_update_interval=1\n"
            "check_result_reaper_frequency=1\n"
            "check_external_commands=1\n"
            "log_rotation_method=n\n"
            "debug_level=0\n"
            "debug_verbosity=1\n"
            "retain_state_information=0\n"
            "use_retained_program_state=0\n"
            "use_retained_scheduling_info=0\n"
            "nagios_user=root\n"
            "nagios_group=root\n"
            "use_syslog=0\n"
            "log_passive_checks=1\n"
            "enable_notifications=0\n"
            "enable_event_handlers=0\n"
            "execute_service_checks=1\n"
            "execute_host_checks=1\n"
            "accept_passive_service_checks=1\n"
            "accept_passive_host_checks=1\n"
            "interval_length=1\n"
            "service_inter_check_delay_method=n\n"
            "host_inter_check_delay_method=n\n"
            "max_service_check_spread=1\n"
            "max_host_check_spread=1\n"
            "service_interleave_factor=1\n"
            "check_service_freshness=0\n"
            "check_host_freshness=0\n"
            "enable_flap_detection=0\n"
            "check_for_updates=0\n"
            "bare_update_check=0\n"
            "process_performance_data=1\n"
            "host_perfdata_file_mode=a\n"
            "service_perfdata_file_mode=a\n"
            "illegal_macro_output_chars=`~$&|'\"<>\n"
            // With the default horizon of 15 s most scheduled host checks are skipped as
            // "checked within its cache horizon" (PEERS.md).
            "cached_host_check_horizon=0\n"
            "cached_service_check_horizon=0\n";
    if (options_.perfdata_rotation_seconds > 0) {
      const std::string every = std::to_string(options_.perfdata_rotation_seconds);
      main << "host_perfdata_file_processing_interval=" << every << "\n"
           << "service_perfdata_file_processing_interval=" << every << "\n"
           << "host_perfdata_file_processing_command=process-host-perfdata-file\n"
           << "service_perfdata_file_processing_command=process-service-perfdata-file\n";
    }
    main << options_.main_config;

    std::ofstream objects(path("etc/objects.cfg"));
    objects << "define timeperiod {\n  timeperiod_name 24x7\n  alias always\n";
    for (const char* day :
         {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}) {
      objects << "  " << day << " 00:00-24:00\n";
    }
    objects << "}\n"
            // Nagios refuses to start without a contact (PEERS.md); this one is never told.
            << command("notify-none", "/bin/true")
            << "define contact {\n"
               "  contact_name nobody\n"
               "  alias nobody\n"
               "  host_notifications_enabled 0\n"
               "  service_notifications_enabled 0\n"
               "  host_notification_period 24x7\n"
               "  service_notification_period 24x7\n"
               "  host_notification_options n\n"
               "  service_notification_options n\n"
               "  host_notification_commands notify-none\n"
               "  service_notification_commands notify-none\n"
               "}\n"
            << command("check_dummy", "$USER1$/check_dummy $ARG1$ \"$ARG2$\"")
            << command("process-service-perfdata-file", "/bin/mv " + servicePerfdataPath() + " " +
                                                            spoolDir() +
                                                            "/service-perfdata.$TIMET$")
            << command("process-host-perfdata-file", "/bin/mv " + hostPerfdataPath() + " " +
                                                         spoolDir() + "/host-perfdata.$TIMET$")
            << options_.objects;
  }

  void start() {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string out = path("nagios.out");
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    // Its own process group, so that a last-resort SIGKILL reaches its workers too.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    const std::string config = configPath();
    char* argv[] = {const_cast<char*>(kBinary), const_cast<char*>(config.c_str()), nullptr};
    const int error = posix_spawn(&pid_, kBinary, &actions, &attributes, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (error != 0) {
      pid_ = 0;
      cleanUp();
      throw std::runtime_error("cannot start nagios4");
    }
  }

  // Runs a short command to its end; returns its exit status.
  static int run(const std::vector<std::string>& args, const std::string& output) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> argv;
    for (const auto& arg : args) {
      argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    pid_t child = 0;
    const int error = posix_spawn(&child, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) {
      return -1;
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  void cleanUp() {
    if (!dir_.empty() && !::getenv("BSM_KEEP_NAGIOS_DIR")) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  NagiosCoreOptions options_;
  std::filesystem::path dir_;
  pid_t pid_ = 0;
};

}  // namespace bsm::testing
