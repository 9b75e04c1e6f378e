#include "common/frame_codec.h"

#include <random>

#include <gtest/gtest.h>

namespace bsm {
namespace {

bsm::v1::Envelope makeBatch(uint64_t seq, int samples) {
  bsm::v1::Envelope envelope;
  auto* batch = envelope.mutable_batch();
  batch->set_seq(seq);
  auto* def = batch->add_series();
  def->set_id(1);
  def->set_name("system.load1");
  for (int i = 0; i < samples; ++i) {
    auto* sample = batch->add_samples();
    sample->set_series(1);
    sample->set_ts_ms(1000 + i);
    sample->set_value(i * 0.5);
  }
  return envelope;
}

std::string header(uint32_t length) {
  std::string out(4, '\0');
  out[0] = static_cast<char>(length >> 24);
  out[1] = static_cast<char>(length >> 16);
  out[2] = static_cast<char>(length >> 8);
  out[3] = static_cast<char>(length);
  return out;
}

TEST(FrameCodecTest, RoundTripsSeveralFramesInOneRead) {
  std::string wire;
  ASSERT_TRUE(appendFrame(makeBatch(1, 3), kDefaultMaxFrameBytes, wire));
  ASSERT_TRUE(appendFrame(makeBatch(2, 5), kDefaultMaxFrameBytes, wire));

  FrameDecoder decoder;
  decoder.append(wire);
  auto first = decoder.next();
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->batch().seq(), 1u);
  EXPECT_EQ((*first)->batch().samples_size(), 3);
  auto second = decoder.next();
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->batch().seq(), 2u);
  auto none = decoder.next();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_FALSE(decoder.hasPartialFrame());
}

TEST(FrameCodecTest, WritesBigEndianLength) {
  std::string wire;
  const auto envelope = makeBatch(7, 1);
  ASSERT_TRUE(appendFrame(envelope, kDefaultMaxFrameBytes, wire));
  EXPECT_EQ(wire.substr(0, 4), header(static_cast<uint32_t>(envelope.ByteSizeLong())));
}

TEST(FrameCodecTest, AssemblesFrameDeliveredByteByByte) {
  std::string wire;
  ASSERT_TRUE(appendFrame(makeBatch(9, 100), kDefaultMaxFrameBytes, wire));
  FrameDecoder decoder;
  for (size_t i = 0; i + 1 < wire.size(); ++i) {
    decoder.append(wire.substr(i, 1));
    auto next = decoder.next();
    ASSERT_TRUE(next.ok());
    ASSERT_FALSE(next->has_value()) << "frame complete too early at byte " << i;
    EXPECT_TRUE(decoder.hasPartialFrame());
  }
  decoder.append(wire.substr(wire.size() - 1));
  auto next = decoder.next();
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ((*next)->batch().samples_size(), 100);
}

TEST(FrameCodecTest, TruncatedFrameStaysPartial) {
  std::string wire;
  ASSERT_TRUE(appendFrame(makeBatch(1, 10), kDefaultMaxFrameBytes, wire));
  FrameDecoder decoder;
  decoder.append(wire.substr(0, wire.size() - 3));
  auto next = decoder.next();
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
  // At end of stream this is what tells the session the peer cut a frame short.
  EXPECT_TRUE(decoder.hasPartialFrame());
  EXPECT_EQ(decoder.bufferedBytes(), wire.size() - 3);
}

TEST(FrameCodecTest, RejectsOversizedFrameBeforeItsBodyArrives) {
  FrameDecoder decoder(1024);
  decoder.append(header(1025));
  auto next = decoder.next();
  ASSERT_FALSE(next.ok());
  EXPECT_NE(next.error().message.find("exceeds the limit of 1024"), std::string::npos)
      << next.error().message;
  // Once failed, the stream stays failed: nothing after a bad frame is aligned.
  decoder.append(std::string(2000, 'x'));
  EXPECT_FALSE(decoder.next().ok());
}

TEST(FrameCodecTest, RejectsMaximalDeclaredLength) {
  FrameDecoder decoder;
  decoder.append(header(0xFFFFFFFFu));
  EXPECT_FALSE(decoder.next().ok());
}

TEST(FrameCodecTest, AcceptsFrameOfExactlyTheLimit) {
  auto envelope = makeBatch(1, 0);
  envelope.mutable_batch()->mutable_series(0)->set_unit(std::string(200, 'u'));
  const auto size = static_cast<uint32_t>(envelope.ByteSizeLong());
  std::string wire;
  ASSERT_TRUE(appendFrame(envelope, size, wire));
  FrameDecoder decoder(size);
  decoder.append(wire);
  auto next = decoder.next();
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->has_value());
}

TEST(FrameCodecTest, RefusesToEncodeFrameOverTheLimit) {
  std::string wire;
  Status status = appendFrame(makeBatch(1, 1000), 100, wire);
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(wire.empty());
}

TEST(FrameCodecTest, RejectsZeroLengthFrame) {
  FrameDecoder decoder;
  decoder.append(header(0));
  auto next = decoder.next();
  ASSERT_FALSE(next.ok());
  EXPECT_NE(next.error().message.find("length 0"), std::string::npos);
}

TEST(FrameCodecTest, RejectsBodyThatIsNotAnEnvelope) {
  FrameDecoder decoder;
  // 0xFF is not a valid protobuf tag byte sequence ending.
  decoder.append(header(3) + std::string("\xff\xff\xff", 3));
  auto next = decoder.next();
  ASSERT_FALSE(next.ok());
  EXPECT_NE(next.error().message.find("not a valid Envelope"), std::string::npos);
}

TEST(FrameCodecTest, RejectsEnvelopeWithoutKnownMessage) {
  // Field 99, varint 1: valid protobuf, but no message we know.
  const std::string body("\x98\x06\x01", 3);
  FrameDecoder decoder;
  decoder.append(header(static_cast<uint32_t>(body.size())) + body);
  auto next = decoder.next();
  ASSERT_FALSE(next.ok());
  EXPECT_NE(next.error().message.find("no known message"), std::string::npos);
}

TEST(FrameCodecTest, SurvivesRandomBytesWithoutCrashing) {
  // Not a replacement for the libFuzzer target in tests/fuzz, but it runs on every build:
  // random and mutated input must end in a frame, a wait or an error, never a crash.
  std::mt19937 random(12345);
  std::string valid;
  ASSERT_TRUE(appendFrame(makeBatch(3, 20), kDefaultMaxFrameBytes, valid));
  for (int round = 0; round < 2000; ++round) {
    std::string input = valid;
    const int flips = 1 + static_cast<int>(random() % 8);
    for (int i = 0; i < flips; ++i) {
      input[random() % input.size()] = static_cast<char>(random());
    }
    FrameDecoder decoder(64 * 1024);
    decoder.append(input);
    for (int i = 0; i < 4; ++i) {
      auto next = decoder.next();
      if (!next.ok() || !next->has_value()) {
        break;
      }
    }
  }
}

}  // namespace
}  // namespace bsm
