#include "plugins/zabbix/zabbix_exchange.h"

#include <algorithm>
#include <vector>

#include "plugins/net/deadline_connection.h"

namespace bsm::plugins::zabbix {

namespace {

// Reads exactly into.size() bytes, or says who ended the exchange early.
Status readExactly(net::DeadlineConnection& connection, std::span<uint8_t> into,
                   const net::Deadline& deadline, const char* what) {
  auto read = connection.readFull(into, deadline);
  if (!read) {
    return read.error();
  }
  if (read->bytes < into.size()) {
    return Error{"the peer " + read->ended + " the connection in the middle of " + what + " (" +
                 std::to_string(read->bytes) + " of " + std::to_string(into.size()) + " bytes)"};
  }
  return Status::success();
}

}  // namespace

Result<std::string> exchangePacket(const HostPort& peer, std::string_view payload,
                                   std::chrono::milliseconds timeout, const PacketLimits& limits,
                                   bool* reached) {
  if (reached != nullptr) {
    *reached = false;
  }
  const auto deadline = net::Deadline::in(timeout);
  auto request = encodePacket(payload);
  if (!request) {
    return request.error();
  }
  auto connection = net::DeadlineConnection::open(peer, nullptr, "", deadline);
  if (!connection) {
    return connection.error();
  }
  if (reached != nullptr) {
    *reached = true;
  }
  if (Status sent = (*connection)->writeAll(*request, deadline); !sent) {
    return sent.error();
  }

  // The header says how much follows; its sizes are checked before the data is read.
  std::vector<uint8_t> header(kLargeHeaderSize);
  auto first = (*connection)->readFull(std::span(header).first(kHeaderPrefixSize), deadline);
  if (!first) {
    return first.error();
  }
  if (first->bytes == 0) {
    // zabbix_agentd hangs up at once on a client missing from its Server= list, and a
    // Zabbix server on one that is not allowed to send.
    return Error{"the peer " + first->ended +
                 " the connection without an answer (is this host allowed to ask it?)"};
  }
  if (first->bytes < kHeaderPrefixSize) {
    return Error{"the peer " + first->ended + " the connection after " +
                 std::to_string(first->bytes) + " bytes"};
  }
  const auto size = headerSize(header);
  if (!size) {
    return Error{"bad answer: " + size.error().message};
  }
  const auto rest = std::span(header).subspan(kHeaderPrefixSize, *size - kHeaderPrefixSize);
  if (Status read = readExactly(**connection, rest, deadline, "the header"); !read) {
    return read.error();
  }
  const auto decoded = decodeHeader(std::span(header).first(*size), limits);
  if (!decoded) {
    return Error{"bad answer: " + decoded.error().message};
  }

  // Read a chunk at a time, so that memory follows the bytes that arrive, not the claim.
  constexpr size_t kChunk = 64 * 1024;
  std::vector<uint8_t> data;
  while (data.size() < decoded->data_length) {
    const size_t have = data.size();
    data.resize(have + std::min<uint64_t>(kChunk, decoded->data_length - have));
    if (Status read =
            readExactly(**connection, std::span(data).subspan(have), deadline, "the answer");
        !read) {
      return read.error();
    }
  }
  auto answer = decodeData(*decoded, data, limits);
  if (!answer) {
    return Error{"bad answer: " + answer.error().message};
  }
  return answer;
}

}  // namespace bsm::plugins::zabbix
