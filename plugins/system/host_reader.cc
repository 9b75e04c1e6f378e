#include "plugins/system/host_reader.h"

#include <dirent.h>

#include <cerrno>
#include <cstring>

#include "plugins/system/proc_file.h"

namespace bsm::plugins::system {

namespace {

constexpr size_t kSmallFileBytes = 256;
constexpr uint64_t kMaxPids = 4'194'304;  // PID_MAX_LIMIT on 64-bit kernels

std::string_view trimNewline(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  return text;
}

bool allDigits(const char* name) {
  if (*name == '\0') {
    return false;
  }
  for (; *name != '\0'; ++name) {
    if (*name < '0' || *name > '9') {
      return false;
    }
  }
  return true;
}

}  // namespace

HostReader::HostReader(std::string proc_root) : proc_root_(std::move(proc_root)) {}

Result<LoadAverage> HostReader::readLoad() const {
  const std::string path = proc_root_ + "/loadavg";
  auto text = readSmallFile(path, kSmallFileBytes);
  if (!text) {
    return text.error();
  }
  const std::string_view line = trimNewline(*text);
  const auto fields = splitFields(line);
  const auto bad = [&] { return Error{path + ": cannot parse '" + std::string(line) + "'"}; };
  if (fields.size() < 4) {
    return bad();
  }

  LoadAverage load;
  const auto l1 = parseDecimal(fields[0]);
  const auto l5 = parseDecimal(fields[1]);
  const auto l15 = parseDecimal(fields[2]);
  const size_t slash = fields[3].find('/');
  const auto tasks =
      slash == std::string_view::npos ? std::nullopt : parseUnsigned(fields[3].substr(slash + 1));
  if (!l1 || !l5 || !l15 || !tasks) {
    return bad();
  }
  load.load1 = *l1;
  load.load5 = *l5;
  load.load15 = *l15;
  load.tasks = *tasks;
  return load;
}

Result<double> HostReader::readUptime() const {
  const std::string path = proc_root_ + "/uptime";
  auto text = readSmallFile(path, kSmallFileBytes);
  if (!text) {
    return text.error();
  }
  const auto fields = splitFields(trimNewline(*text));
  const auto uptime = fields.empty() ? std::nullopt : parseDecimal(fields[0]);
  if (!uptime || *uptime < 0) {
    return Error{path + ": cannot parse '" + std::string(trimNewline(*text)) + "'"};
  }
  return *uptime;
}

// TODO: with procfs mounted hidepid=1 or 2, an unprivileged agent sees only its own process
// directories and this count is far too low; the mount options in /proc/mounts would tell us
// to prefer the loadavg task total there.
Result<uint64_t> HostReader::countProcesses() const {
  DIR* dir = ::opendir(proc_root_.c_str());
  if (dir == nullptr) {
    return Error{"cannot list " + proc_root_ + ": " + std::strerror(errno)};
  }
  uint64_t count = 0;
  uint64_t seen = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (++seen > 2 * kMaxPids) {
      break;
    }
    const bool maybe_dir = entry->d_type == DT_DIR || entry->d_type == DT_UNKNOWN;
    if (maybe_dir && allDigits(entry->d_name)) {
      ++count;
    }
  }
  ::closedir(dir);
  // Even in a PID namespace, procfs shows at least the reading process: an empty listing
  // means the root is not a procfs, and the caller's fallback is better than a zero.
  if (count == 0) {
    return Error{"no process directories under " + proc_root_};
  }
  return count;
}

}  // namespace bsm::plugins::system
