#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "common/duration.h"

namespace bsm::plugins::nagios {

// How to run one Nagios plugin: what to execute and the limits it runs under.
struct PluginCommand {
  // The argument vector; argv[0] is a path, or a name looked up in the PATH below. With
  // `shell` set it is {"/bin/sh", "-c", <the configured text>}.
  std::vector<std::string> argv;
  // Set on top of the clean environment every plugin gets (PATH and LC_ALL=C, so that numbers
  // print with a decimal point whatever the host's locale).
  std::map<std::string, std::string> env;
  std::chrono::milliseconds timeout{10'000};
  // After TERM on timeout, how long the process group has before KILL.
  std::chrono::milliseconds kill_grace{2'000};
  // Standard output kept; the rest is read and discarded so the plugin never blocks on a pipe.
  size_t max_output_bytes = 64 * 1024;
  // What the process reads on standard input; empty: /dev/null. Handed over in an in-memory
  // file rather than a pipe, so no writer has to keep pace with the process.
  std::string stdin_data;
};

// The environment a plugin starts with: the fixed base, then `extra` on top.
std::vector<std::string> pluginEnvironment(const std::map<std::string, std::string>& extra);

// Where argv[0] is: itself when it holds a '/', otherwise the first executable file of that
// name in the PATH of `environment`. Empty when there is none.
std::string resolveExecutable(const std::string& program,
                              const std::vector<std::string>& environment);

}  // namespace bsm::plugins::nagios
