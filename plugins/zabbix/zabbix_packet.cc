#include "plugins/zabbix/zabbix_packet.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>

namespace bsm::plugins::zabbix {

namespace {

constexpr std::string_view kMagic = "ZBXD";
constexpr uint8_t kKnownFlags = kFlagProtocol | kFlagCompressed | kFlagLargePacket;

uint64_t readLittleEndian(std::span<const uint8_t> bytes) {
  uint64_t value = 0;
  for (size_t i = bytes.size(); i-- > 0;) {
    value = (value << 8) | bytes[i];
  }
  return value;
}

void appendLittleEndian32(std::vector<uint8_t>& out, uint32_t value) {
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<uint8_t>(value >> (8 * i)));
  }
}

std::string hexByte(uint8_t byte) {
  static constexpr char kDigits[] = "0123456789abcdef";
  return {'0', 'x', kDigits[byte >> 4], kDigits[byte & 0x0f]};
}

// zlib's inflate into exactly `expected` bytes: the stream must end there and use all of
// `data`, so that neither a short stream nor a bomb that inflates past its claim gets through.
// The output grows with what the stream really yields, not to the claim at once, so a small
// packet that claims 64 MiB costs what it inflates to.
Result<std::string> inflateExactly(std::span<const uint8_t> data, uint64_t expected) {
  constexpr uint64_t kFirstOutput = 64 * 1024;
  std::string out(std::min(expected, std::max<uint64_t>(kFirstOutput, 4 * data.size())), '\0');
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) {
    return Error{"cannot start zlib"};
  }
  // zlib's interface is not const-correct; it only reads next_in.
  stream.next_in = const_cast<Bytef*>(data.data());
  stream.avail_in = static_cast<uInt>(data.size());
  int status = Z_OK;
  while (status == Z_OK || status == Z_BUF_ERROR) {
    if (stream.total_out == out.size()) {
      if (out.size() == expected) {
        break;
      }
      out.resize(std::min<uint64_t>(expected, 2 * out.size()));
    }
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + stream.total_out);
    stream.avail_out = static_cast<uInt>(out.size() - stream.total_out);
    const uLong before = stream.total_out;
    const uInt input_before = stream.avail_in;
    status = inflate(&stream, Z_NO_FLUSH);
    if (status == Z_BUF_ERROR && stream.total_out == before && stream.avail_in == input_before) {
      break;  // no progress: the input is used up before the stream's end
    }
  }
  if (status == Z_OK || status == Z_BUF_ERROR) {
    // All `expected` bytes are out, or the input ran dry: one byte more tells which.
    Bytef extra = 0;
    stream.next_out = &extra;
    stream.avail_out = 1;
    status = inflate(&stream, Z_NO_FLUSH);
  }
  const uint64_t produced = stream.total_out;
  const uInt unused = stream.avail_in;
  const std::string detail = stream.msg != nullptr ? stream.msg : "";
  inflateEnd(&stream);

  if (produced > expected) {
    return Error{"compressed data inflates to more than the " + std::to_string(expected) +
                 " bytes the header says"};
  }
  if (status == Z_STREAM_END) {
    if (produced != expected) {
      return Error{"compressed data inflates to " + std::to_string(produced) +
                   " bytes, but the header says " + std::to_string(expected)};
    }
    if (unused != 0) {
      return Error{std::to_string(unused) + " bytes follow the end of the compressed data"};
    }
    return out;
  }
  if (status == Z_OK || status == Z_BUF_ERROR) {
    return Error{"compressed data ends early"};
  }
  return Error{"compressed data is damaged" + (detail.empty() ? "" : " (" + detail + ")")};
}

}  // namespace

Result<size_t> headerSize(std::span<const uint8_t> prefix) {
  if (prefix.size() < kHeaderPrefixSize) {
    return Error{"packet too short for a header"};
  }
  if (std::memcmp(prefix.data(), kMagic.data(), kMagic.size()) != 0) {
    return Error{"not a Zabbix packet (no \"ZBXD\" header)"};
  }
  const uint8_t flags = prefix[4];
  if ((flags & kFlagProtocol) == 0 || (flags & ~kKnownFlags) != 0) {
    return Error{"unsupported header flags " + hexByte(flags)};
  }
  return (flags & kFlagLargePacket) != 0 ? kLargeHeaderSize : kHeaderSize;
}

