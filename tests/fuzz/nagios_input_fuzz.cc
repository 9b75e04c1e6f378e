// libFuzzer target: the other untrusted bytes of the Nagios adapter. The first byte picks the
// reader: a line of a Nagios or Icinga perfdata file (written by whoever can write the spool),
// or a packet from an NRPE server. Besides crashes and sanitizer reports it checks that what
// a reader accepts is consistent, and aborts when it is not.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "plugins/nagios/nrpe_packet.h"
#include "plugins/nagios/perfdata_line.h"

namespace {

void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

void perfdataLine(std::string_view line) {
  auto parsed = bsm::plugins::nagios::parsePerfdataLine(line);
  if (!parsed) {
    check(!parsed.error().message.empty());
    return;
  }
  const auto run = bsm::plugins::nagios::toCheckRun(*parsed);
  check(!run.host.empty());
  check(!run.check.empty());
}

void nrpePacket(std::span<const uint8_t> bytes) {
  auto packet = bsm::plugins::nagios::decodeNrpePacket(bytes);
  if (!packet) {
    check(!packet.error().message.empty());
    return;
  }
  // What decodes must encode again to a packet that decodes to the same text.
  auto encoded = bsm::plugins::nagios::encodeNrpePacket(*packet);
  if (encoded) {
    auto again = bsm::plugins::nagios::decodeNrpePacket(*encoded);
    check(again.ok() && again->text == packet->text && again->version == packet->version);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::span<const uint8_t> rest(data + 1, size - 1);
  if (data[0] & 1) {
    nrpePacket(rest);
  } else {
    perfdataLine(std::string_view(reinterpret_cast<const char*>(rest.data()), rest.size()));
  }
  return 0;
}
