#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "plugins/nagios/check_runner.h"
#include "server/notification_channel.h"

namespace bsm::server {

// Runs a command for each notification: the argument vector as configured (no shell), the
// notification document as JSON on standard input, and BSM_* variables (BSM_KIND, BSM_SERVICE,
// BSM_STATE, BSM_PREVIOUS_STATE, BSM_REASON, ...) in a clean environment. Exit status 0 is
// delivered; anything else, a signal or the timeout is retried later.
//
// The command runs under the agent's plugin runner: its own process group, killed with
// everything it started when the timeout passes.
// TODO: a descendant that leaves the group (setsid, a daemonizing helper) is adopted by
// bsm-server through the runner's subreaper and stays a zombie when it exits, because the server
// does not sweep orphans as bsm-agent does.
class ExecChannel final : public NotificationChannel {
 public:
  ExecChannel(std::vector<std::string> command, std::chrono::milliseconds timeout);

  Delivery deliver(const nlohmann::json& document) override;

  // The BSM_* variables for a document.
  static std::map<std::string, std::string> environment(const nlohmann::json& document);

 private:
  const std::vector<std::string> command_;
  const std::chrono::milliseconds timeout_;
  // One run at a time: deliveries of a channel are in order anyway.
  plugins::nagios::CheckRunner runner_{1};
};

}  // namespace bsm::server
