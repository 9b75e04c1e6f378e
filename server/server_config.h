#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/host_port.h"
#include "common/tls_files.h"
#include "server/notification_config.h"

namespace bsm::server {

// Where business-service states go as Zabbix trapper items (see ZabbixPush).
struct ZabbixPushConfig {
  HostPort server;           // a Zabbix server's or proxy's trapper port (10051)
  std::string host = "bsm";  // the Zabbix host that holds the bsm.service.* trapper items
  std::chrono::milliseconds interval{60'000};  // every service is sent this often
  std::chrono::milliseconds timeout{5'000};
};

// bsm-server's configuration file (see docs/configuration.md).
struct ServerConfig {
  std::string path;  // the file it was read from, for messages
  HostPort agents_listen{"0.0.0.0", 9441};
  HostPort http_listen{"127.0.0.1", 9440};
  TlsFiles tls;
  std::string data_dir = "/var/lib/bsm";
  std::string admin_token_file;
  std::string read_token_file;
  std::vector<std::string> model_globs;
  // How long an agent may be disconnected before what it reported turns UNKNOWN.
  std::chrono::milliseconds agent_grace{30'000};
  // After a start, no notification goes out for this long, while agents reconnect one by one
  // and pools look short of members; then every service's state is told once.
  std::chrono::milliseconds notification_settle{60'000};
  // Frames above this size end the session.
  uint32_t max_frame_bytes = 4 * 1024 * 1024;
  std::string log_level = "info";
  std::optional<ZabbixPushConfig> zabbix;                // absent: no push to Zabbix
  std::vector<NotificationChannelConfig> notifications;  // empty: nothing is notified

  // Reads and validates the file; throws ConfigError naming file and line.
  static ServerConfig load(const std::string& path);
};

}  // namespace bsm::server
