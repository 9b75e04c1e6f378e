// The Zabbix inputs' configuration: the trapper's allow list and what each input refuses at load.
#include "plugins/zabbix/allowed_peers.h"

#include <gtest/gtest.h>

#include "common/config_file.h"
#include "plugins/input_registry.h"

namespace bsm::plugins::zabbix {
namespace {

asio::ip::address ip(const char* text) {
  return asio::ip::make_address(text);
}

TEST(AllowedPeersTest, LoopbackByDefault) {
  const AllowedPeers peers = AllowedPeers::loopback();
  EXPECT_TRUE(peers.allows(ip("127.0.0.1")));
  EXPECT_TRUE(peers.allows(ip("127.1.2.3")));
  EXPECT_TRUE(peers.allows(ip("::1")));
  EXPECT_TRUE(peers.allows(ip("::ffff:127.0.0.1")));
  EXPECT_FALSE(peers.allows(ip("192.0.2.1")));
  EXPECT_FALSE(peers.allows(ip("2001:db8::1")));
}

TEST(AllowedPeersTest, MatchesAddressesAndNetworks) {
  AllowedPeers peers;
  ASSERT_TRUE(peers.add("192.0.2.7").ok());
  ASSERT_TRUE(peers.add("10.20.0.0/14").ok());
  ASSERT_TRUE(peers.add("2001:db8:1::/48").ok());
  EXPECT_TRUE(peers.allows(ip("192.0.2.7")));
  EXPECT_FALSE(peers.allows(ip("192.0.2.8")));
  EXPECT_TRUE(peers.allows(ip("10.23.255.255")));
  EXPECT_FALSE(peers.allows(ip("10.24.0.0")));
  // An IPv4 client on a dual-stack socket arrives mapped into IPv6.
  EXPECT_TRUE(peers.allows(ip("::ffff:10.21.0.1")));
  EXPECT_TRUE(peers.allows(ip("2001:db8:1:ffff::9")));
  EXPECT_FALSE(peers.allows(ip("2001:db8:2::9")));
  EXPECT_FALSE(peers.allows(ip("127.0.0.1")));

  AllowedPeers everyone;
  ASSERT_TRUE(everyone.add("0.0.0.0/0").ok());
  EXPECT_TRUE(everyone.allows(ip("203.0.113.9")));
  EXPECT_FALSE(everyone.allows(ip("2001:db8::1")));
}

TEST(AllowedPeersTest, RefusesWhatIsNotAnAddress) {
  AllowedPeers peers;
  for (const char* entry : {"zabbix.example.net", "10.0.0.0/33", "::/129", "10.0.0.0/", "1.2.3"}) {
    EXPECT_FALSE(peers.add(entry).ok()) << entry;
  }
  EXPECT_TRUE(peers.empty());
}

// The error an input's entry in agent.yaml gets at load, or "" when it loads.
std::string configError(const std::string& yaml) {
  try {
    const ConfigFile file = ConfigFile::parse(yaml, "agent.yaml");
    InputSettings settings;
    settings.plugin = file.getString(file.root(), "plugin");
    settings.name = settings.plugin;
    settings.host = "test-host";
    builtinInputs().create(settings, file, file.root());
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(TrapperInputTest, ConfigErrorsNameTheFileLineAndKey) {
  std::string error = configError("plugin: zabbix_trapper\nlisten: zabbix.example.net:10051\n");
  EXPECT_NE(error.find("agent.yaml:2"), std::string::npos) << error;
  EXPECT_NE(error.find("must be an IP address"), std::string::npos) << error;

  error = configError("plugin: zabbix_trapper\nallow: [10.0.0.0/8, web-1]\n");
  EXPECT_NE(error.find("'web-1' is not an IP address"), std::string::npos) << error;

  error = configError(
      "plugin: zabbix_trapper\nactive_checks:\n  - host: web-*\n    items: ['bad key[']\n");
  EXPECT_NE(error.find("agent.yaml:4"), std::string::npos) << error;
  EXPECT_NE(error.find("is not valid"), std::string::npos) << error;

  EXPECT_EQ(configError("plugin: zabbix_trapper\nallow: ['0.0.0.0/0', '::/0']\n"), "");

  error = configError("plugin: zabbix_trapper\nallow: []\n");
  EXPECT_NE(error.find("'allow' is empty"), std::string::npos) << error;
  error = configError(
      "plugin: zabbix_trapper\nactive_checks:\n  - host: web-*\n    items: [agent.ping, "
      "agent.ping]\n");
  EXPECT_NE(error.find("listed twice"), std::string::npos) << error;
  error = configError(
      "plugin: zabbix_trapper\nactive_checks:\n  - host: web-*\n    items: "
      "['log[/var/log/syslog]']\n");
  EXPECT_NE(error.find("log items (log) are not supported"), std::string::npos) << error;
}

std::string pollerConfigError(const std::string& host) {
  return configError("{plugin: zabbix, host: '" + host + "', items: [agent.ping]}");
}

TEST(ZabbixInputTest, HostTakesNoPort) {
  EXPECT_NE(pollerConfigError("127.0.0.1:10050").find("give the port in 'port'"),
            std::string::npos);
  EXPECT_NE(pollerConfigError("[::1]").find("give the port in 'port'"), std::string::npos);
  EXPECT_EQ(pollerConfigError("::1"), "");
  EXPECT_EQ(pollerConfigError("db-1.example.net"), "");
}

}  // namespace
}  // namespace bsm::plugins::zabbix
