#include "common/config_file.h"

#include <gtest/gtest.h>

namespace bsm {
namespace {

std::string errorOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ConfigFileTest, ReportsSyntaxErrorWithFileAndLine) {
  const std::string error = errorOf([] {
    ConfigFile::parse("inputs:\n  - plugin: system\n  - {plugin: nagios\n", "agent.yaml");
  });
  EXPECT_NE(error.find("agent.yaml:"), std::string::npos) << error;
  EXPECT_NE(error.find("YAML syntax error"), std::string::npos) << error;
}

TEST(ConfigFileTest, NamesLineOfUnknownKey) {
  const auto file = ConfigFile::parse("interval: 10s\nintreval: 5s\n", "agent.yaml");
  const std::string error =
      errorOf([&] { file.rejectUnknownKeys(file.root(), {"interval"}, "the agent"); });
  EXPECT_NE(error.find("agent.yaml:2:1: unknown key 'intreval'"), std::string::npos) << error;
}

TEST(ConfigFileTest, NamesLineOfBadDuration) {
  const auto file = ConfigFile::parse("a: 1\ninterval: ten\n", "x.yaml");
  const std::string error =
      errorOf([&] { file.getDuration(file.root(), "interval", std::chrono::milliseconds(1)); });
  EXPECT_NE(error.find("x.yaml:2:11"), std::string::npos) << error;
}

TEST(ConfigFileTest, MissingFileIsAnError) {
  const std::string error = errorOf([] { ConfigFile::load("/nonexistent/bsm.yaml"); });
  EXPECT_NE(error.find("/nonexistent/bsm.yaml: cannot read"), std::string::npos) << error;
}

TEST(ConfigFileTest, ResolvesRelativePathsAgainstTheFileFolder) {
  const auto file = ConfigFile::parse("{}", "/etc/bsm/agent.yaml");
  EXPECT_EQ(file.resolvePath("ca.crt"), "/etc/bsm/ca.crt");
  EXPECT_EQ(file.resolvePath("/abs/ca.crt"), "/abs/ca.crt");
}

}  // namespace
}  // namespace bsm
