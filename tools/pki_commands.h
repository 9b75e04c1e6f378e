#pragma once

#include <CLI/CLI.hpp>

namespace bsm::tools {

// Adds "bsmctl pki new-ca" and "bsmctl pki issue". A failing command sets `exit_code`.
void addPkiCommands(CLI::App& app, int& exit_code);

}  // namespace bsm::tools
