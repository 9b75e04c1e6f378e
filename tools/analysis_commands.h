#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "tools/api_session.h"

namespace bsm::tools {

// bsmctl's questions about causes and consequences, and the model's administration:
// root-cause, impact, what-if, model reload|validate|diff. `footer` is the shared help footer.
void addAnalysisCommands(CLI::App& app, const std::shared_ptr<ApiSettings>& settings,
                         const std::string& footer, int& exit_code);

}  // namespace bsm::tools
