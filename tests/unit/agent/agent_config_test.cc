#include "agent/agent_config.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/config_file.h"

namespace bsm::agent {
namespace {

class AgentConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("bsm-agent-config-" + std::to_string(getpid()) + ".yaml");
  }
  void TearDown() override { std::filesystem::remove(path_); }

  std::string loadError(const std::string& text) {
    std::ofstream(path_) << text;
    try {
      AgentConfig::load(path_.string());
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }

  std::filesystem::path path_;
};

TEST_F(AgentConfigTest, LoadsServerInputsAndDefaults) {
  std::ofstream(path_) << "agent: {id: web-1}\n"
                          "server: {address: bsm.example.net:9441, ca: ca.crt, cert: a.crt,"
                          " key: a.key}\n"
                          "interval: 5s\n"
                          "inputs:\n  - plugin: system\n    interval: 20s\n";
  const AgentConfig config = AgentConfig::load(path_.string());
  EXPECT_EQ(config.id, "web-1");
  ASSERT_TRUE(config.server.has_value());
  EXPECT_EQ(config.server->host_port.host, "bsm.example.net");
  EXPECT_EQ(config.server->host_port.port, 9441);
  EXPECT_EQ(config.server->ca, path_.parent_path().string() + "/ca.crt");
  ASSERT_EQ(config.inputs.size(), 1u);
  EXPECT_EQ(config.inputs[0]->settings().interval.count(), 20'000);
  EXPECT_EQ(config.inputs[0]->settings().host, "web-1");
}

TEST_F(AgentConfigTest, IdDefaultsToTheHostName) {
  std::ofstream(path_) << "inputs: [{plugin: system}]\n";
  EXPECT_EQ(AgentConfig::load(path_.string()).id, localHostName());
}

TEST_F(AgentConfigTest, ErrorsNameFileAndLine) {
  const std::string file = path_.string();
  EXPECT_NE(loadError("inputs:\n  - plugin: sytsem\n").find(file + ":2:"), std::string::npos);
  EXPECT_NE(loadError("inputs:\n  - plugin: sytsem\n").find("unknown plugin 'sytsem'"),
            std::string::npos);
  EXPECT_NE(loadError("interval: 10\ninputs: [{plugin: system}]\n").find(file + ":1:"),
            std::string::npos);
  EXPECT_NE(loadError("inputs: [{plugin: system}]\nserver: {address: nohost}\n")
                .find("server.address must be host:port"),
            std::string::npos);
  EXPECT_NE(loadError("log_level: verbose\ninputs: [{plugin: system}]\n").find("log_level"),
            std::string::npos);
  EXPECT_NE(loadError("inputs: [{plugin: system}, {plugin: system}]\n")
                .find("two inputs are named 'system'"),
            std::string::npos);
  EXPECT_NE(loadError("agent: {id: a}\n").find("missing required key 'inputs'"), std::string::npos);
}

}  // namespace
}  // namespace bsm::agent
