#include "plugins/nagios/nrpe_packet.h"

#include <algorithm>
#include <array>

namespace bsm::plugins::nagios {

namespace {

// Field offsets shared by every version, then those of versions 3 and 4.
constexpr size_t kVersionAt = 0;
constexpr size_t kTypeAt = 2;
constexpr size_t kCrcAt = 4;
constexpr size_t kResultCodeAt = 8;
constexpr size_t kV2BufferAt = 10;
constexpr size_t kAlignmentAt = 10;
constexpr size_t kBufferLengthAt = 12;
constexpr size_t kBufferAt = 16;

constexpr std::array<uint32_t, 256> makeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < table.size(); ++i) {
    uint32_t value = i;
    for (int bit = 0; bit < 8; ++bit) {
      value = (value & 1U) != 0 ? (value >> 1) ^ 0xEDB88320U : value >> 1;
    }
    table[i] = value;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kCrcTable = makeCrcTable();

uint16_t readU16(std::span<const uint8_t> bytes, size_t at) {
  return static_cast<uint16_t>((bytes[at] << 8) | bytes[at + 1]);
}

uint32_t readU32(std::span<const uint8_t> bytes, size_t at) {
  return (uint32_t{bytes[at]} << 24) | (uint32_t{bytes[at + 1]} << 16) |
         (uint32_t{bytes[at + 2]} << 8) | uint32_t{bytes[at + 3]};
}

void writeU16(std::vector<uint8_t>& bytes, size_t at, uint16_t value) {
  bytes[at] = static_cast<uint8_t>(value >> 8);
  bytes[at + 1] = static_cast<uint8_t>(value);
}

void writeU32(std::vector<uint8_t>& bytes, size_t at, uint32_t value) {
  for (size_t i = 0; i < 4; ++i) {
    bytes[at + i] = static_cast<uint8_t>(value >> (24 - 8 * i));
  }
}

// The text of a buffer ends at its first NUL; a buffer without one (which no reference program
// sends) is taken whole rather than refused, since its length is already bounded.
std::string textOf(std::span<const uint8_t> buffer) {
  const auto end = std::find(buffer.begin(), buffer.end(), uint8_t{0});
  return std::string(buffer.begin(), end);
}

}  // namespace

uint32_t nrpeCrc32(std::span<const uint8_t> bytes) {
  uint32_t crc = 0xFFFFFFFFU;
  for (const uint8_t byte : bytes) {
    crc = (crc >> 8) ^ kCrcTable[(crc ^ byte) & 0xFFU];
  }
  return crc ^ 0xFFFFFFFFU;
}

Result<std::vector<uint8_t>> encodeNrpePacket(const NrpePacket& packet) {
  if (packet.version < 2 || packet.version > 4) {
    return Error{"NRPE packet version " + std::to_string(packet.version) +
                 " does not exist (2, 3 and 4 do)"};
  }
  if (packet.text.find('\0') != std::string::npos) {
    return Error{"NRPE text holds a NUL byte, which would end it early on the other side"};
  }
  const size_t max_text =
      (packet.version == 2 ? kNrpeV2BufferSize : kNrpeMaxBufferLength) - 1;  // room for the NUL
  if (packet.text.size() > max_text) {
    return Error{"NRPE text of " + std::to_string(packet.text.size()) +
                 " bytes does not fit a version " + std::to_string(packet.version) +
                 " packet (at most " + std::to_string(max_text) + ")"};
  }

  std::vector<uint8_t> bytes;
  size_t text_at = kV2BufferAt;
  if (packet.version == 2) {
    bytes.assign(kNrpeV2PacketSize, 0);
  } else {
    const size_t trailing = packet.version == 3 ? kNrpeV3TrailingBytes : 0;
    size_t buffer_length = packet.text.size() + 1;
    if (packet.type == NrpePacketType::kQuery) {
      buffer_length = std::max(buffer_length, kNrpeV2PacketSize - kBufferAt - trailing);
    }
    bytes.assign(kBufferAt + buffer_length + trailing, 0);
    writeU32(bytes, kBufferLengthAt, static_cast<uint32_t>(buffer_length));
    text_at = kBufferAt;
  }
  writeU16(bytes, kVersionAt, static_cast<uint16_t>(packet.version));
  writeU16(bytes, kTypeAt, static_cast<uint16_t>(packet.type));
  writeU16(bytes, kResultCodeAt, static_cast<uint16_t>(packet.result_code));
  std::copy(packet.text.begin(), packet.text.end(), bytes.begin() + static_cast<long>(text_at));
  writeU32(bytes, kCrcAt, nrpeCrc32(bytes));
  return bytes;
}

Result<size_t> nrpePacketSize(std::span<const uint8_t> header) {
  if (header.size() < kNrpeHeaderSize) {
    return Error{"NRPE header needs " + std::to_string(kNrpeHeaderSize) + " bytes, got " +
                 std::to_string(header.size())};
  }
  const int version = readU16(header, kVersionAt);
  if (version == 2) {
    return kNrpeV2PacketSize;
  }
  if (version != 3 && version != 4) {
    return Error{"unknown NRPE packet version " + std::to_string(version) +
                 " (is the peer speaking NRPE, and with the same TLS setting?)"};
  }
  // Read as signed, as the reference programs do, so that a huge value reads as negative.
  const auto buffer_length = static_cast<int32_t>(readU32(header, kBufferLengthAt));
  if (buffer_length < 0 || static_cast<size_t>(buffer_length) > kNrpeMaxBufferLength) {
    return Error{"NRPE buffer_length " + std::to_string(buffer_length) + " is outside 0.." +
                 std::to_string(kNrpeMaxBufferLength)};
  }
  return kBufferAt + static_cast<size_t>(buffer_length) + (version == 3 ? kNrpeV3TrailingBytes : 0);
}

Result<NrpePacket> decodeNrpePacket(std::span<const uint8_t> bytes) {
  auto size = nrpePacketSize(bytes);
  if (!size) {
    return size.error();
  }
  if (bytes.size() != *size) {
    return Error{"NRPE packet is " + std::to_string(bytes.size()) + " bytes but its header says " +
                 std::to_string(*size)};
  }

  NrpePacket packet;
  packet.version = readU16(bytes, kVersionAt);

  // The CRC covers the packet with its own field zeroed. nrpe also zeroes the alignment field
  // of version 3 and 4 packets before checking, so a sender's stray bytes there are forgiven.
  std::vector<uint8_t> copy(bytes.begin(), bytes.end());
  if (copy.size() < kBufferAt) {
    return Error{"NRPE packet is shorter than its header"};  // nrpePacketSize() rules it out
  }
  for (size_t i = 0; i < 4; ++i) {
    copy[kCrcAt + i] = 0;
  }
  if (packet.version != 2) {
    copy[kAlignmentAt] = 0;
    copy[kAlignmentAt + 1] = 0;
  }
  const uint32_t stored = readU32(bytes, kCrcAt);
  const uint32_t computed = nrpeCrc32(copy);
  if (stored != computed) {
    return Error{"NRPE packet CRC mismatch (stored " + std::to_string(stored) + ", computed " +
                 std::to_string(computed) + "): the packet was damaged and is ignored"};
  }

  const uint16_t type = readU16(bytes, kTypeAt);
  if (type != static_cast<uint16_t>(NrpePacketType::kQuery) &&
      type != static_cast<uint16_t>(NrpePacketType::kResponse)) {
    return Error{"NRPE packet type " + std::to_string(type) +
                 " is neither query (1) nor response (2)"};
  }
  packet.type = static_cast<NrpePacketType>(type);
  packet.result_code = static_cast<int16_t>(readU16(bytes, kResultCodeAt));
  if (packet.version == 2) {
    packet.text = textOf(bytes.subspan(kV2BufferAt, kNrpeV2BufferSize));
  } else {
    packet.text = textOf(bytes.subspan(kBufferAt, readU32(bytes, kBufferLengthAt)));
  }
  return packet;
}

Result<NrpePacket> decodeNrpeResponse(std::span<const uint8_t> bytes, int expected_version) {
  auto packet = decodeNrpePacket(bytes);
  if (!packet) {
    return packet;
  }
  if (packet->version != expected_version) {
    return Error{"NRPE answered a version " + std::to_string(expected_version) +
                 " query with a version " + std::to_string(packet->version) + " packet"};
  }
  if (packet->type != NrpePacketType::kResponse) {
    return Error{"NRPE sent a query where a response was due"};
  }
  return packet;
}

std::string nrpeQueryText(std::string_view command, const std::vector<std::string>& args) {
  std::string text(command);
  for (const auto& arg : args) {
    text += '!';
    text += arg;
  }
  return text;
}

}  // namespace bsm::plugins::nagios
