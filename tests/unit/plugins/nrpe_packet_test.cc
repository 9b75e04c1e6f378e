#include "plugins/nagios/nrpe_packet.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace bsm::plugins::nagios {
namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes& bytes, size_t at, uint16_t value) {
  bytes[at] = static_cast<uint8_t>(value >> 8);
  bytes[at + 1] = static_cast<uint8_t>(value);
}

void put32(Bytes& bytes, size_t at, uint32_t value) {
  for (size_t i = 0; i < 4; ++i) {
    bytes[at + i] = static_cast<uint8_t>(value >> (24 - 8 * i));
  }
}

void sign(Bytes& bytes) {
  put32(bytes, 4, 0);
  put32(bytes, 4, nrpeCrc32(bytes));
}

// A version 3 or 4 response laid out by hand (not by the encoder under test), signed.
Bytes variableResponse(int version, int16_t code, const std::string& buffer,
                       int32_t buffer_length) {
  Bytes bytes(16 + buffer.size() + (version == 3 ? 3 : 0), 0);
  put16(bytes, 0, static_cast<uint16_t>(version));
  put16(bytes, 2, 2);
  put16(bytes, 8, static_cast<uint16_t>(code));
  put32(bytes, 12, static_cast<uint32_t>(buffer_length));
  std::copy(buffer.begin(), buffer.end(), bytes.begin() + 16);
  sign(bytes);
  return bytes;
}

