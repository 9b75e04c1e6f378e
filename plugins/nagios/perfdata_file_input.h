#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "common/log_rate_limiter.h"
#include "plugins/input.h"
#include "plugins/input_registry.h"
#include "plugins/nagios/file_tail.h"

namespace bsm::plugins::nagios {

// The `nagios_perfdata` input: forwards every check result a Nagios Core or Icinga 2 server on
// this host writes to its host and service perfdata files (the tab-separated KEY::value
// template, see perfdata_line.h), under the host names Nagios uses.
//
// Each complete line is one check run: a service line is the check SERVICEDESC on host
// HOSTNAME, a host line the check "host" on HOSTNAME (UP -> OK, DOWN -> CRITICAL,
// UNREACHABLE -> UNKNOWN), stamped with TIMET. Its perfdata becomes samples the way a plugin's
// does (emitCheckRun). Lines that do not parse are skipped, counted and logged with the reason.
// FileTail makes sure each line is read once across rotation and agent restarts.
class PerfdataFileInput : public Input {
 public:
  PerfdataFileInput(InputSettings settings, FileTailOptions options);

  // Options: files (list, required), spool_dir, delete_after_read (bool, needs spool_dir),
  // state_file (relative paths are taken from the config file's folder), check_interval (how
  // often Nagios runs its checks, default 5m: the series' staleness is reckoned from it).
  static InputFactory factory();

  void collect(Emitter& out) override;

  // Counts for the agent's own metrics. Safe from any thread.
  struct Stats {
    uint64_t rounds = 0;
    uint64_t check_runs = 0;       // lines forwarded
    uint64_t malformed_lines = 0;  // lines skipped because they did not parse
    uint64_t long_lines = 0;       // lines skipped for their length
    uint64_t lost_partials = 0;    // unfinished last lines of finished files, discarded
    uint64_t errors = 0;           // unreadable files or folders, unsaved positions
    uint64_t deleted_files = 0;    // spool files removed after reading
  };
  Stats stats() const;

 private:
  void handleLine(std::string_view text, const std::string& path, Emitter& out);

  FileTail tail_;
  LogRateLimiter malformed_log_;

  std::atomic<uint64_t> rounds_{0};
  std::atomic<uint64_t> check_runs_{0};
  std::atomic<uint64_t> malformed_lines_{0};
  std::atomic<uint64_t> long_lines_{0};
  std::atomic<uint64_t> lost_partials_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<uint64_t> deleted_files_{0};
};

// Where an input keeps its read positions when the config names no state_file.
std::string defaultPerfdataStateFile(const std::string& input_name);

}  // namespace bsm::plugins::nagios
