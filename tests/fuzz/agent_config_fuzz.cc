// libFuzzer target: an agent configuration file, through the YAML layer and every built-in
// input's option parsing.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "agent/agent_config.h"
#include "common/config_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/bsm-agent-config-fuzz-" + std::to_string(getpid());
  std::ofstream(path, std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  try {
    bsm::agent::AgentConfig::load(path);
  } catch (const bsm::ConfigError&) {
  }
  return 0;
}