Bytes fromHex(const std::string& hex) {
  Bytes bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

TEST(NrpePacketTest, CrcIsZlibsCrc32) {
  const std::string check = "123456789";
  EXPECT_EQ(nrpeCrc32(Bytes(check.begin(), check.end())), 0xCBF43926U);
  EXPECT_EQ(nrpeCrc32(Bytes{}), 0U);
}

TEST(NrpePacketTest, DecodesTheCapturedVersionFourHello) {
  // nrpe 4.1.0's answer to _NRPE_CHECK, as captured in PROTOCOLS.md 2.2.
  Bytes bytes = fromHex("000400020daad245000000000000000c");
  const std::string text = "NRPE v4.1.0";
  bytes.insert(bytes.end(), text.begin(), text.end());
  bytes.push_back(0);
  ASSERT_EQ(bytes.size(), 28u);

  auto size = nrpePacketSize(bytes);
  ASSERT_TRUE(size.ok()) << size.error().message;
  EXPECT_EQ(*size, 28u);
  auto packet = decodeNrpeResponse(bytes, 4);
  ASSERT_TRUE(packet.ok()) << packet.error().message;
  EXPECT_EQ(packet->text, "NRPE v4.1.0");
  EXPECT_EQ(packet->result_code, 0);
}

TEST(NrpePacketTest, VersionTwoTextStopsAtTheNulAndRandomTailCountsForTheCrc) {
  // The reference programs fill the packet with random bytes before writing the fields.
  std::mt19937 random(42);
  Bytes bytes(kNrpeV2PacketSize);
  for (auto& byte : bytes) {
    byte = static_cast<uint8_t>(random() | 1);  // no NUL before the one we write
  }
  put16(bytes, 0, 2);
  put16(bytes, 2, 2);
  put16(bytes, 8, 1);
  const std::string text = "WARNING - load high|load1=5;4;8;0";
  std::copy(text.begin(), text.end(), bytes.begin() + 10);
  bytes[10 + text.size()] = 0;
  sign(bytes);

  auto packet = decodeNrpeResponse(bytes, 2);
  ASSERT_TRUE(packet.ok()) << packet.error().message;
  EXPECT_EQ(packet->text, text);
  EXPECT_EQ(packet->result_code, 1);

  // The random tail is covered by the CRC: changing it breaks the packet.
  bytes[1030] ^= 0x01;
  EXPECT_FALSE(decodeNrpeResponse(bytes, 2).ok());
}

TEST(NrpePacketTest, VersionTwoPaddingIsPartOfThePacket) {
  Bytes bytes(kNrpeV2PacketSize, 0);
  put16(bytes, 0, 2);
  put16(bytes, 2, 2);
  bytes[1034] = 0xAB;  // the two bytes of struct padding are sent and signed
  sign(bytes);
  EXPECT_TRUE(decodeNrpeResponse(bytes, 2).ok());
  bytes.pop_back();
  auto shorter = decodeNrpeResponse(bytes, 2);
  ASSERT_FALSE(shorter.ok());
  EXPECT_NE(shorter.error().message.find("1035"), std::string::npos);
}

TEST(NrpePacketTest, AcceptsBufferLengthsZeroOneAndTheMaximum) {
  auto empty = decodeNrpeResponse(variableResponse(4, 0, "", 0), 4);
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_EQ(empty->text, "");

  auto nul_only = decodeNrpeResponse(variableResponse(4, 0, std::string(1, '\0'), 1), 4);
  ASSERT_TRUE(nul_only.ok()) << nul_only.error().message;
  EXPECT_EQ(nul_only->text, "");

  std::string largest(kNrpeMaxBufferLength, 'x');
  largest.back() = '\0';
  auto full = decodeNrpeResponse(variableResponse(4, 2, largest, 65536), 4);
  ASSERT_TRUE(full.ok()) << full.error().message;
  EXPECT_EQ(full->text.size(), 65535u);
  EXPECT_EQ(full->result_code, 2);
}

TEST(NrpePacketTest, RejectsBufferLengthAboveTheMaximumFromTheHeaderAlone) {
  // Only the header is given: the length is refused before anything else is read.
  Bytes header = variableResponse(4, 0, "", 65537);
  ASSERT_EQ(header.size(), kNrpeHeaderSize);
  auto size = nrpePacketSize(header);
  ASSERT_FALSE(size.ok());
  EXPECT_NE(size.error().message.find("65537"), std::string::npos);
  EXPECT_FALSE(decodeNrpePacket(header).ok());
}

TEST(NrpePacketTest, RejectsNegativeBufferLength) {
  for (const int32_t length : {-1, INT32_MIN}) {
    Bytes header = variableResponse(4, 0, "", length);
    auto size = nrpePacketSize(header);
    ASSERT_FALSE(size.ok()) << length;
    EXPECT_NE(size.error().message.find(std::to_string(length)), std::string::npos);
  }
}

TEST(NrpePacketTest, VersionThreeCarriesThreeTrailingBytes) {
  const std::string text = "OK - all fine";
  Bytes bytes = variableResponse(3, 0, text + '\0', static_cast<int32_t>(text.size() + 1));
  ASSERT_EQ(bytes.size(), 16 + text.size() + 1 + 3);
  auto size = nrpePacketSize(bytes);
  ASSERT_TRUE(size.ok()) << size.error().message;
  EXPECT_EQ(*size, bytes.size());
  auto packet = decodeNrpeResponse(bytes, 3);
  ASSERT_TRUE(packet.ok()) << packet.error().message;
  EXPECT_EQ(packet->text, text);

  // Read the way version 4 is read, the packet leaves its three bytes behind: refused.
  Bytes without_tail(bytes.begin(), bytes.end() - 3);
  EXPECT_FALSE(decodeNrpePacket(without_tail).ok());
}

TEST(NrpePacketTest, EncodesVersionThreeWithItsTrailingBytes) {
  auto bytes = encodeNrpePacket({3, NrpePacketType::kResponse, 0, "hello"});
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  EXPECT_EQ(bytes->size(), 16u + 6u + 3u);
  auto packet = decodeNrpePacket(*bytes);
  ASSERT_TRUE(packet.ok()) << packet.error().message;
  EXPECT_EQ(packet->text, "hello");
  EXPECT_EQ(packet->version, 3);
}

TEST(NrpePacketTest, RejectsEveryOneBitCrcMismatch) {
  const Bytes good = variableResponse(4, 0, std::string("LOAD OK|load1=0.1") + '\0', 18);
  ASSERT_TRUE(decodeNrpeResponse(good, 4).ok());
  // Every bit outside the CRC and alignment fields, and every bit of the CRC itself.
  for (size_t byte = 0; byte < good.size(); ++byte) {
    if (byte == 10 || byte == 11) {
      continue;  // alignment: nrpe ignores it, so do we (see the next test)
    }
    for (int bit = 0; bit < 8; ++bit) {
      Bytes damaged = good;
      damaged[byte] ^= static_cast<uint8_t>(1U << bit);
      auto packet = decodeNrpeResponse(damaged, 4);
      EXPECT_FALSE(packet.ok()) << "byte " << byte << " bit " << bit;
    }
  }
}

TEST(NrpePacketTest, CrcMismatchSaysSoAndReturnsNothing) {
  Bytes damaged = variableResponse(4, 0, std::string("CRITICAL") + '\0', 9);
  damaged[16] ^= 0x20;  // 'C' -> 'c'
  auto packet = decodeNrpeResponse(damaged, 4);
  ASSERT_FALSE(packet.ok());
  EXPECT_NE(packet.error().message.find("CRC"), std::string::npos);
}

TEST(NrpePacketTest, IgnoresTheAlignmentFieldLikeNrpe) {
  Bytes bytes = variableResponse(4, 0, std::string("OK") + '\0', 3);
  bytes[10] = 0x12;  // nrpe zeroes alignment before it checks the CRC
  auto packet = decodeNrpeResponse(bytes, 4);
  ASSERT_TRUE(packet.ok()) << packet.error().message;
  EXPECT_EQ(packet->text, "OK");
}

TEST(NrpePacketTest, ShortHeaderAndShortBodyAreRefused) {
  Bytes bytes = variableResponse(4, 0, std::string("OK - fine") + '\0', 10);
  auto header = nrpePacketSize(std::span(bytes).first(15));
  ASSERT_FALSE(header.ok());
  EXPECT_NE(header.error().message.find("15"), std::string::npos);

  Bytes body_cut(bytes.begin(), bytes.end() - 1);
  auto packet = decodeNrpeResponse(body_cut, 4);
  ASSERT_FALSE(packet.ok());
  EXPECT_NE(packet.error().message.find("header says 26"), std::string::npos);

  Bytes longer = bytes;
  longer.push_back(0);
  EXPECT_FALSE(decodeNrpeResponse(longer, 4).ok());
}

TEST(NrpePacketTest, RejectsAnAnswerInAnotherVersion) {
  auto v2 = encodeNrpePacket({2, NrpePacketType::kResponse, 0, "NRPE v2.15"});
  ASSERT_TRUE(v2.ok());
  auto packet = decodeNrpeResponse(*v2, 4);
  ASSERT_FALSE(packet.ok());
  EXPECT_NE(packet.error().message.find("version 4 query with a version 2"), std::string::npos);
  EXPECT_TRUE(decodeNrpeResponse(*v2, 2).ok());
}

TEST(NrpePacketTest, RejectsUnknownVersionAndType) {
  Bytes bytes = variableResponse(4, 0, std::string("x") + '\0', 2);
  Bytes version_five = bytes;
  put16(version_five, 0, 5);
  sign(version_five);
  EXPECT_FALSE(nrpePacketSize(version_five).ok());

  // A TLS alert where a packet should be, as a plaintext client sees from a TLS server.
  Bytes tls_alert = fromHex("15030300020228000000000000000000");
  auto size = nrpePacketSize(tls_alert);
  ASSERT_FALSE(size.ok());
  EXPECT_NE(size.error().message.find("unknown NRPE packet version 5379"), std::string::npos);

  Bytes type_three = bytes;
  put16(type_three, 2, 3);
  sign(type_three);
  EXPECT_FALSE(decodeNrpePacket(type_three).ok());

  Bytes query = bytes;
  put16(query, 2, 1);
  sign(query);
  EXPECT_TRUE(decodeNrpePacket(query).ok());
  EXPECT_FALSE(decodeNrpeResponse(query, 4).ok());
}

TEST(NrpePacketTest, VersionTwoQueryIsFixedSizeAndTakesAtMost1023Characters) {
  auto packet = encodeNrpePacket({2, NrpePacketType::kQuery, 0, std::string(1023, 'a')});
  ASSERT_TRUE(packet.ok()) << packet.error().message;
  EXPECT_EQ(packet->size(), kNrpeV2PacketSize);
  auto decoded = decodeNrpePacket(*packet);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->text.size(), 1023u);
  EXPECT_EQ(decoded->type, NrpePacketType::kQuery);

  auto too_long = encodeNrpePacket({2, NrpePacketType::kQuery, 0, std::string(1024, 'a')});
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.error().message.find("1023"), std::string::npos);
}

