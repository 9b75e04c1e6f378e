// bsm-agent: collects this host's metrics and check results and streams them to bsm-server.
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "agent/agent_config.h"
#include "agent/batch_queue.h"
#include "agent/batcher.h"
#include "agent/once_runner.h"
#include "agent/scheduler.h"
#include "agent/series_table.h"
#include "agent/stream_client.h"
#include "common/config_file.h"
#include "common/logging.h"
#include "common/stop_signals.h"
#include "common/tls_context.h"
#include "common/version.h"
#include "plugins/nagios/check_runner.h"

namespace {

// A thread for every polled input, up to 16: a polled input waiting on a dead peer (an NRPE
// daemon, later a Zabbix agent or an SNMP device) holds its thread until its timeout, and must
// not hold up the system input's rounds with it. Plugin checks have their own runner thread.
size_t pollingThreads(const std::vector<std::unique_ptr<bsm::plugins::Input>>& inputs) {
  size_t polled = 0;
  for (const auto& input : inputs) {
    polled += input->polled() ? 1 : 0;
  }
  return std::clamp<size_t>(polled, 1, 16);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bsm-agent: collects metrics and check results and streams them to bsm-server"};
  std::string config_path;
  bool check_config = false;
  bool once = false;
  std::string log_level;
  app.add_option("-c,--config", config_path, "agent configuration file (YAML)")->required();
  app.add_flag("--check-config", check_config, "validate the configuration and exit 0 or 1");
  app.add_flag("--once", once, "collect one round from every input, print it as JSON lines, exit");
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
  // Nothing in this process starts children but the plugin runner, so every child that is not
  // a running plugin was left behind by one, and is killed and reaped.
  bsm::plugins::nagios::CheckRunner::sweepOrphansInThisProcess();

  bsm::logging::setup(log_level.empty() ? "info" : log_level);
  auto log = bsm::logging::get("agent");
  bsm::agent::AgentConfig config;
  try {
    config = bsm::agent::AgentConfig::load(config_path);
  } catch (const bsm::ConfigError& e) {
    std::cerr << "bsm-agent: " << e.what() << '\n';
    return 1;
  }
  if (log_level.empty()) {
    bsm::logging::setup(config.log_level);
  }
  // The TLS files are checked now rather than at the first connection, so that a wrong file
  // fails --check-config and the start instead of a retry loop in the log.
  if (config.server) {
    const bsm::TlsFiles files{config.server->ca, config.server->cert, config.server->key};
    auto context = bsm::makeTlsContext(files, bsm::TlsRole::kClient);
    bsm::Status usable =
        context ? bsm::checkOwnCertificate(files, config.id) : bsm::Status(context.error());
    if (!usable) {
      std::cerr << "bsm-agent: " << config_path << ": server: " << usable.error().message << '\n';
      return 1;
    }
  }
  if (check_config) {
    std::cout << config_path << ": OK (agent " << config.id << ", " << config.inputs.size()
              << " inputs)\n";
    return 0;
  }
  if (once) {
    return bsm::agent::runOnce(config, std::cout) == 0 ? 0 : 1;
  }
  if (!config.server) {
    std::cerr << "bsm-agent: " << config_path
              << ": no 'server' configured, so there is nowhere to send; use --once to try the"
                 " inputs without a server\n";
    return 1;
  }

  // Sequence numbers start from the clock so that a restarted agent numbers above anything
  // the server stored from its previous run, as long as it averaged fewer than 1000 batches a
  // millisecond (it sends a few a second).
  const uint64_t first_seq = static_cast<uint64_t>(bsm::nowMs()) * 1000;
  bsm::agent::SeriesTable series;
  bsm::agent::BatchQueue queue(config.queue_max_batches, first_seq);
  bsm::agent::Batcher batcher(series, queue, config.batch_max_values, config.batch_max_delay);
  bsm::agent::StreamClient stream(config.id, *config.server, series, queue, batcher);
  if (bsm::Status started = stream.start(); !started) {
    std::cerr << "bsm-agent: " << started.error().message << '\n';
    return 1;
  }
  bsm::agent::Scheduler scheduler(config.inputs, batcher, pollingThreads(config.inputs));
  scheduler.start();
  log->info("bsm-agent {} started agent={} server={} inputs={}", bsm::kVersion, config.id,
            config.server->address, config.inputs.size());

  log->info("stopping on signal {}", bsm::waitForStopSignal());
  scheduler.stop();
  stream.stop(std::chrono::seconds(3));
  log->info("stopped; {} batches were not acknowledged", queue.size());
  return 0;
}
