#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/host_port.h"
#include "plugins/input.h"

namespace bsm::agent {

struct ServerEndpoint {
  std::string address;  // as written, "host:port"
  HostPort host_port;
  std::string ca;
  std::string cert;
  std::string key;
};

// bsm-agent's configuration file (see docs/configuration.md).
struct AgentConfig {
  std::string path;
  std::string id;                        // defaults to the host name
  std::optional<ServerEndpoint> server;  // absent: nothing is sent
  std::chrono::milliseconds interval{10'000};
  // A batch is sent when it holds this many values or when its oldest value is this old.
  size_t batch_max_values = 5000;
  std::chrono::milliseconds batch_max_delay{1000};
  // Unacknowledged batches kept in memory while the server is unreachable; the oldest are
  // dropped first, and counted, when this fills.
  size_t queue_max_batches = 10'000;
  std::string log_level = "info";
  // Plugin checks (nagios inputs) running at once; more wait their turn.
  size_t max_concurrent_checks = 8;
  std::vector<std::unique_ptr<plugins::Input>> inputs;

  // Reads and validates the file and builds every input; throws ConfigError naming file and
  // line.
  static AgentConfig load(const std::string& path);
};

// This machine's host name, the default agent id.
std::string localHostName();

}  // namespace bsm::agent
