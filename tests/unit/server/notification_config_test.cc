// server.yaml's notifications: list, read through ServerConfig::load.
#include <gtest/gtest.h>

#include "common/config_file.h"
#include "server/server_config.h"
#include "server_test_support.h"

namespace bsm::server {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

constexpr const char* kBase = R"(tls: {ca: ca.crt, cert: server.crt, key: server.key}
tokens: {admin_file: admin.token}
models: [services.yaml]
listen: {http: "127.0.0.1:9440"}
)";

// The config the notifications text makes, or the ConfigError's message in `error`.
ServerConfig load(const TempDir& dir, const std::string& notifications, std::string* error) {
  const std::string path = dir.write("server.yaml", std::string(kBase) + notifications);
  try {
    return ServerConfig::load(path);
  } catch (const ConfigError& e) {
    *error = e.what();
  }
  return {};
}

std::string errorOf(const std::string& notifications) {
  TempDir dir;
  std::string error;
  load(dir, notifications, &error);
  return error;
}

TEST(NotificationConfigTest, ReadsEveryChannelType) {
  TempDir dir;
  std::string error;
  const ServerConfig config = load(dir, R"(notifications:
  - name: ops
    type: webhook
    url: https://hooks.example.net/bsm
    headers: {Authorization: "Bearer abc"}
    timeout: 3s
    services: ["online-*", billing]
    min_criticality: 2
    kinds: [state_change, burn_rate]
    max_age: 2h
  - name: am
    type: alertmanager
    urls: ["http://am-1:9093", "http://am-2:9093/prefix"]
    resend_interval: 30s
  - name: pager
    type: exec
    command: [/usr/local/bin/page, --team, shop]
)",
                                   &error);
  ASSERT_EQ(error, "");
  ASSERT_EQ(config.notifications.size(), 3u);
  const auto& ops = config.notifications[0];
  EXPECT_EQ(ops.type, NotificationChannelConfig::Type::kWebhook);
  EXPECT_EQ(ops.urls, std::vector<std::string>{"https://hooks.example.net/bsm"});
  EXPECT_EQ(ops.headers.at("Authorization"), "Bearer abc");
  EXPECT_EQ(ops.timeout, 3s);
  EXPECT_EQ(ops.services, (std::vector<std::string>{"online-*", "billing"}));
  EXPECT_EQ(ops.min_criticality, 2);
  EXPECT_EQ(ops.kinds, (std::set<Notification::Kind>{Notification::Kind::kStateChange,
                                                     Notification::Kind::kBurnRate}));
  EXPECT_EQ(ops.max_age, 2h);
  const auto& am = config.notifications[1];
  EXPECT_EQ(am.type, NotificationChannelConfig::Type::kAlertmanager);
  EXPECT_EQ(am.urls.size(), 2u);
  EXPECT_EQ(am.resend_interval, 30s);
  EXPECT_EQ(am.external_url, "http://127.0.0.1:9440");
  EXPECT_EQ(am.max_age, 24h);
  const auto& pager = config.notifications[2];
  EXPECT_EQ(pager.type, NotificationChannelConfig::Type::kExec);
  EXPECT_EQ(pager.command, (std::vector<std::string>{"/usr/local/bin/page", "--team", "shop"}));
}

TEST(NotificationConfigTest, ErrorsNameFileAndLine) {
  // Line 5 is the first line after the base config's four.
  EXPECT_NE(
      errorOf("notifications:\n  - {name: x, type: sms, url: http://a}\n").find("server.yaml:6:"),
      std::string::npos);
  EXPECT_NE(errorOf("notifications:\n  - {name: x, type: sms, url: http://a}\n")
                .find("type must be webhook, alertmanager or exec"),
            std::string::npos);
}

TEST(NotificationConfigTest, ABadUrlInAListIsReportedAtItsLine) {
  const std::string error = errorOf(
      "notifications:\n  - name: am\n    type: alertmanager\n    urls:\n"
      "      - http://am-1:9093\n      - am-2:9093\n");
  EXPECT_NE(error.find("server.yaml:10:"), std::string::npos) << error;
  EXPECT_NE(error.find("'am-2:9093' is not an http:// or https:// URL"), std::string::npos)
      << error;
}

TEST(NotificationConfigTest, RefusesMistakes) {
  EXPECT_NE(errorOf("notifications:\n  - {name: x, type: webhook}\n").find("'url'"),
            std::string::npos);
  EXPECT_NE(errorOf("notifications:\n  - {name: x, type: webhook, url: ftp://a}\n")
                .find("not an http:// or https:// URL"),
            std::string::npos);
  EXPECT_NE(errorOf("notifications:\n  - {name: x, type: webhook, url: 'http://u:p@a/'}\n")
                .find("credentials"),
            std::string::npos);
  EXPECT_NE(errorOf("notifications:\n  - {name: x, type: exec, command: 'notify --all'}\n")
                .find("without a shell"),
            std::string::npos);
  EXPECT_NE(errorOf("notifications:\n  - {name: x, type: exec, command: [a], url: http://a}\n")
                .find("url is for webhook and alertmanager"),
            std::string::npos);
  EXPECT_NE(
      errorOf("notifications:\n  - {name: x, type: webhook, url: https://a, ca: /no/ca.crt}\n")
          .find("cannot read the CA file /no/ca.crt"),
      std::string::npos);
  EXPECT_NE(errorOf("notifications:\n  - {name: x, type: exec, command: [a], ca: ca.crt}\n")
                .find("ca is for webhook and alertmanager"),
            std::string::npos);
  EXPECT_NE(errorOf("notifications:\n  - {name: x, type: alertmanager}\n").find("'urls'"),
            std::string::npos);
  EXPECT_NE(errorOf("notifications:\n  - {name: x, type: webhook, url: http://a, kinds: [up]}\n")
                .find("kinds are state_change"),
            std::string::npos);
  EXPECT_NE(
      errorOf("notifications:\n  - {name: x, type: webhook, url: http://a, min_criticality: 0}\n")
          .find("min_criticality must be 1 or more"),
      std::string::npos);
  EXPECT_NE(errorOf("notifications:\n  - {name: x, type: webhook, url: http://a, timeout: 0s}\n")
                .find("timeout must be between"),
            std::string::npos);
  EXPECT_NE(errorOf("notifications:\n  - {name: x, type: webhook, url: http://a, colour: red}\n")
                .find("colour"),
            std::string::npos);
  EXPECT_NE(errorOf("notifications:\n  - {name: 'a b', type: webhook, url: http://a}\n")
                .find("must be 1-64 characters"),
            std::string::npos);
  EXPECT_NE(errorOf("notifications:\n  - {name: x, type: webhook, url: http://a}\n"
                    "  - {name: x, type: webhook, url: http://b}\n")
                .find("used twice"),
            std::string::npos);
}

}  // namespace
}  // namespace bsm::server
