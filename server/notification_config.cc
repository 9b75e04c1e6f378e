#include "server/notification_config.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "server/http_post.h"
#include "server/selector.h"

namespace bsm::server {

namespace {

using namespace std::chrono_literals;

bool isChannelName(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

std::vector<std::string> readStrings(const ConfigFile& file, const YAML::Node& node,
                                     const std::string& what) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(file.asString(node, what));
    return out;
  }
  file.requireSequence(node, what);
  for (const auto& item : node) {
    out.push_back(file.asString(item, "an entry of " + what));
  }
  return out;
}

// Where the server's API is for people following an alert's link: the HTTP listener, with a
// wildcard address replaced by this host's name.
std::string defaultExternalUrl(const HostPort& http_listen) {
  std::string host = http_listen.host;
  if (host.empty() || host == "0.0.0.0" || host == "::") {
    char name[256] = {};
    host = ::gethostname(name, sizeof name - 1) == 0 ? name : "localhost";
  }
  if (host.find(':') != std::string::npos) {
    host = "[" + host + "]";
  }
  return "http://" + host + ":" + std::to_string(http_listen.port);
}

void requireUrl(const ConfigFile& file, const YAML::Node& at, const std::string& context,
                const std::string& text) {
  if (auto url = parseHttpUrl(text); !url) {
    file.fail(at, context + ": " + url.error().message);
  }
}

NotificationChannelConfig readChannel(const ConfigFile& file, const YAML::Node& entry,
                                      const HostPort& http_listen) {
  using Type = NotificationChannelConfig::Type;
  file.requireMap(entry, "a notifications entry");
  file.rejectUnknownKeys(
      entry,
      {"name", "type", "url", "urls", "command", "timeout", "headers", "services",
       "min_criticality", "kinds", "max_age", "resend_interval", "external_url", "ca"},
      "a notifications entry");
  NotificationChannelConfig config;
  config.name = file.getString(entry, "name");
  if (!isChannelName(config.name)) {
    file.fail(entry["name"],
              "notification channel name '" + config.name +
                  "' must be 1-64 characters of A-Z a-z 0-9 . _ - (it names the channel in "
                  "logs and metrics)");
  }
  const std::string context = "notification channel " + config.name;

  const std::string type = file.getString(entry, "type");
  if (type == "webhook") {
    config.type = Type::kWebhook;
  } else if (type == "alertmanager") {
    config.type = Type::kAlertmanager;
  } else if (type == "exec") {
    config.type = Type::kExec;
  } else {
    file.fail(entry["type"],
              context + ": type must be webhook, alertmanager or exec, not '" + type + "'");
  }

  // Each type takes its own keys; another type's key is a mistake worth naming.
  const auto refuse = [&](const char* key, const char* why) {
    if (entry[key]) {
      file.fail(entry[key], context + ": " + key + " " + why);
    }
  };
  switch (config.type) {
    case Type::kWebhook:
      refuse("urls", "is for alertmanager; a webhook posts to one url");
      refuse("command", "is for exec channels");
      refuse("resend_interval", "is for alertmanager channels");
      refuse("external_url", "is for alertmanager channels");
      config.urls.push_back(file.getString(entry, "url"));
      requireUrl(file, entry["url"], context, config.urls.front());
      break;
    case Type::kAlertmanager:
      refuse("command", "is for exec channels");
      if (entry["url"] && entry["urls"]) {
        file.fail(entry["urls"], context + ": give url or urls, not both");
      }
      if (!entry["url"] && !entry["urls"]) {
        file.fail(entry, context + ": missing required key 'urls' (Alertmanager base URLs)");
      }
      {
        const YAML::Node urls = entry["url"] ? entry["url"] : entry["urls"];
        config.urls = readStrings(file, urls, "urls");
        if (config.urls.empty()) {
          file.fail(urls, context + ": urls is empty");
        }
        for (size_t i = 0; i < config.urls.size(); ++i) {
          // A bad URL is reported at its own line when it is one of a list.
          requireUrl(file, urls.IsSequence() ? urls[i] : urls, context, config.urls[i]);
        }
      }
      config.resend_interval = file.getDuration(entry, "resend_interval", config.resend_interval);
      if (config.resend_interval < 1s) {
        file.fail(entry["resend_interval"], context + ": resend_interval must be at least 1s");
      }
      config.external_url =
          file.getOptionalString(entry, "external_url").value_or(defaultExternalUrl(http_listen));
      requireUrl(file, entry["external_url"] ? entry["external_url"] : entry, context,
                 config.external_url);
      while (!config.external_url.empty() && config.external_url.back() == '/') {
        config.external_url.pop_back();
      }
      break;
    case Type::kExec:
      refuse("url", "is for webhook and alertmanager channels");
      refuse("urls", "is for alertmanager channels");
      refuse("headers", "is for webhook and alertmanager channels");
      refuse("resend_interval", "is for alertmanager channels");
      refuse("external_url", "is for alertmanager channels");
      refuse("ca", "is for webhook and alertmanager channels");
      if (!entry["command"]) {
        file.fail(entry, context + ": missing required key 'command' (a list: program, args)");
      }
      if (!entry["command"].IsSequence()) {
        file.fail(entry["command"], context +
                                        ": command must be a list (program and arguments); it runs "
                                        "without a shell");
      }
      config.command = readStrings(file, entry["command"], "command");
      if (config.command.empty() || config.command.front().empty()) {
        file.fail(entry["command"], context + ": command is empty");
      }
      break;
  }

  config.timeout = file.getDuration(entry, "timeout", config.timeout);
  if (config.timeout < 100ms || config.timeout > 10min) {
    file.fail(entry["timeout"], context + ": timeout must be between 100ms and 10m");
  }
  if (const YAML::Node headers = entry["headers"]) {
    file.requireMap(headers, "headers");
    for (const auto& header : headers) {
      const std::string name = file.asString(header.first, "a header name");
      if (name.empty() || name.find_first_of(" :\r\n") != std::string::npos) {
        file.fail(header.first, context + ": '" + name + "' is not a header name");
      }
      const std::string value = file.asString(header.second, "header " + name);
      if (value.find_first_of("\r\n") != std::string::npos) {
        file.fail(header.second, context + ": header " + name + " holds a line break");
      }
      config.headers[name] = value;
    }
  }
  if (const auto ca = file.getOptionalString(entry, "ca")) {
    config.ca_file = file.resolvePath(*ca);
    // A missing file would fail every delivery at the handshake; better to say so at start.
    if (::access(config.ca_file.c_str(), R_OK) != 0) {
      file.fail(entry["ca"], context + ": cannot read the CA file " + config.ca_file);
    }
  }
  if (const YAML::Node services = entry["services"]) {
    config.services = readStrings(file, services, "services");
  }
  config.min_criticality = static_cast<int>(file.getInteger(entry, "min_criticality", 0));
  if (entry["min_criticality"] && config.min_criticality < 1) {
    file.fail(entry["min_criticality"],
              context + ": min_criticality must be 1 or more (1 is the most important)");
  }
  if (const YAML::Node kinds = entry["kinds"]) {
    for (const auto& kind : readStrings(file, kinds, "kinds")) {
      if (kind == "state_change") {
        config.kinds.insert(Notification::Kind::kStateChange);
      } else if (kind == "new_cause") {
        config.kinds.insert(Notification::Kind::kNewCause);
      } else if (kind == "burn_rate") {
        config.kinds.insert(Notification::Kind::kBurnRate);
      } else {
        file.fail(kinds, context + ": kinds are state_change, new_cause and burn_rate, not '" +
                             kind + "'");
      }
    }
    if (config.kinds.empty()) {
      file.fail(kinds, context + ": kinds is empty; leave it out for every kind");
    }
  }
  config.max_age = file.getDuration(entry, "max_age", config.max_age);
  if (config.max_age < 1min) {
    file.fail(entry["max_age"], context + ": max_age must be at least 1m");
  }
  return config;
}

}  // namespace

