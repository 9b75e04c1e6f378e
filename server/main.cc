// bsm-server: receives agents' streams, keeps every business service's state current and
// answers questions about it over HTTP.
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "common/config_file.h"
#include "common/logging.h"
#include "common/stop_signals.h"
#include "common/version.h"
#include "server/server_app.h"
#include "server/service_model.h"

int main(int argc, char** argv) {
  CLI::App app{"bsm-server: maps agents' metrics and checks onto business services"};
  std::string config_path;
  bool check_config = false;
  std::string log_level;
  app.add_option("-c,--config", config_path, "server configuration file (YAML)")->required();
  app.add_flag("--check-config", check_config,
               "validate the configuration and the service models, then exit 0 or 1");
  app.add_option("--log-level", log_level, "trace, debug, info, warn or error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.set_version_flag("--version", bsm::kVersion);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version end here with 0; a usage mistake exits 2, as usage errors do.
    return app.exit(e) == 0 ? 0 : 2;
  }

  bsm::blockStopSignals();

  bsm::logging::setup(log_level.empty() ? "info" : log_level);
  bsm::server::ServerConfig config;
  try {
    config = bsm::server::ServerConfig::load(config_path);
    if (log_level.empty()) {
      bsm::logging::setup(config.log_level);
    }
    if (check_config) {
      if (bsm::Status valid = bsm::server::ServerApp::validate(config); !valid) {
        std::cerr << "bsm-server: " << valid.error().message << '\n';
        return 1;
      }
      const auto model = bsm::server::ServiceModel::load(config.model_globs);
      std::cout << config_path << ": OK (" << model.services().size() << " services)\n";
      return 0;
    }
  } catch (const bsm::ConfigError& e) {
    std::cerr << "bsm-server: " << e.what() << '\n';
    return 1;
  }

  auto log = bsm::logging::get("server");
  std::unique_ptr<bsm::server::ServerApp> server;
  try {
    auto created = bsm::server::ServerApp::create(config);
    if (!created) {
      std::cerr << "bsm-server: " << created.error().message << '\n';
      return 1;
    }
    server = std::move(created.value());
  } catch (const bsm::ConfigError& e) {
    std::cerr << "bsm-server: " << e.what() << '\n';
    return 1;
  }
  if (bsm::Status started = server->start(); !started) {
    std::cerr << "bsm-server: " << started.error().message << '\n';
    return 1;
  }
  log->info("bsm-server {} started agents={} http={}:{}", bsm::kVersion,
            config.agents_listen.toString(), config.http_listen.host, server->httpPort());

  for (;;) {
    const std::string signal = bsm::waitForSignal();
    if (signal != "SIGHUP") {
      log->info("stopping on signal {}", signal);
      break;
    }
    log->info("reloading the service model on SIGHUP");
    // reloadModel() logs the outcome; a refused model leaves the running one in place.
    (void)server->reloadModel();
  }
  server->stop();
  log->info("stopped");
  return 0;
}
