// bsmctl: administers a bsm deployment (PKI) and asks a bsm-server questions over its API.
#include <CLI/CLI.hpp>

#include "tools/api_commands.h"
#include "tools/pki_commands.h"

int main(int argc, char** argv) {
  CLI::App app{"bsmctl: administer bsm and ask a bsm-server about business services"};
  app.require_subcommand(1);
  int exit_code = 0;
  bsm::tools::addPkiCommands(app, exit_code);
  bsm::tools::addApiCommands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version end here with 0; a usage mistake exits 2, as usage errors do.
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}
