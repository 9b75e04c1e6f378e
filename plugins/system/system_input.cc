#include "plugins/system/system_input.h"

namespace bsm::plugins::system {

SystemInput::SystemInput(InputSettings settings) : Input(std::move(settings)) {}

InputFactory SystemInput::factory() {
  return [](const InputSettings& settings, const ConfigFile&, const YAML::Node&) {
    return std::make_unique<SystemInput>(settings);
  };
}

void SystemInput::collect(Emitter& out) {
  (void)out;
}

}  // namespace bsm::plugins::system
