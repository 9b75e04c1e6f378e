// bsm-server: receives agents' streams, keeps every business service's state current and
// answers questions about it over HTTP.
#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

#include "common/config_file.h"
#include "common/logging.h"
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
  CLI11_PARSE(app, argc, argv);

  // Stop signals go to sigwait() below only; a peer closing a socket must not kill us.
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

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

  int received = 0;
  sigwait(&signals, &received);
  log->info("stopping on signal {}", received == SIGINT ? "SIGINT" : "SIGTERM");
  server->stop();
  log->info("stopped");
  return 0;
}
