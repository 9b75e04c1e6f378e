#pragma once

#include "plugins/input.h"
#include "plugins/input_registry.h"

namespace bsm::plugins::system {

// This host's own metrics from procfs and statvfs.
class SystemInput : public Input {
 public:
  explicit SystemInput(InputSettings settings);
  static InputFactory factory();
  void collect(Emitter& out) override;
};

}  // namespace bsm::plugins::system
