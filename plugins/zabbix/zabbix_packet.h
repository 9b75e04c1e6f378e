#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

// The Zabbix packet ("ZBXD" header and payload) that every Zabbix component speaks over TCP:
// passive agent checks, active agents, zabbix_sender, proxies. All lengths are little-endian.
//
//   "ZBXD" | flags (1) | data length (4, or 8 with kLargePacket) | reserved (same size) | data
//
// With kCompressed the data is a zlib stream and `reserved` holds its inflated size. Without it
// `reserved` means nothing: zabbix_agent2 6.0 fills it with the data length, agentd with 0.
namespace bsm::plugins::zabbix {

inline constexpr uint8_t kFlagProtocol = 0x01;     // always set by every Zabbix component
inline constexpr uint8_t kFlagCompressed = 0x02;   // data is zlib-compressed
inline constexpr uint8_t kFlagLargePacket = 0x04;  // 8-byte lengths (proxy configuration only)

inline constexpr size_t kHeaderSize = 13;       // "ZBXD", flags, two 4-byte lengths
inline constexpr size_t kLargeHeaderSize = 21;  // "ZBXD", flags, two 8-byte lengths
// What a reader needs before it can tell which header it has.
inline constexpr size_t kHeaderPrefixSize = 5;

// How much a reader accepts before it allocates anything. Zabbix itself allows 1 GiB; nothing
// bsm reads (an item value, a sender batch, active agent data) comes near that, and a declared
// size is checked against these before a byte of the data is read.
struct PacketLimits {
  uint64_t max_data = 16u << 20;      // bytes on the wire after the header
  uint64_t max_inflated = 16u << 20;  // bytes after decompression
};

// A header, as read from the wire.
struct PacketHeader {
  uint8_t flags = kFlagProtocol;
  uint64_t data_length = 0;  // bytes that follow the header
  uint64_t reserved = 0;     // the inflated size when compressed
  size_t header_size = kHeaderSize;

  bool compressed() const { return (flags & kFlagCompressed) != 0; }
};

// How many header bytes follow from the first kHeaderPrefixSize bytes ("ZBXD" and the flags),
// so that a reader knows how much more to read; fails on a bad magic or unknown flags.
Result<size_t> headerSize(std::span<const uint8_t> prefix);

// Decodes a whole header (headerSize() bytes) and checks its lengths against `limits`, so that
// a header that declares 2 GiB is refused before anything is allocated for it.
Result<PacketHeader> decodeHeader(std::span<const uint8_t> bytes, const PacketLimits& limits);

// The payload of a packet whose header is `header` and whose data (exactly data_length bytes)
// is `data`: inflated and checked against `reserved` when compressed, as is otherwise.
Result<std::string> decodeData(const PacketHeader& header, std::span<const uint8_t> data,
                               const PacketLimits& limits);

// Decodes one complete packet held in `bytes`, which must end where the packet ends: bytes
// after the declared data mean the length field is wrong (a sender that computed it badly),
// and such a packet is refused whole rather than cut at a length nobody meant.
Result<std::string> decodePacket(std::span<const uint8_t> bytes, const PacketLimits& limits);

enum class Compression { kNone, kZlib };

// A packet for the wire with a normal 13-byte header. Large packets are never written: Zabbix
// agents refuse the flag on their passive port. `reserved` is 0 unless compressed, as
// zabbix_agentd and the server write it. Fails only when the payload exceeds 4 GiB - 1.
Result<std::vector<uint8_t>> encodePacket(std::string_view payload,
                                          Compression compression = Compression::kNone);

}  // namespace bsm::plugins::zabbix
