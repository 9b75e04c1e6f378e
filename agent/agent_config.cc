#include "agent/agent_config.h"

#include <unistd.h>

#include <set>

#include "common/certificate_authority.h"
#include "common/config_file.h"
#include "common/logging.h"
#include "plugins/input_registry.h"
#include "plugins/nagios/check_runner.h"

namespace bsm::agent {

std::string localHostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') {
    return "localhost";
  }
  return name;
}

namespace {

ServerEndpoint readServer(const ConfigFile& file, const YAML::Node& node) {
  file.requireMap(node, "server");
  file.rejectUnknownKeys(node, {"address", "ca", "cert", "key"}, "server");
  ServerEndpoint server;
  server.address = file.getString(node, "address");
  auto parsed = parseHostPort(server.address);
  if (!parsed || parsed->host.empty()) {
    file.fail(node["address"], "server.address must be host:port, e.g. bsm.example.net:9441");
  }
  server.host_port = *parsed;
  server.ca = file.resolvePath(file.getString(node, "ca"));
  server.cert = file.resolvePath(file.getString(node, "cert"));
  server.key = file.resolvePath(file.getString(node, "key"));
  return server;
}

}  // namespace

namespace {

// An input without a name is named after what it runs (check_load for a Nagios plugin, the
// NRPE command for nrpe), which is also the check name service models select on; other
// inputs are named after their plugin.
std::string defaultInputName(const YAML::Node& entry, const std::string& plugin) {
  const YAML::Node command = entry["command"];
  std::string first;
  if (command && command.IsSequence() && command.size() > 0 && command[0].IsScalar()) {
    first = command[0].Scalar();
  } else if (command && command.IsScalar() &&
             !(entry["shell"] && entry["shell"].IsScalar() && entry["shell"].Scalar() == "true")) {
    first = command.Scalar();
    first = first.substr(0, first.find_first_of(" \t"));
  }
  first =
      first.substr(first.find_last_of('/') == std::string::npos ? 0 : first.find_last_of('/') + 1);
  return first.empty() ? plugin : first;
}

}  // namespace

AgentConfig AgentConfig::load(const std::string& path) {
  const ConfigFile file = ConfigFile::load(path);
  const YAML::Node& root = file.root();
  file.requireMap(root, "the agent configuration");
  file.rejectUnknownKeys(root,
                         {"agent", "server", "interval", "batch", "queue", "log_level",
                          "max_concurrent_checks", "inputs"},
                         "the agent configuration");

  AgentConfig config;
  config.path = path;
  config.id = localHostName();
  if (const YAML::Node agent = root["agent"]) {
    file.requireMap(agent, "agent");
    file.rejectUnknownKeys(agent, {"id"}, "agent");
    config.id = file.getOptionalString(agent, "id").value_or(config.id);
  }
  // The id travels as the certificate's CN and names files, so it follows the PKI's rule.
  if (Status valid = pki::validateCommonName(config.id); !valid) {
    file.fail(root["agent"] ? root["agent"] : root, "agent.id: " + valid.error().message);
  }
  if (const YAML::Node server = root["server"]; server && !server.IsNull()) {
    config.server = readServer(file, server);
  }
  config.interval = file.getDuration(root, "interval", config.interval);
  if (config.interval < std::chrono::milliseconds(100)) {
    file.fail(root["interval"], "interval must be at least 100ms");
  }
  if (const YAML::Node batch = root["batch"]) {
    file.requireMap(batch, "batch");
    file.rejectUnknownKeys(batch, {"max_values", "max_delay"}, "batch");
    const int64_t max_values = file.getInteger(batch, "max_values", 5000);
    if (max_values < 1 || max_values > 100'000) {
      file.fail(batch["max_values"], "batch.max_values must be between 1 and 100000");
    }
    config.batch_max_values = static_cast<size_t>(max_values);
    config.batch_max_delay = file.getDuration(batch, "max_delay", config.batch_max_delay);
  }
  if (const YAML::Node queue = root["queue"]) {
    file.requireMap(queue, "queue");
    file.rejectUnknownKeys(queue, {"max_batches"}, "queue");
    const int64_t max_batches = file.getInteger(queue, "max_batches", 10'000);
    if (max_batches < 1) {
      file.fail(queue["max_batches"], "queue.max_batches must be at least 1");
    }
    config.queue_max_batches = static_cast<size_t>(max_batches);
  }
  config.log_level = file.getOptionalString(root, "log_level").value_or(config.log_level);
  if (!logging::isLogLevel(config.log_level)) {
    file.fail(root["log_level"], "log_level must be one of trace, debug, info, warn, error");
  }

  const YAML::Node inputs = root["inputs"];
  if (!inputs || inputs.IsNull()) {
    file.fail(root, "missing required key 'inputs' (e.g. inputs: [{plugin: system}])");
  }
  file.requireSequence(inputs, "inputs");
  if (inputs.size() == 0) {
    file.fail(inputs, "inputs is empty: an agent without inputs has nothing to report");
  }
  const int64_t max_checks = file.getInteger(root, "max_concurrent_checks",
                                             static_cast<int64_t>(config.max_concurrent_checks));
  if (max_checks < 1 || max_checks > 1024) {
    file.fail(root["max_concurrent_checks"], "max_concurrent_checks must be from 1 to 1024");
  }
  config.max_concurrent_checks = static_cast<size_t>(max_checks);
  // The cap belongs to the whole agent, so it is set before the first check input exists.
  plugins::nagios::CheckRunner::setSharedLimit(config.max_concurrent_checks);

  std::set<std::string> names;
  for (const auto& entry : inputs) {
    file.requireMap(entry, "an inputs entry");
    plugins::InputSettings settings;
    settings.plugin = file.getString(entry, "plugin");
    settings.name =
        file.getOptionalString(entry, "name").value_or(defaultInputName(entry, settings.plugin));
    settings.host = config.id;
    settings.interval = file.getDuration(entry, "interval", config.interval);
    settings.timeout = file.getDuration(
        entry, "timeout", std::min(settings.interval, std::chrono::milliseconds(10'000)));
    if (settings.interval < std::chrono::milliseconds(100)) {
      file.fail(entry["interval"], "interval must be at least 100ms");
    }
    if (settings.timeout < std::chrono::milliseconds(100)) {
      file.fail(entry["timeout"], "timeout must be at least 100ms");
    }
    if (!names.insert(settings.name).second) {
      file.fail(entry, "two inputs are named '" + settings.name + "': give each a distinct 'name'");
    }
    config.inputs.push_back(plugins::builtinInputs().create(settings, file, entry));
  }
  return config;
}

}  // namespace bsm::agent