TEST(NrpePacketTest, VersionFourQueryIsPaddedLikeCheckNrpe) {
  auto packet = encodeNrpePacket({4, NrpePacketType::kQuery, 0, "check_load"});
  ASSERT_TRUE(packet.ok()) << packet.error().message;
  EXPECT_EQ(packet->size(), kNrpeV2PacketSize);
  EXPECT_EQ((*packet)[15], 1020 & 0xFF);  // buffer_length 1020, low byte
  auto decoded = decodeNrpePacket(*packet);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->text, "check_load");

  // A response is not padded: nrpe sends strlen + 1.
  auto response = encodeNrpePacket({4, NrpePacketType::kResponse, 0, "OK"});
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->size(), 16u + 3u);
}

TEST(NrpePacketTest, VersionFourCarriesUpTo65535CharactersAndNoMore) {
  const std::string longest(65535, 'y');
  auto packet = encodeNrpePacket({4, NrpePacketType::kResponse, 3, longest});
  ASSERT_TRUE(packet.ok()) << packet.error().message;
  EXPECT_EQ(packet->size(), 16u + 65536u);
  auto decoded = decodeNrpeResponse(*packet, 4);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->text, longest);
  EXPECT_EQ(decoded->result_code, 3);

  EXPECT_FALSE(encodeNrpePacket({4, NrpePacketType::kResponse, 0, longest + "y"}).ok());
}

TEST(NrpePacketTest, RefusesTextWithANulAndUnknownVersions) {
  EXPECT_FALSE(encodeNrpePacket({4, NrpePacketType::kQuery, 0, std::string("a\0b", 3)}).ok());
  EXPECT_FALSE(encodeNrpePacket({1, NrpePacketType::kQuery, 0, "x"}).ok());
  EXPECT_FALSE(encodeNrpePacket({5, NrpePacketType::kQuery, 0, "x"}).ok());
}

TEST(NrpePacketTest, ResultCodeOutsideTheStatesIsPassedOn) {
  // Mapping to a state is the input's business; the codec keeps the number as sent.
  auto decoded = decodeNrpeResponse(variableResponse(4, -1, std::string("odd") + '\0', 4), 4);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->result_code, -1);
}

TEST(NrpePacketTest, QueryTextJoinsArgumentsWithBang) {
  EXPECT_EQ(nrpeQueryText("check_disk", {}), "check_disk");
  EXPECT_EQ(nrpeQueryText("check_disk", {"20%", "10%", "/"}), "check_disk!20%!10%!/");
}

}  // namespace
}  // namespace bsm::plugins::nagios
