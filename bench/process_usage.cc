#include "bench/process_usage.h"

#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

namespace bsm::bench {

namespace {

std::string procPath(int pid, const char* file) {
  return (pid == 0 ? std::string("/proc/self/") : "/proc/" + std::to_string(pid) + "/") + file;
}

Result<std::string> readWhole(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Error{"cannot read " + path + " (has the process exited?)"};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The "NAME:   1234 kB" line of /proc/PID/status, in KiB.
std::optional<uint64_t> statusField(const std::string& status, const std::string& name) {
  std::istringstream lines(status);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + ":", 0) != 0) {
      continue;
    }
    std::istringstream fields(line.substr(name.size() + 1));
    uint64_t value = 0;
    if (fields >> value) {
      return value;
    }
  }
  return std::nullopt;
}

// CPU seconds and thread count from a /proc/.../stat file (of a process or of one thread).
struct StatFields {
  double cpu_seconds = 0;
  int threads = 0;
};

Result<StatFields> readStat(const std::string& stat_path) {
  auto stat = readWhole(stat_path);
  if (!stat) {
    return stat.error();
  }
  // The command name sits in parentheses and may itself hold spaces or ')', so the fields are
  // counted from the last ')'. After it come field 3 (state) onwards, as in proc(5).
  const size_t close = stat->rfind(')');
  if (close == std::string::npos) {
    return Error{stat_path + ": no ')' after the command name"};
  }
  std::istringstream rest(stat->substr(close + 1));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) {
    fields.push_back(field);
  }
  constexpr size_t kUtime = 14 - 3;
  constexpr size_t kStime = 15 - 3;
  constexpr size_t kThreads = 20 - 3;
  if (fields.size() <= kThreads) {
    return Error{stat_path + ": " + std::to_string(fields.size() + 2) +
                 " fields, expected at least 20"};
  }
  StatFields out;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  try {
    out.cpu_seconds =
        static_cast<double>(std::stoull(fields[kUtime]) + std::stoull(fields[kStime])) / ticks;
    out.threads = std::stoi(fields[kThreads]);
  } catch (const std::exception&) {
    return Error{stat_path + ": utime, stime or num_threads is not a number"};
  }
  return out;
}

}  // namespace

Result<ProcessUsage> readProcessUsage(int pid) {
  auto stat = readStat(procPath(pid, "stat"));
  if (!stat) {
    return stat.error();
  }
  ProcessUsage usage;
  usage.cpu_seconds = stat->cpu_seconds;
  usage.threads = stat->threads;

  const std::string status_path = procPath(pid, "status");
  auto status = readWhole(status_path);
  if (!status) {
    return status.error();
  }
  const auto rss = statusField(*status, "VmRSS");
  const auto hwm = statusField(*status, "VmHWM");
  if (!rss || !hwm) {
    return Error{status_path + ": no VmRSS or VmHWM line (a kernel thread or a zombie?)"};
  }
  usage.rss_kib = *rss;
  usage.hwm_kib = *hwm;
  return usage;
}

Result<std::map<int, double>> readThreadCpu(int pid) {
  const std::string task_dir = procPath(pid, "task");
  std::map<int, double> out;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(task_dir, error)) {
    const std::string tid = entry.path().filename().string();
    if (tid.empty() || !std::isdigit(static_cast<unsigned char>(tid[0]))) {
      continue;
    }
    // A thread may end between listing and reading; it then simply is not counted.
    if (auto stat = readStat(entry.path().string() + "/stat")) {
      out[std::stoi(tid)] = stat->cpu_seconds;
    }
  }
  if (error) {
    return Error{"cannot list " + task_dir + ": " + error.message()};
  }
  return out;
}

Result<MachineCpu> readMachineCpu() {
  auto stat = readWhole("/proc/stat");
  if (!stat) {
    return stat.error();
  }
  std::istringstream line(stat->substr(0, stat->find('\n')));
  std::string label;
  line >> label;
  if (label != "cpu") {
    return Error{"/proc/stat: the first line is not the 'cpu' total"};
  }
  // user nice system idle iowait irq softirq steal; guest time is already inside user.
  uint64_t values[8] = {};
  for (uint64_t& value : values) {
    if (!(line >> value)) {
      return Error{"/proc/stat: fewer than 8 numbers on the 'cpu' line"};
    }
  }
  uint64_t total = 0;
  for (const uint64_t value : values) {
    total += value;
  }
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  MachineCpu cpu;
  cpu.total_seconds = static_cast<double>(total) / ticks;
  cpu.busy_seconds = static_cast<double>(total - values[3] - values[4]) / ticks;
  return cpu;
}

Result<int> findProcessByName(const std::string& name) {
  std::vector<int> found;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string pid = entry.path().filename().string();
    if (pid.empty() || !std::isdigit(static_cast<unsigned char>(pid[0]))) {
      continue;
    }
    auto comm = readWhole(entry.path().string() + "/comm");
    // comm is cut to 15 characters by the kernel; the names we look for are shorter.
    if (comm && comm->substr(0, comm->find('\n')) == name) {
      found.push_back(std::stoi(pid));
    }
  }
  if (error) {
    return Error{"cannot list /proc: " + error.message()};
  }
  if (found.empty()) {
    return Error{"no running process is named " + name};
  }
  if (found.size() > 1) {
    std::string pids;
    for (const int pid : found) {
      pids += (pids.empty() ? "" : ", ") + std::to_string(pid);
    }
    return Error{std::to_string(found.size()) + " processes are named " + name + " (" + pids +
                 "); say which with --server-pid"};
  }
  return found.front();
}

}  // namespace bsm::bench