Result<PacketHeader> decodeHeader(std::span<const uint8_t> bytes, const PacketLimits& limits) {
  const auto size = headerSize(bytes);
  if (!size) {
    return size.error();
  }
  if (bytes.size() < *size) {
    return Error{"packet too short for its header"};
  }

  PacketHeader header;
  header.flags = bytes[4];
  header.header_size = *size;
  const size_t field = (*size - kHeaderPrefixSize) / 2;
  header.data_length = readLittleEndian(bytes.subspan(kHeaderPrefixSize, field));
  header.reserved = readLittleEndian(bytes.subspan(kHeaderPrefixSize + field, field));

  if (header.data_length > limits.max_data) {
    return Error{"packet declares " + std::to_string(header.data_length) +
                 " bytes of data, over the limit of " + std::to_string(limits.max_data)};
  }
  if (header.compressed() && header.reserved > limits.max_inflated) {
    return Error{"compressed packet declares " + std::to_string(header.reserved) +
                 " bytes inflated, over the limit of " + std::to_string(limits.max_inflated)};
  }
  return header;
}

Result<std::string> decodeData(const PacketHeader& header, std::span<const uint8_t> data,
                               const PacketLimits& limits) {
  if (data.size() != header.data_length) {
    return Error{"packet data is " + std::to_string(data.size()) + " bytes, header says " +
                 std::to_string(header.data_length)};
  }
  if (!header.compressed()) {
    return std::string(reinterpret_cast<const char*>(data.data()), data.size());
  }
  if (header.reserved > limits.max_inflated) {
    return Error{"compressed packet declares " + std::to_string(header.reserved) +
                 " bytes inflated, over the limit of " + std::to_string(limits.max_inflated)};
  }
  return inflateExactly(data, header.reserved);
}

Result<std::string> decodePacket(std::span<const uint8_t> bytes, const PacketLimits& limits) {
  const auto header = decodeHeader(bytes, limits);
  if (!header) {
    return header.error();
  }
  const size_t available = bytes.size() - header->header_size;
  if (available < header->data_length) {
    return Error{"packet truncated: header says " + std::to_string(header->data_length) +
                 " bytes of data, " + std::to_string(available) + " arrived"};
  }
  if (available > header->data_length) {
    return Error{"length mismatch: header says " + std::to_string(header->data_length) +
                 " bytes of data, but " + std::to_string(available) + " follow it"};
  }
  return decodeData(*header, bytes.subspan(header->header_size), limits);
}

Result<std::vector<uint8_t>> encodePacket(std::string_view payload, Compression compression) {
  constexpr uint64_t kMaxLength = std::numeric_limits<uint32_t>::max();
  if (payload.size() > kMaxLength) {
    return Error{"payload of " + std::to_string(payload.size()) + " bytes is too large"};
  }

  std::vector<uint8_t> data;
  uint8_t flags = kFlagProtocol;
  uint32_t reserved = 0;
  if (compression == Compression::kZlib) {
    uLongf size = compressBound(static_cast<uLong>(payload.size()));
    data.resize(size);
    if (compress(data.data(), &size, reinterpret_cast<const Bytef*>(payload.data()),
                 static_cast<uLong>(payload.size())) != Z_OK) {
      return Error{"zlib cannot compress the payload"};
    }
    data.resize(size);
    flags |= kFlagCompressed;
    reserved = static_cast<uint32_t>(payload.size());
  } else {
    data.assign(payload.begin(), payload.end());
  }

  std::vector<uint8_t> out;
  out.reserve(kHeaderSize + data.size());
  out.insert(out.end(), kMagic.begin(), kMagic.end());
  out.push_back(flags);
  appendLittleEndian32(out, static_cast<uint32_t>(data.size()));
  appendLittleEndian32(out, reserved);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

}  // namespace bsm::plugins::zabbix
