#pragma once

#include <CLI/CLI.hpp>

namespace bsm::tools {

// Adds the commands that ask a server over its HTTP API ("services", "status", "agents"),
// with --server/--token (or BSM_SERVER/BSM_TOKEN) and --json. A failing command sets
// `exit_code`.
void addApiCommands(CLI::App& app, int& exit_code);

}  // namespace bsm::tools
