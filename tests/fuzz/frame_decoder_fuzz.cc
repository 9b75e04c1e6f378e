// libFuzzer target: bytes from an agent, as the server's session decodes them. The first byte
// picks how the input is cut into reads, so splits across frame boundaries are explored too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/frame_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const size_t chunk = 1 + data[0] % 64;
  bsm::FrameDecoder decoder(64 * 1024);
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  while (!input.empty()) {
    const size_t n = std::min(chunk, input.size());
    decoder.append(input.substr(0, n));
    input.remove_prefix(n);
    while (true) {
      auto next = decoder.next();
      if (!next.ok()) {
        return 0;
      }
      if (!next->has_value()) {
        break;
      }
    }
  }
  return 0;
}
