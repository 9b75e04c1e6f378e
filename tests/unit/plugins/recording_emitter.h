#pragma once

#include <utility>
#include <vector>

#include "plugins/input.h"

namespace bsm::plugins::testing {

// Keeps what an input emits, in order, for tests that call the input on their own thread.
class RecordingEmitter : public Emitter {
 public:
  void emit(Sample sample) override { samples.push_back(std::move(sample)); }
  void emit(CheckResult result) override { checks.push_back(std::move(result)); }

  std::vector<Sample> samples;
  std::vector<CheckResult> checks;
};

}  // namespace bsm::plugins::testing
