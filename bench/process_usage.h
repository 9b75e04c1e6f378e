#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/result.h"

namespace bsm::bench {

// What /proc tells about one process at one moment.
struct ProcessUsage {
  double cpu_seconds = 0;  // user + system time so far, all threads
  uint64_t rss_kib = 0;    // VmRSS: resident now
  uint64_t hwm_kib = 0;    // VmHWM: the highest resident size so far
  int threads = 0;
};

// Reads /proc/<pid>/stat and /proc/<pid>/status; pid 0 means this process. Fails, naming the
// file, when the process is gone or the file does not read as expected.
Result<ProcessUsage> readProcessUsage(int pid);

// CPU seconds used so far by each thread of a process, by thread id (/proc/<pid>/task). A
// server bound by one busy thread shows here as one thread near a full core.
Result<std::map<int, double>> readThreadCpu(int pid);

// The whole machine's CPU time from /proc/stat: busy and total, in seconds summed over cores.
struct MachineCpu {
  double busy_seconds = 0;
  double total_seconds = 0;
};

Result<MachineCpu> readMachineCpu();

// The pid of the one running process whose command name is `name`; fails when there is none or
// more than one (then the caller has to be told which).
Result<int> findProcessByName(const std::string& name);

}  // namespace bsm::bench
