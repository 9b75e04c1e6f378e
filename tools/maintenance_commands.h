#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "tools/api_session.h"

namespace bsm::tools {

// bsmctl maintenance list|add|remove: planned work on hosts, checks and services.
void addMaintenanceCommands(CLI::App& app, const std::shared_ptr<ApiSettings>& settings,
                            const std::string& footer, int& exit_code);

// bsmctl ack: acknowledge a known problem, or take the acknowledgement back.
void addAcknowledgementCommand(CLI::App& app, const std::shared_ptr<ApiSettings>& settings,
                               const std::string& footer, int& exit_code);

}  // namespace bsm::tools
