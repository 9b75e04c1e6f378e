#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "plugins/input.h"
#include "plugins/input_registry.h"
#include "plugins/nagios/check_emitter.h"
#include "plugins/nagios/check_runner.h"

namespace bsm::plugins::nagios {

// The `nagios` input: runs one Nagios plugin on this host every interval and reports its
// state, output and perfdata, exactly as Nagios Core would read them.
//
// The plugin is run by the agent's CheckRunner rather than on the scheduler's threads, so a
// plugin that hangs until its timeout holds up nothing else. Exit codes 0-3 are the state;
// anything else (another code, a signal, a timeout, a plugin that cannot start) is UNKNOWN
// with the reason next to whatever the plugin printed.
class NagiosInput : public Input {
 public:
  NagiosInput(InputSettings settings, PluginCommand command, std::string check,
              std::string check_host, CheckRunner& runner);
  ~NagiosInput() override;

  // Options: command (a list, or a string of plain words; with shell: true, a shell command
  // line), shell, env (a map), kill_grace, check (the check's name; default the input's name),
  // check_host (default the agent's host).
  static InputFactory factory();

  // Runs on the CheckRunner's schedule between start() and stop().
  bool polled() const override { return false; }
  bool collectsOnce() const override { return true; }
  void start(Emitter& out) override;
  void stop() override;
  // One run, waited for: bsm-agent --once.
  void collect(Emitter& out) override;

  const PluginCommand& command() const { return command_; }

 private:
  CheckRun toCheckRun(const PluginOutcome& outcome) const;

  PluginCommand command_;
  std::string check_;
  std::string check_host_;
  CheckRunner& runner_;
  std::mutex mutex_;
  bool scheduled_ = false;
  CheckRunner::ScheduleId schedule_id_ = 0;
};

}  // namespace bsm::plugins::nagios
