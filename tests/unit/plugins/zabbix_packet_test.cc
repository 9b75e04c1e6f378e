#include "plugins/zabbix/zabbix_packet.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

namespace bsm::plugins::zabbix {
namespace {

std::vector<uint8_t> bytes(std::initializer_list<int> values) {
  std::vector<uint8_t> out;
  for (int v : values) {
    out.push_back(static_cast<uint8_t>(v));
  }
  return out;
}

std::vector<uint8_t> withPayload(std::vector<uint8_t> header, const std::string& payload) {
  header.insert(header.end(), payload.begin(), payload.end());
  return header;
}

std::string senderJson(size_t size) {
  std::string json = R"({"request":"sender data","data":[{"host":"h","key":"k","value":")";
  const std::string tail = R"("}]})";
  json += std::string(size - json.size() - tail.size(), 'x');
  return json + tail;
}

TEST(ZabbixPacketTest, EncodesAgentdStyleHeader) {
  const auto packet = encodePacket("agent.ping");
  ASSERT_TRUE(packet.ok());
  const auto expected =
      withPayload(bytes({0x5a, 0x42, 0x58, 0x44, 0x01, 10, 0, 0, 0, 0, 0, 0, 0}), "agent.ping");
  EXPECT_EQ(*packet, expected);
}

TEST(ZabbixPacketTest, RoundTripsWithAndWithoutCompression) {
  const std::string payload = senderJson(5000);
  for (auto compression : {Compression::kNone, Compression::kZlib}) {
    const auto packet = encodePacket(payload, compression);
    ASSERT_TRUE(packet.ok());
    const auto decoded = decodePacket(*packet, {});
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(*decoded, payload);
  }
  const auto compressed = encodePacket(payload, Compression::kZlib);
  EXPECT_EQ((*compressed)[4], kFlagProtocol | kFlagCompressed);
  EXPECT_LT(compressed->size(), payload.size());
}

// Case zabbix-1: a length field computed wrongly (300 came out as 44) is a mismatch, and the
// packet is refused whole: nothing of it is parsed as a shorter packet.
TEST(ZabbixPacketTest, RefusesPacketWhoseDataOutrunsItsLength) {
  const std::string body = senderJson(300);
  ASSERT_EQ(body.size(), 300u);
  const auto bad =
      withPayload(bytes({0x5a, 0x42, 0x58, 0x44, 0x01, 0x2c, 0, 0, 0, 0, 0, 0, 0}), body);
  const auto refused = decodePacket(bad, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("length mismatch"), std::string::npos)
      << refused.error().message;

  const auto good =
      withPayload(bytes({0x5a, 0x42, 0x58, 0x44, 0x01, 0x2c, 0x01, 0, 0, 0, 0, 0, 0}), body);
  const auto accepted = decodePacket(good, {});
  ASSERT_TRUE(accepted.ok()) << accepted.error().message;
  EXPECT_EQ(*accepted, body);
  EXPECT_EQ(*encodePacket(body), good);
}

// zabbix_agent2 6.0 puts the data length in `reserved` although it does not compress.
TEST(ZabbixPacketTest, IgnoresReservedWithoutCompression) {
  const auto packet =
      withPayload(bytes({0x5a, 0x42, 0x58, 0x44, 0x01, 1, 0, 0, 0, 1, 0, 0, 0}), "1");
  const auto decoded = decodePacket(packet, {});
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, "1");
}

TEST(ZabbixPacketTest, ReadsLargePacketHeader) {
  auto packet =
      bytes({0x5a, 0x42, 0x58, 0x44, 0x05, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  ASSERT_EQ(headerSize(packet).value(), kLargeHeaderSize);
  packet = withPayload(packet, "abc");
  const auto decoded = decodePacket(packet, {});
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, "abc");
}

TEST(ZabbixPacketTest, RefusesHeaderDeclaringTwoGigabytesBeforeReadingData) {
  const auto header = bytes({0x5a, 0x42, 0x58, 0x44, 0x01, 0, 0, 0, 0x80, 0, 0, 0, 0});
  const auto decoded = decodeHeader(header, {});
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.error().message.find("2147483648"), std::string::npos)
      << decoded.error().message;

  const auto large =
      bytes({0x5a, 0x42, 0x58, 0x44, 0x05, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_FALSE(decodeHeader(large, {}).ok());
}

TEST(ZabbixPacketTest, RefusesCompressedPacketClaimingHugeInflatedSize) {
  const auto header = bytes({0x5a, 0x42, 0x58, 0x44, 0x03, 10, 0, 0, 0, 0, 0, 0, 0x40});
  const auto decoded = decodeHeader(header, {});
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.error().message.find("inflated"), std::string::npos);
}

TEST(ZabbixPacketTest, RefusesCompressedDataThatDoesNotMatchItsClaim) {
  const std::string payload(1000, 'a');
  auto packet = *encodePacket(payload, Compression::kZlib);
  // Claim 999 bytes: the data inflates past it.
  packet[9] = static_cast<uint8_t>(999 & 0xff);
  packet[10] = static_cast<uint8_t>(999 >> 8);
  EXPECT_FALSE(decodePacket(packet, {}).ok());
  // Claim 1001: the stream ends early.
  packet[9] = static_cast<uint8_t>(1001 & 0xff);
  packet[10] = static_cast<uint8_t>(1001 >> 8);
  EXPECT_FALSE(decodePacket(packet, {}).ok());
}

TEST(ZabbixPacketTest, RefusesDamagedCompressedData) {
  auto packet = *encodePacket(std::string(1000, 'a'), Compression::kZlib);
  packet[kHeaderSize + 1] ^= 0xff;
  const auto decoded = decodePacket(packet, {});
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.error().message.find("compressed"), std::string::npos);
}

TEST(ZabbixPacketTest, RefusesTruncatedPacket) {
  auto packet = *encodePacket("system.uptime");
  packet.pop_back();
  const auto decoded = decodePacket(packet, {});
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.error().message.find("truncated"), std::string::npos);
  EXPECT_FALSE(decodePacket(std::span(packet).first(8), {}).ok());
}

TEST(ZabbixPacketTest, RefusesGarbageAndUnknownFlags) {
  const std::string text = "agent.ping\n";
  EXPECT_FALSE(decodePacket(std::vector<uint8_t>(text.begin(), text.end()), {}).ok());
  EXPECT_FALSE(headerSize(bytes({'Z', 'B', 'X', 'X', 0x01})).ok());
  // The protocol flag is missing.
  EXPECT_FALSE(headerSize(bytes({'Z', 'B', 'X', 'D', 0x02})).ok());
  // A flag no Zabbix version defines.
  EXPECT_FALSE(headerSize(bytes({'Z', 'B', 'X', 'D', 0x09})).ok());
}

TEST(ZabbixPacketTest, AcceptsEmptyData) {
  const auto decoded = decodePacket(*encodePacket(""), {});
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, "");
}

}  // namespace
}  // namespace bsm::plugins::zabbix
