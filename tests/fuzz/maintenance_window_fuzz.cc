// libFuzzer target: a maintenance window as POST /api/v1/maintenance receives it. Whatever the
// bytes, reading ends in a window or an error naming the field, never a crash or an exception;
// a window that reads must also answer whether it is active without failing.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "server/maintenance_window.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const nlohmann::json body = nlohmann::json::parse(text, nullptr, false);
  if (body.is_discarded()) {
    return 0;
  }
  constexpr int64_t kNow = 1'796'000'000'000;  // a fixed "now" keeps runs reproducible
  auto window = bsm::server::MaintenanceWindow::fromJson(body, kNow);
  if (window) {
    (void)window->activeAt(kNow);
    (void)window->toJson().dump();
  }
  return 0;
}
