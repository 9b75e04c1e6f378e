#pragma once

#include <chrono>
#include <string>

#include "common/sample.h"

namespace bsm::plugins {

// Where an input hands over what it collected. Implementations are thread-safe: listener
// inputs emit from their own threads.
class Emitter {
 public:
  virtual ~Emitter() = default;
  virtual void emit(Sample sample) = 0;
  virtual void emit(CheckResult result) = 0;
};

// What every input has, whatever its plugin.
struct InputSettings {
  std::string plugin;  // "system", "nagios", ...
  std::string name;    // unique within the agent; defaults to the plugin name
  std::string host;    // host that samples speak for unless the source names another
  std::chrono::milliseconds interval{10'000};
  std::chrono::milliseconds timeout{10'000};
  // How often each series of this input gets a new value, which the server's staleness is
  // reckoned from; 0 means every interval. An input that forwards another system's results
  // (a Nagios server's perfdata files, read every few seconds, about checks run every few
  // minutes) sets the other system's rhythm here.
  std::chrono::milliseconds report_interval{0};
  std::chrono::milliseconds seriesInterval() const {
    return report_interval.count() > 0 ? report_interval : interval;
  }
};

// One configured source of samples and check results.
//
// Polling inputs implement collect(); the agent's scheduler calls it every interval, never
// concurrently with itself, and must be prepared for it to take up to the input's timeout.
// Listening inputs (trap receivers, Zabbix trapper) override start() and stop() instead and
// emit whenever something arrives.
class Input {
 public:
  explicit Input(InputSettings settings) : settings_(std::move(settings)) {}
  virtual ~Input() = default;
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;

  const InputSettings& settings() const { return settings_; }

  // True for inputs the scheduler should call collect() on.
  virtual bool polled() const { return true; }
  // True for inputs that can collect one round on demand (bsm-agent --once): every polled
  // input, and self-scheduled ones such as plugin checks. Pure listeners cannot.
  virtual bool collectsOnce() const { return polled(); }
  // Collects one round.
  virtual void collect(Emitter& out) { (void)out; }
  // Starts and stops a listening input; `out` outlives the input's running time.
  virtual void start(Emitter& out) { (void)out; }
  virtual void stop() {}

 private:
  InputSettings settings_;
};

}  // namespace bsm::plugins
