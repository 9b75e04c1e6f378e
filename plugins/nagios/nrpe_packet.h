#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

// The NRPE packet formats (docs: ../shared/PROTOCOLS.md section 2). Every integer is
// big-endian. Version 2 packets are a fixed 1036 bytes; versions 3 and 4 carry a 16-byte header
// and a buffer of `buffer_length` bytes, and a version 3 packet has 3 more bytes after it.
namespace bsm::plugins::nagios {

enum class NrpePacketType : int16_t { kQuery = 1, kResponse = 2 };

// Every packet is at least this long, and these bytes tell how long the rest is.
inline constexpr size_t kNrpeHeaderSize = 16;
inline constexpr size_t kNrpeV2PacketSize = 1036;
inline constexpr size_t kNrpeV2BufferSize = 1024;
// The largest buffer_length both nrpe and check_nrpe accept in a version 3 or 4 packet.
inline constexpr size_t kNrpeMaxBufferLength = 65536;
// A version 3 packet is sent as its C struct: the header, the buffer, then 3 bytes of padding.
inline constexpr size_t kNrpeV3TrailingBytes = 3;

struct NrpePacket {
  int version = 4;  // 2, 3 or 4
  NrpePacketType type = NrpePacketType::kQuery;
  int16_t result_code = 0;  // 0 in a query; the check's state (normally 0..3) in a response
  std::string text;         // up to the first NUL of the buffer
};

// The reflected CRC-32 of zlib and Ethernet (polynomial 0xEDB88320), which NRPE computes over
// the whole packet with the CRC field zeroed.
uint32_t nrpeCrc32(std::span<const uint8_t> bytes);

// Lays out `packet` for the wire, CRC included. A query in version 3 or 4 is padded to the
// size of a version 2 packet, as check_nrpe does, so that servers tested only against
// check_nrpe see what they expect. Fails when the text does not fit the version's buffer with
// its NUL (1023 characters for version 2, 65535 for 3 and 4) or the version is not 2, 3 or 4.
Result<std::vector<uint8_t>> encodeNrpePacket(const NrpePacket& packet);

// The size of the whole packet that starts with `header` (kNrpeHeaderSize bytes), so that a
// reader knows how much more to read. Fails for an unknown version or a buffer_length outside
// 0..65536, before anything else is read.
Result<size_t> nrpePacketSize(std::span<const uint8_t> header);

// Decodes one whole packet: version, size, CRC, buffer_length and type are checked, and
// nothing of a packet that fails a check is returned. The text ends at the buffer's first NUL;
// the bytes after it (random in packets from the reference programs) count only for the CRC.
Result<NrpePacket> decodeNrpePacket(std::span<const uint8_t> bytes);

// decodeNrpePacket() for the answer to a query sent in `expected_version`: it must be a
// response in that same version, because a server answers in the version it was asked in.
Result<NrpePacket> decodeNrpeResponse(std::span<const uint8_t> bytes, int expected_version);

// The query text: `command`, or `command!arg1!arg2...`.
std::string nrpeQueryText(std::string_view command, const std::vector<std::string>& args);

}  // namespace bsm::plugins::nagios
