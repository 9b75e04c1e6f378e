#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace bsm::plugins::system {

// /proc/loadavg: "0.25 0.25 0.12 1/94 4447".
struct LoadAverage {
  double load1 = 0;
  double load5 = 0;
  double load15 = 0;
  uint64_t tasks = 0;  // every scheduling entity, threads included
};

// Host-wide figures that each come from one short file or directory: load, uptime and the
// number of processes.
class HostReader {
 public:
  explicit HostReader(std::string proc_root);

  Result<LoadAverage> readLoad() const;
  // Seconds since boot, from the first field of <proc_root>/uptime.
  Result<double> readUptime() const;
  // Processes (not threads): the numeric directories of <proc_root>; fails when there are
  // none. Stops counting at Linux's largest possible pid_max, so a bogus root cannot keep it
  // busy.
  Result<uint64_t> countProcesses() const;

 private:
  std::string proc_root_;
};

}  // namespace bsm::plugins::system
