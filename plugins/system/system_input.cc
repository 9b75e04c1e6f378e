#include "plugins/system/system_input.h"

#include <algorithm>

#include "common/logging.h"
#include "plugins/system/metric_writer.h"

namespace bsm::plugins::system {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds kBaselinePause{500};
// Below this, a few counter increments divided by a sliver of time make wild rates.
constexpr milliseconds kShortestPause{10};

std::shared_ptr<spdlog::logger> logger() {
  static const auto log = logging::get("plugin.system");
  return log;
}

std::vector<std::string> readGlobs(const ConfigFile& file, const YAML::Node& options,
                                   const std::string& key) {
  const YAML::Node node = options[key];
  if (!node || node.IsNull()) {
    return {};
  }
  file.requireSequence(node, "'" + key + "'");
  std::vector<std::string> globs;
  for (const auto& item : node) {
    std::string glob = file.asString(item, "an entry of '" + key + "'");
    if (glob.empty()) {
      file.fail(item, "an entry of '" + key + "' must not be empty");
    }
    globs.push_back(std::move(glob));
  }
  return globs;
}

}  // namespace

SystemInput::SystemInput(InputSettings settings, SystemOptions options, SystemHooks hooks)
    : Input(std::move(settings)),
      options_(std::move(options)),
      clock_(hooks.clock ? std::move(hooks.clock) : InputClock::real()),
      cpu_(options_.proc_root),
      memory_(options_.proc_root),
      host_(options_.proc_root),
      filesystems_(options_.proc_root, options_.mounts, std::move(hooks.statvfs)),
      disks_(options_.proc_root, options_.sys_root),
      interfaces_(options_.proc_root, options_.include_loopback) {}

InputFactory SystemInput::factory() {
  return [](const InputSettings& settings, const ConfigFile& file, const YAML::Node& options) {
    file.requireMap(options, "the system input");
    file.rejectUnknownKeys(options,
                           {"plugin", "name", "interval", "timeout", "exclude_mounts",
                            "exclude_fstypes", "include_loopback"},
                           "input '" + settings.name + "' (plugin system)");
    SystemOptions parsed;
    parsed.mounts.exclude_mounts = readGlobs(file, options, "exclude_mounts");
    parsed.mounts.exclude_fstypes = readGlobs(file, options, "exclude_fstypes");
    parsed.include_loopback = file.getBool(options, "include_loopback", false);
    return std::make_unique<SystemInput>(settings, std::move(parsed));
  };
}

SystemInput::Stats SystemInput::stats() const {
  return Stats{rounds_.load(), failed_reads_.load(), skipped_lines_.load(), skipped_mounts_.load()};
}

template <typename T>
std::optional<T> SystemInput::take(const std::string& source, Result<T> result) {
  if (!result) {
    ++failed_reads_;
    // A missing file stays missing: warn when the outage starts, not every round.
    if (failing_.insert(source).second) {
      logger()->warn("input={} source={} cannot be read, its metrics are skipped: {}",
                     settings().name, source, result.error().message);
    } else {
      logger()->debug("input={} source={} still cannot be read: {}", settings().name, source,
                      result.error().message);
    }
    return std::nullopt;
  }
  if (failing_.erase(source) != 0) {
    logger()->info("input={} source={} can be read again", settings().name, source);
  }
  return std::move(result).value();
}

void SystemInput::noteSkipped(const std::string& source, size_t lines) {
  if (lines == 0) {
    return;
  }
  skipped_lines_ += lines;
  logger()->debug("input={} source={} skipped {} lines that did not parse or were too long",
                  settings().name, source, lines);
}

SystemInput::Reading SystemInput::readCounters() {
  Reading reading;
  reading.at = clock_->now();
  reading.stat = take("stat", cpu_.read());
  reading.disks = take("diskstats", disks_.read());
  reading.interfaces = take("net/dev", interfaces_.read());
  if (reading.stat) {
    noteSkipped("stat", reading.stat->skipped_lines);
  }
  if (reading.disks) {
    noteSkipped("diskstats", reading.disks->skipped_lines);
  }
  if (reading.interfaces) {
    noteSkipped("net/dev", reading.interfaces->skipped_lines);
  }
  return reading;
}

void SystemInput::collect(Emitter& out) {
  const milliseconds timeout = settings().timeout;
  Reading current = readCounters();
  if (!previous_) {
    previous_ = std::move(current);
    clock_->sleepFor(std::clamp(timeout / 4, kShortestPause, kBaselinePause));
    current = readCounters();
  }
  const Reading& before = *previous_;
  const double seconds = std::chrono::duration<double>(current.at - before.at).count();
  MetricWriter writer(out, settings().host, clock_->wallMs());

  if (current.stat) {
    std::optional<CpuUsage> usage;
    if (before.stat && before.stat->all && current.stat->all) {
      usage = cpuUsage(*before.stat->all, *current.stat->all);
    }
    writer.cpu(usage, current.stat->online_cpus);
  }
  if (current.disks && before.disks) {
    writer.disks(*before.disks, *current.disks, seconds);
  }
  if (current.interfaces && before.interfaces) {
    writer.interfaces(*before.interfaces, *current.interfaces, seconds);
  }

  const auto load = take("loadavg", host_.readLoad());
  if (load) {
    writer.load(*load);
  }
  if (auto memory = take("meminfo", memory_.read())) {
    noteSkipped("meminfo", memory->skipped_lines);
    writer.memory(*memory);
  }
  // Half the timeout for statvfs leaves the rest of the round its time even when a mount hangs.
  const milliseconds fs_timeout = std::clamp(timeout / 2, milliseconds(50), milliseconds(5000));
  if (auto filesystems = take("mounts", filesystems_.read(fs_timeout))) {
    noteSkipped("mounts", filesystems->skipped_lines);
    skipped_mounts_ += filesystems->skipped_mounts;
    writer.filesystems(filesystems->filesystems);
  }

  // Processes, not threads; the task count of loadavg (which counts threads) is a fallback.
  std::optional<uint64_t> processes = take("processes", host_.countProcesses());
  if (!processes && load) {
    processes = load->tasks;
  }
  writer.processes(processes, current.stat ? current.stat->procs_running : std::nullopt,
                   current.stat ? current.stat->procs_blocked : std::nullopt);
  if (auto uptime = take("uptime", host_.readUptime())) {
    writer.uptime(*uptime);
  }

  previous_ = std::move(current);
  ++rounds_;
  logger()->trace("input={} round={} samples={}", settings().name, rounds_.load(),
                  writer.written());
}

}  // namespace bsm::plugins::system
