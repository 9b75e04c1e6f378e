// libFuzzer target: a service model file. Whatever the bytes, loading ends in a model or a
// ConfigError, never a crash, a hang or another exception.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/config_file.h"
#include "server/service_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    bsm::server::ServiceModel::parse(text, "fuzz.yaml");
  } catch (const bsm::ConfigError&) {
  }
  return 0;
}
