#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/config_file.h"
#include "common/host_port.h"
#include "server/notification.h"

namespace bsm::server {

// One place notifications go: an entry of server.yaml's `notifications:` list (see
// docs/notifications.md).
struct NotificationChannelConfig {
  enum class Type { kWebhook, kAlertmanager, kExec };

  std::string name;  // unique; names the channel in logs, metrics and the outbox
  Type type = Type::kWebhook;
  std::vector<std::string> urls;     // webhook: exactly one; alertmanager: one or more
  std::vector<std::string> command;  // exec: the argument vector, run without a shell
  // Webhook and Alertmanager: extra request headers.
  // TODO: a token can only be written into server.yaml; a headers_file (like tokens.admin_file)
  // would keep secrets out of a file that is often shared or committed.
  std::map<std::string, std::string> headers;
  std::chrono::milliseconds timeout{10'000};  // one delivery attempt
  // Webhook and Alertmanager over https: the CA that issued the receiver's certificate (PEM);
  // empty: the system's CA store.
  std::string ca_file;
  std::vector<std::string> services;   // globs over service names; empty: every one
  int min_criticality = 0;             // 0: any; N: criticality 1..N only
  std::set<Notification::Kind> kinds;  // empty: every kind
  // A notification that could not be delivered for this long is dropped (logged and counted).
  std::chrono::milliseconds max_age{std::chrono::hours(24)};
  // Alertmanager: how often firing alerts are sent again. Alertmanager resolves an alert by
  // itself once its endsAt passes, so a firing alert must be refreshed well before that.
  std::chrono::milliseconds resend_interval{std::chrono::minutes(1)};
  // Alertmanager: the server's API as its users reach it, for each alert's generatorURL.
  std::string external_url;

  // True when a notification passes this channel's services, min_criticality and kinds.
  bool accepts(const Notification& notification) const;
};

const char* toString(NotificationChannelConfig::Type type);

// Reads server.yaml's `notifications:` list; throws ConfigError naming file and line. The
// external URL defaults to the HTTP listener's address.
std::vector<NotificationChannelConfig> readNotifications(const ConfigFile& file,
                                                         const YAML::Node& list,
                                                         const HostPort& http_listen);

}  // namespace bsm::server
