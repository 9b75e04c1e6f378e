#include "server/server_config.h"

#include "common/config_file.h"
#include "common/logging.h"

namespace bsm::server {

namespace {

HostPort readListen(const ConfigFile& file, const YAML::Node& map, const std::string& key,
                    HostPort fallback) {
  const auto text = file.getOptionalString(map, key);
  if (!text) {
    return fallback;
  }
  auto parsed = parseHostPort(*text);
  if (!parsed) {
    file.fail(map[key], "listen." + key + ": " + parsed.error().message);
  }
  return *parsed;
}

ZabbixPushConfig readZabbix(const ConfigFile& file, const YAML::Node& zabbix) {
  file.requireMap(zabbix, "zabbix");
  file.rejectUnknownKeys(zabbix, {"server", "host", "interval", "timeout"}, "zabbix");
  ZabbixPushConfig config;
  // A Zabbix server's trapper listens on 10051 unless it was told otherwise.
  std::string address = file.getString(zabbix, "server");
  if (address.find(':') == std::string::npos) {
    address += ":10051";
  }
  auto server = parseHostPort(address);
  if (!server || server->host.empty() || server->port == 0) {
    file.fail(zabbix["server"],
              "zabbix.server must be the host[:port] of a Zabbix server's or proxy's trapper "
              "(port 10051 by default)");
  }
  config.server = *server;
  config.host = file.getOptionalString(zabbix, "host").value_or(config.host);
  if (config.host.empty() || config.host.size() > 128) {
    file.fail(zabbix["host"], "zabbix.host must be the name of a Zabbix host (1-128 characters)");
  }
  config.interval = file.getDuration(zabbix, "interval", config.interval);
  if (config.interval < std::chrono::seconds(1)) {
    file.fail(zabbix["interval"], "zabbix.interval must be at least 1s");
  }
  config.timeout = file.getDuration(zabbix, "timeout", config.timeout);
  if (config.timeout < std::chrono::milliseconds(100)) {
    file.fail(zabbix["timeout"], "zabbix.timeout must be at least 100ms");
  }
  return config;
}

}  // namespace

ServerConfig ServerConfig::load(const std::string& path) {
  const ConfigFile file = ConfigFile::load(path);
  const YAML::Node& root = file.root();
  file.requireMap(root, "the server configuration");
  file.rejectUnknownKeys(
      root,
      {"listen", "tls", "data_dir", "tokens", "models", "agent_grace", "max_frame_bytes",
       "log_level", "zabbix", "notifications", "notification_settle"},
      "the server configuration");

  ServerConfig config;
  config.path = path;
  if (const YAML::Node listen = root["listen"]) {
    file.requireMap(listen, "listen");
    file.rejectUnknownKeys(listen, {"agents", "http"}, "listen");
    config.agents_listen = readListen(file, listen, "agents", config.agents_listen);
    config.http_listen = readListen(file, listen, "http", config.http_listen);
  }

  const YAML::Node tls = root["tls"];
  if (!tls) {
    file.fail(root, "missing required key 'tls' (ca, cert and key files for the agent port)");
  }
  file.requireMap(tls, "tls");
  file.rejectUnknownKeys(tls, {"ca", "cert", "key"}, "tls");
  config.tls.ca = file.resolvePath(file.getString(tls, "ca"));
  config.tls.cert = file.resolvePath(file.getString(tls, "cert"));
  config.tls.key = file.resolvePath(file.getString(tls, "key"));

  config.data_dir =
      file.resolvePath(file.getOptionalString(root, "data_dir").value_or(config.data_dir));

  const YAML::Node tokens = root["tokens"];
  if (!tokens) {
    file.fail(root, "missing required key 'tokens' (admin_file and read_file)");
  }
  file.requireMap(tokens, "tokens");
  file.rejectUnknownKeys(tokens, {"admin_file", "read_file"}, "tokens");
  config.admin_token_file = file.resolvePath(file.getString(tokens, "admin_file"));
  if (auto read = file.getOptionalString(tokens, "read_file")) {
    config.read_token_file = file.resolvePath(*read);
  }

  const YAML::Node models = root["models"];
  if (!models) {
    file.fail(root, "missing required key 'models' (a list of service model files or globs)");
  }
  if (models.IsScalar()) {
    config.model_globs.push_back(file.resolvePath(models.Scalar()));
  } else {
    file.requireSequence(models, "models");
    for (const auto& entry : models) {
      config.model_globs.push_back(file.resolvePath(file.asString(entry, "a models entry")));
    }
  }

  if (config.model_globs.empty()) {
    file.fail(models, "models is empty: name at least one service model file or glob");
  }
  if (config.agents_listen.port != 0 && config.agents_listen.port == config.http_listen.port) {
    file.fail(root["listen"], "listen.agents and listen.http use the same port " +
                                  std::to_string(config.http_listen.port));
  }

  config.agent_grace = file.getDuration(root, "agent_grace", config.agent_grace);
  config.notification_settle =
      file.getDuration(root, "notification_settle", config.notification_settle);
  if (config.notification_settle.count() < 0 ||
      config.notification_settle > std::chrono::hours(1)) {
    file.fail(root["notification_settle"], "notification_settle must be between 0s and 1h");
  }
  const int64_t max_frame = file.getInteger(root, "max_frame_bytes", config.max_frame_bytes);
  if (max_frame < 1024 || max_frame > 256 * 1024 * 1024) {
    file.fail(root["max_frame_bytes"], "max_frame_bytes must be between 1024 and 268435456");
  }
  config.max_frame_bytes = static_cast<uint32_t>(max_frame);
  config.log_level = file.getOptionalString(root, "log_level").value_or(config.log_level);
  if (!logging::isLogLevel(config.log_level)) {
    file.fail(root["log_level"], "log_level must be one of trace, debug, info, warn, error");
  }
  if (const YAML::Node zabbix = root["zabbix"]; zabbix && !zabbix.IsNull()) {
    config.zabbix = readZabbix(file, zabbix);
  }
  if (const YAML::Node notifications = root["notifications"];
      notifications && !notifications.IsNull()) {
    config.notifications = readNotifications(file, notifications, config.http_listen);
  }
  return config;
}

}  // namespace bsm::server
