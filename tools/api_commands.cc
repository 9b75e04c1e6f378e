#include "tools/api_commands.h"

namespace bsm::tools {

void addApiCommands(CLI::App& app, int& exit_code) {
  (void)app;
  (void)exit_code;
}

}  // namespace bsm::tools
