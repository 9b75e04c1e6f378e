#include "agent/once_runner.h"

#include <future>
#include <mutex>

#include <nlohmann/json.hpp>

#include "common/logging.h"
#include "common/time_format.h"

namespace bsm::agent {

namespace {

// A plain threshold prints as the number it is; any other Nagios range as its text ("10:").
nlohmann::ordered_json thresholdJson(const NagiosRange& range) {
  if (auto plain = range.plainUpperBound()) {
    return *plain;
  }
  return range.toString();
}

// Keeps what one input emitted, in order, so inputs that ran in parallel print as blocks.
class CollectingEmitter : public plugins::Emitter {
 public:
  void emit(Sample sample) override {
    nlohmann::ordered_json line = {{"kind", "sample"},
                                   {"host", sample.host},
                                   {"name", sample.name},
                                   {"labels", sample.labels},
                                   {"value", sample.value},
                                   {"unit", sample.unit},
                                   {"ts", formatRfc3339(sample.ts_ms)}};
    if (sample.warn)
      line["warn"] = thresholdJson(*sample.warn);
    if (sample.crit)
      line["crit"] = thresholdJson(*sample.crit);
    if (sample.min)
      line["min"] = *sample.min;
    if (sample.max)
      line["max"] = *sample.max;
    add(std::move(line));
  }
  void emit(CheckResult result) override {
    nlohmann::ordered_json line = {
        {"kind", "check"},         {"host", result.host},
        {"name", result.name},     {"state", std::string(toString(result.state))},
        {"output", result.output}, {"ts", formatRfc3339(result.ts_ms)}};
    if (!result.labels.empty()) {
      line["labels"] = result.labels;
    }
    add(std::move(line));
  }
  std::vector<nlohmann::ordered_json> take() {
    std::lock_guard lock(mutex_);
    return std::move(lines_);
  }

 private:
  void add(nlohmann::ordered_json line) {
    std::lock_guard lock(mutex_);
    lines_.push_back(std::move(line));
  }
  std::mutex mutex_;
  std::vector<nlohmann::ordered_json> lines_;
};

}  // namespace

int runOnce(AgentConfig& config, std::ostream& out) {
  struct Run {
    plugins::Input* input;
    CollectingEmitter emitter;
    std::future<std::string> error;
  };
  std::vector<std::unique_ptr<Run>> runs;
  for (auto& input : config.inputs) {
    if (!input->collectsOnce()) {
      logging::get("agent")->info("input={} listens rather than polls; --once skips it",
                                  input->settings().name);
      continue;
    }
    auto run = std::make_unique<Run>();
    run->input = input.get();
    Run* raw = run.get();
    run->error = std::async(std::launch::async, [raw]() -> std::string {
      try {
        raw->input->collect(raw->emitter);
        return {};
      } catch (const std::exception& e) {
        return e.what();
      }
    });
    runs.push_back(std::move(run));
  }

  int failures = 0;
  for (auto& run : runs) {
    const std::string error = run->error.get();
    for (const auto& line : run->emitter.take()) {
      // Invalid UTF-8 from a plugin is replaced rather than aborting the whole output.
      out << line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
    }
    if (!error.empty()) {
      failures++;
      logging::get("agent")->error("input={} failed: {}", run->input->settings().name, error);
    }
  }
  out.flush();
  return failures;
}

}  // namespace bsm::agent