bool NotificationChannelConfig::accepts(const Notification& notification) const {
  if (!kinds.empty() && kinds.count(notification.kind) == 0) {
    return false;
  }
  if (min_criticality > 0 && notification.criticality > min_criticality) {
    return false;
  }
  if (services.empty()) {
    return true;
  }
  return std::any_of(services.begin(), services.end(), [&](const std::string& pattern) {
    return Glob(pattern).matches(notification.service);
  });
}

const char* toString(NotificationChannelConfig::Type type) {
  switch (type) {
    case NotificationChannelConfig::Type::kWebhook:
      return "webhook";
    case NotificationChannelConfig::Type::kAlertmanager:
      return "alertmanager";
    case NotificationChannelConfig::Type::kExec:
      return "exec";
  }
  return "webhook";
}

std::vector<NotificationChannelConfig> readNotifications(const ConfigFile& file,
                                                         const YAML::Node& list,
                                                         const HostPort& http_listen) {
  file.requireSequence(list, "notifications");
  std::vector<NotificationChannelConfig> out;
  for (const auto& entry : list) {
    NotificationChannelConfig channel = readChannel(file, entry, http_listen);
    for (const auto& other : out) {
      if (other.name == channel.name) {
        file.fail(entry["name"], "notification channel name '" + channel.name +
                                     "' is used twice; each channel needs its own");
      }
    }
    out.push_back(std::move(channel));
  }
  return out;
}

}  // namespace bsm::server
