#include "plugins/zabbix/passive_check.h"

#include <charconv>
#include <cmath>

#include "plugins/zabbix/zabbix_exchange.h"

namespace bsm::plugins::zabbix {

namespace {

constexpr std::string_view kNotSupported = "ZBX_NOTSUPPORTED";

bool isBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
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

std::string outputText(std::string_view value) {
  constexpr size_t kMaxOutput = 64 * 1024;
  std::string text(value.substr(0, value.find('\0')));
  if (text.size() > kMaxOutput) {
    text.resize(kMaxOutput);
    text += "\n(value cut at 64 KiB)";
  }
  return text;
}

PassiveCheck::PassiveCheck(HostPort agent, PacketLimits limits)
    : agent_(std::move(agent)), limits_(limits) {}

Result<ItemAnswer> PassiveCheck::ask(std::string_view key, std::chrono::milliseconds timeout,
                                     bool* reached) const {
  auto payload = exchangePacket(agent_, key, timeout, limits_, reached);
  if (!payload) {
    return payload.error();
  }
  return parseAgentAnswer(std::move(*payload));
}

}  // namespace bsm::plugins::zabbix
