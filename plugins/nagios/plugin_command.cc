#include "plugins/nagios/plugin_command.h"

#include <unistd.h>

#include <string_view>

namespace bsm::plugins::nagios {

namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace

std::vector<std::string> pluginEnvironment(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> merged = {{"PATH", kDefaultPath}, {"LC_ALL", "C"}};
  for (const auto& [key, value] : extra) {
    merged[key] = value;
  }
  std::vector<std::string> out;
  out.reserve(merged.size());
  for (const auto& [key, value] : merged) {
    out.push_back(key + "=" + value);
  }
  return out;
}

std::string resolveExecutable(const std::string& program,
                              const std::vector<std::string>& environment) {
  if (program.empty()) {
    return {};
  }
  if (program.find('/') != std::string::npos) {
    return program;
  }
  std::string_view path;
  for (const auto& entry : environment) {
    if (std::string_view(entry).starts_with("PATH=")) {
      path = std::string_view(entry).substr(5);
    }
  }
  while (!path.empty()) {
    const size_t colon = path.find(':');
    std::string_view dir = path.substr(0, colon);
    path = colon == std::string_view::npos ? std::string_view() : path.substr(colon + 1);
    if (dir.empty()) {
      continue;  // an empty PATH entry would mean the agent's working directory: never wanted
    }
    std::string candidate = std::string(dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return {};
}

}  // namespace bsm::plugins::nagios
