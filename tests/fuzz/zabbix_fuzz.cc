// libFuzzer target: the untrusted bytes of the Zabbix adapter. The first byte picks the reader:
// a whole ZBXD packet (from an agent, a sender or anything that reaches the trapper port), an
// item key (from a sender's JSON), a trapper request's JSON, or a passive agent's answer.
// Besides crashes and sanitizer reports it checks that what a reader accepts is consistent,
// and aborts when it is not.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "plugins/zabbix/item_key.h"
#include "plugins/zabbix/passive_check.h"
#include "plugins/zabbix/trapper_protocol.h"
#include "plugins/zabbix/zabbix_packet.h"

namespace {

namespace zabbix = bsm::plugins::zabbix;

void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

void packet(std::span<const uint8_t> bytes) {
  // Small limits, so that the fuzzer reaches them.
  const zabbix::PacketLimits limits{4096, 16384};
  auto payload = zabbix::decodePacket(bytes, limits);
  if (!payload) {
    check(!payload.error().message.empty());
    return;
  }
  check(payload->size() <= limits.max_inflated);
  // What decodes must encode again, either way, to a packet that decodes to the same payload.
  for (auto compression : {zabbix::Compression::kNone, zabbix::Compression::kZlib}) {
    auto encoded = zabbix::encodePacket(*payload, compression);
    check(encoded.ok());
    auto again = zabbix::decodePacket(*encoded, {});
    check(again.ok() && *again == *payload);
  }
}

void itemKey(std::string_view text) {
  auto key = zabbix::parseItemKey(text);
  if (!key) {
    check(!key.error().message.empty());
    return;
  }
  check(!key->name.empty());
  // Every parameter, quoted again where it needs it, must read back as itself.
  for (const auto& parameter : key->parameters) {
    if (parameter.array) {
      continue;
    }
    auto quoted = zabbix::keyParameter(parameter.text);
    if (!quoted) {
      continue;
    }
    auto again = zabbix::parseItemKey("k[" + *quoted + "]");
    check(again.ok() && again->parameters.size() == 1 &&
          again->parameters[0].text == parameter.text);
  }
}

void trapperRequest(std::string_view text) {
  auto request = zabbix::parseTrapperRequest(text);
  if (!request) {
    check(!request.error().message.empty());
    return;
  }
  for (const auto& value : request->values) {
    check(!value.host.empty() && value.host.size() <= zabbix::kMaxHostNameLength);
    check(zabbix::parseItemKey(value.key).ok());
  }
  for (const auto& refused : request->refused) {
    check(!refused.reason.empty());
  }
}

void agentAnswer(std::string_view text) {
  const auto answer = zabbix::parseAgentAnswer(std::string(text));
  check(answer.supported || answer.value.empty());
  if (answer.supported) {
    check(answer.value == text);
    (void)zabbix::numericValue(answer.value);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::span<const uint8_t> rest(data + 1, size - 1);
  const std::string_view text(reinterpret_cast<const char*>(rest.data()), rest.size());
  switch (data[0] % 4) {
    case 0:
      packet(rest);
      break;
    case 1:
      itemKey(text);
      break;
    case 2:
      trapperRequest(text);
      break;
    default:
      agentAnswer(text);
      break;
  }
  return 0;
}
