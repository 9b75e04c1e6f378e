#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace bsm::logging {

// Sets the level of every logger ("trace", "debug", "info", "warn", "error") and the line
// format. Call once at start-up, before any logger is used from more than one thread.
void setup(std::string_view level);

// True for the level names setup() takes; configuration loaders check with it, because spdlog
// would silently turn a misspelt level into "off".
bool isLogLevel(std::string_view level);

// The logger of one subsystem ("stream", "ingest", "rules", "plugin.system"...), created on
// first use. Safe from any thread.
std::shared_ptr<spdlog::logger> get(const std::string& subsystem);

}  // namespace bsm::logging
