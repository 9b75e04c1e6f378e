#include "tools/pki_commands.h"

namespace bsm::tools {

void addPkiCommands(CLI::App& app, int& exit_code) {
  (void)app;
  (void)exit_code;
}

}  // namespace bsm::tools
