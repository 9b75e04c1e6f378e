#include "common/logging.h"

#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace bsm::logging {

namespace {

std::mutex g_mutex;
spdlog::level::level_enum g_level = spdlog::level::info;

}  // namespace

void setup(std::string_view level) {
  std::lock_guard lock(g_mutex);
  g_level = spdlog::level::from_str(std::string(level));
  spdlog::set_level(g_level);
  // Time in UTC with milliseconds, level, subsystem, message.
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ [%n] %v", spdlog::pattern_time_type::utc);
}

bool isLogLevel(std::string_view level) {
  return level == "trace" || level == "debug" || level == "info" || level == "warn" ||
         level == "error" || level == "critical" || level == "off";
}

std::shared_ptr<spdlog::logger> get(const std::string& subsystem) {
  std::lock_guard lock(g_mutex);
  if (auto existing = spdlog::get(subsystem)) {
    return existing;
  }
  auto logger = spdlog::stderr_color_mt(subsystem);
  logger->set_level(g_level);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ [%n] %v", spdlog::pattern_time_type::utc);
  return logger;
}

}  // namespace bsm::logging
