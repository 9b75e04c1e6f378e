#include "plugins/zabbix/passive_check.h"

#include <gtest/gtest.h>

#include <string>

namespace bsm::plugins::zabbix {
namespace {

using namespace std::string_literals;

// Case zabbix-2: a pre-7.0 agent's answer to an item it cannot give.
TEST(PassiveCheckTest, ReadsNotSupportedWithItsReason) {
  const auto answer = parseAgentAnswer(
      "ZBX_NOTSUPPORTED\0Cannot obtain filesystem information: [2] No such file or directory"s);
  EXPECT_FALSE(answer.supported);
  EXPECT_EQ(answer.reason, "Cannot obtain filesystem information: [2] No such file or directory");
  EXPECT_EQ(answer.value, "");
}

TEST(PassiveCheckTest, ReadsNotSupportedWithoutReason) {
  const auto answer = parseAgentAnswer("ZBX_NOTSUPPORTED");
  EXPECT_FALSE(answer.supported);
  EXPECT_EQ(answer.reason, "");
  const auto empty_reason = parseAgentAnswer("ZBX_NOTSUPPORTED\0"s);
  EXPECT_FALSE(empty_reason.supported);
  EXPECT_EQ(empty_reason.reason, "");
}

TEST(PassiveCheckTest, KeepsUtf8Reason) {
  const auto answer = parseAgentAnswer("ZBX_NOTSUPPORTED\0Fichier \xc3\xa9trange"s);
  EXPECT_FALSE(answer.supported);
  EXPECT_EQ(answer.reason, "Fichier \xc3\xa9trange");
}

// A value that merely starts with the marker is a value.
TEST(PassiveCheckTest, TakesLookalikeTextAsValue) {
  const auto answer = parseAgentAnswer("ZBX_NOTSUPPORTED_BUT_NOT_REALLY");
  EXPECT_TRUE(answer.supported);
  EXPECT_EQ(answer.value, "ZBX_NOTSUPPORTED_BUT_NOT_REALLY");
}

TEST(PassiveCheckTest, KeepsNulAndNewlinesInValues) {
  const auto answer = parseAgentAnswer("line one\nline\0two"s);
  EXPECT_TRUE(answer.supported);
  EXPECT_EQ(answer.value, "line one\nline\0two"s);
}

TEST(PassiveCheckTest, ReadsNumbersAsZabbixAgentsPrintThem) {
  EXPECT_EQ(numericValue("0.509766"), 0.509766);
  EXPECT_EQ(numericValue("437"), 437.0);
  EXPECT_EQ(numericValue("-12"), -12.0);
  EXPECT_EQ(numericValue("+3"), 3.0);
  EXPECT_EQ(numericValue("1.5e3"), 1500.0);
  EXPECT_EQ(numericValue(" 42\n"), 42.0);
  EXPECT_EQ(numericValue("18446744073709551615"), 18446744073709551615.0);
}

TEST(PassiveCheckTest, TakesTextAsText) {
  for (const char* text :
       {"", " ", "6.0.14", "fixture-host", "0x1f", "nan", "inf", "-inf", "1,5", "12 MB", "1e999"}) {
    EXPECT_FALSE(numericValue(text).has_value()) << text;
  }
}

TEST(PassiveCheckTest, OutputTextEndsAtNulAndIsBounded) {
  EXPECT_EQ(outputText("a\0b"s), "a");
  EXPECT_EQ(outputText("two\nlines"), "two\nlines");
  const std::string long_text = outputText(std::string(70'000, 'x'));
  EXPECT_EQ(long_text, std::string(64 * 1024, 'x') + "\n(value cut at 64 KiB)");
}

TEST(PassiveCheckTest, RefusedConnectionIsAnErrorNotAnAnswer) {
  // Port 1 on loopback: nothing listens there in a test environment.
  const PassiveCheck check(HostPort{"127.0.0.1", 1});
  bool reached = true;
  const auto answer = check.ask("agent.ping", std::chrono::seconds(2), &reached);
  ASSERT_FALSE(answer.ok());
  EXPECT_FALSE(reached);
  EXPECT_NE(answer.error().message.find("refused"), std::string::npos) << answer.error().message;
}

}  // namespace
}  // namespace bsm::plugins::zabbix
