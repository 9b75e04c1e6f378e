#include "plugins/zabbix/passive_check.h"

#include <charconv>
#include <cmath>
#include <vector>

#include "plugins/net/deadline_connection.h"

namespace bsm::plugins::zabbix {

namespace {

constexpr std::string_view kNotSupported = "ZBX_NOTSUPPORTED";

bool isBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Reads exactly into.size() bytes, or says who ended the exchange early.
Status readExactly(net::DeadlineConnection& connection, std::span<uint8_t> into,
                   const net::Deadline& deadline, const char* what) {
  auto read = connection.readFull(into, deadline);
  if (!read) {
    return read.error();
  }
  if (read->bytes < into.size()) {
    return Error{"the agent " + read->ended + " the connection in the middle of " + what + " (" +
                 std::to_string(read->bytes) + " of " + std::to_string(into.size()) + " bytes)"};
  }
  return Status::success();
}

}  // namespace

ItemAnswer parseAgentAnswer(std::string payload) {
  ItemAnswer answer;
  if (payload.starts_with(kNotSupported) &&
      (payload.size() == kNotSupported.size() || payload[kNotSupported.size()] == '\0')) {
    answer.supported = false;
    if (payload.size() > kNotSupported.size()) {
      answer.reason = payload.substr(kNotSupported.size() + 1);
    }
    return answer;
  }
  answer.value = std::move(payload);
  return answer;
}

std::optional<double> numericValue(std::string_view text) {
  while (!text.empty() && isBlank(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && isBlank(text.back())) {
    text.remove_suffix(1);
  }
  if (text.starts_with('+')) {
    text.remove_prefix(1);
  }
  if (text.empty()) {
    return std::nullopt;
  }
  // from_chars takes "inf", "nan" and hexadecimal only when asked to; the general format
  // still accepts "inf" and "nan", which no agent prints for a number.
  double value = 0;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::general);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

PassiveCheck::PassiveCheck(HostPort agent, PacketLimits limits)
    : agent_(std::move(agent)), limits_(limits) {}

Result<ItemAnswer> PassiveCheck::ask(std::string_view key, std::chrono::milliseconds timeout,
                                     bool* reached) const {
  if (reached != nullptr) {
    *reached = false;
  }
  const auto deadline = net::Deadline::in(timeout);
  auto request = encodePacket(key);
  if (!request) {
    return request.error();
  }
  auto connection = net::DeadlineConnection::open(agent_, nullptr, "", deadline);
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
    // zabbix_agentd hangs up at once on a client missing from its Server= list.
    return Error{"the agent " + first->ended +
                 " the connection without an answer (is this host in the agent's Server= list?)"};
  }
  if (first->bytes < kHeaderPrefixSize) {
    return Error{"the agent " + first->ended + " the connection after " +
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
  const auto decoded = decodeHeader(std::span(header).first(*size), limits_);
  if (!decoded) {
    return Error{"bad answer: " + decoded.error().message};
  }

  std::vector<uint8_t> data(decoded->data_length);
  if (Status read = readExactly(**connection, data, deadline, "the value"); !read) {
    return read.error();
  }
  auto payload = decodeData(*decoded, data, limits_);
  if (!payload) {
    return Error{"bad answer: " + payload.error().message};
  }
  return parseAgentAnswer(std::move(*payload));
}

}  // namespace bsm::plugins::zabbix
