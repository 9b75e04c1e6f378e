#include "plugins/zabbix/item_key.h"

#include <gtest/gtest.h>

namespace bsm::plugins::zabbix {
namespace {

std::vector<std::string> texts(const std::vector<KeyParameter>& parameters) {
  std::vector<std::string> out;
  for (const auto& p : parameters) {
    out.push_back(p.text);
  }
  return out;
}

TEST(ItemKeyTest, ParsesKeyWithoutParameters) {
  const auto key = parseItemKey("agent.ping");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->name, "agent.ping");
  EXPECT_FALSE(key->bracketed);
  EXPECT_TRUE(key->parameters.empty());
}

TEST(ItemKeyTest, ParsesUnquotedParameters) {
  const auto key = parseItemKey("vfs.fs.size[/,pused]");
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(key->name, "vfs.fs.size");
  EXPECT_EQ(texts(key->parameters), (std::vector<std::string>{"/", "pused"}));
}

TEST(ItemKeyTest, KeepsEmptyParameters) {
  const auto key = parseItemKey("icmpping[,,200,,500]");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(texts(key->parameters), (std::vector<std::string>{"", "", "200", "", "500"}));
  const auto empty = parseItemKey("key[]");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->bracketed);
  EXPECT_EQ(empty->parameters.size(), 1u);
}

TEST(ItemKeyTest, SkipsBlanksBeforeParametersAndKeepsTrailingOnes) {
  const auto key = parseItemKey("system.cpu.load[ all, avg1 ]");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(texts(key->parameters), (std::vector<std::string>{"all", "avg1 "}));
}

TEST(ItemKeyTest, ParsesQuotedParametersWithEscapedQuotes) {
  const auto key = parseItemKey(R"(system.run["echo \"a,b\" ]",  "x" ,c\d])");
  ASSERT_TRUE(key.ok()) << key.error().message;
  ASSERT_EQ(key->parameters.size(), 3u);
  EXPECT_EQ(key->parameters[0].text, R"(echo "a,b" ])");
  EXPECT_TRUE(key->parameters[0].quoted);
  EXPECT_EQ(key->parameters[1].text, "x");
  // Only \" is an escape: every other backslash stays.
  EXPECT_EQ(key->parameters[2].text, R"(c\d)");
}

TEST(ItemKeyTest, UnquotedParameterMayHoldQuoteAfterItsStart) {
  const auto key = parseItemKey(R"(k[a"b])");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->parameters[0].text, R"(a"b)");
}

TEST(ItemKeyTest, ParsesOneLevelOfArrays) {
  const auto key = parseItemKey(R"(net.tcp.service[tcp,,[80, "8080"],x])");
  ASSERT_TRUE(key.ok()) << key.error().message;
  ASSERT_EQ(key->parameters.size(), 4u);
  const auto& array = key->parameters[2];
  EXPECT_TRUE(array.array);
  EXPECT_EQ(texts(array.elements), (std::vector<std::string>{"80", "8080"}));
  EXPECT_TRUE(array.elements[1].quoted);
}

TEST(ItemKeyTest, RefusesNestedArrays) {
  const auto key = parseItemKey("k[a,[b,[c,d]],e]");
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("arrays inside arrays"), std::string::npos);
  EXPECT_NE(key.error().message.find("position 7"), std::string::npos) << key.error().message;
}

TEST(ItemKeyTest, RefusesMalformedKeysNamingThePosition) {
  struct Case {
    const char* key;
    const char* error;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"", "must start with a name"},
           {"[a]", "must start with a name"},
           {"key name", "unexpected character ' ' in the key name at position 3"},
           {"k[a", "missing ']'"},
           {"k[a]b", "text after the closing ']' at position 4"},
           {R"(k["a)", "quoted parameter is not closed at position 2"},
           {R"(k["a"b])", "expected ',' or ']' but found 'b'"},
           {R"(k["a\"])", "not closed"},
           {"k[[a]b]", "expected ',' or ']'"},
       }) {
    const auto key = parseItemKey(c.key);
    ASSERT_FALSE(key.ok()) << c.key;
    EXPECT_NE(key.error().message.find(c.error), std::string::npos)
        << c.key << ": " << key.error().message;
  }
}

TEST(ItemKeyTest, RefusesKeysLongerThanZabbixAllows) {
  EXPECT_FALSE(parseItemKey("k[" + std::string(kMaxItemKeyLength, 'a') + "]").ok());
}

TEST(ItemKeyTest, QuotesParametersOnlyWhenNeeded) {
  EXPECT_EQ(keyParameter("online-shop").value(), "online-shop");
  EXPECT_EQ(keyParameter("").value(), "");
  EXPECT_EQ(keyParameter("a,b").value(), "\"a,b\"");
  EXPECT_EQ(keyParameter("say \"hi\"").value(), R"("say \"hi\"")");
  EXPECT_EQ(keyParameter("[x").value(), "\"[x\"");
  EXPECT_EQ(keyParameter(" x").value(), "\" x\"");
  EXPECT_FALSE(keyParameter("a,b\\").ok());
  EXPECT_EQ(keyParameter("a\\").value(), "a\\");
}

TEST(ItemKeyTest, QuotedParametersReadBackUnchanged) {
  for (const std::string text : {"a,b", "x]y", R"(q"u"o)", R"(a\"b)", " lead", "[arr]"}) {
    const auto key = parseItemKey("bsm.service.state[" + keyParameter(text).value() + "]");
    ASSERT_TRUE(key.ok()) << text << ": " << key.error().message;
    ASSERT_EQ(key->parameters.size(), 1u);
    EXPECT_EQ(key->parameters[0].text, text);
  }
}

}  // namespace
}  // namespace bsm::plugins::zabbix
