#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/log_rate_limiter.h"
#include "plugins/input.h"
#include "plugins/input_registry.h"
#include "plugins/nagios/check_emitter.h"
#include "plugins/nagios/nrpe_client.h"

namespace bsm::plugins::nagios {

// What the `nrpe` input asks, and for whom the answer speaks.
struct NrpeQuery {
  std::string command;            // a command[...] the server defines
  std::vector<std::string> args;  // sent as command!a!b; at most 16
  std::string check;              // the check's name; by default the command
  std::string check_host;         // the host the results speak for; by default the NRPE host
};

// Polls one command on an NRPE server (check_nrpe's job) and reports it as a check result for
// the remote host, with its perfdata as samples.
//
// Every round produces a check result: when the server cannot be asked (refused, timed out,
// TLS failed, a damaged packet), the result is UNKNOWN and its output names the server and
// the reason, so a dead NRPE shows on the service model instead of going stale quietly.
class NrpeInput : public Input {
 public:
  NrpeInput(InputSettings settings, NrpeQuery query, std::unique_ptr<NrpeClient> client);

  // Options: host, port (5666), command, args, check (the check's name; default the input's
  // name), check_host (default the NRPE host, or the agent's own host when that is loopback),
  // tls (adh | certificate | none),
  // ca, cert, key, server_name (certificate mode), version (auto | 4 | 2).
  static InputFactory factory();

  void collect(Emitter& out) override;

  // One query turned into the check run collect() emits.
  CheckRun run();

  struct Stats {
    uint64_t rounds = 0;
    uint64_t failures = 0;  // rounds with no usable answer from the server
  };
  Stats stats() const { return Stats{rounds_.load(), failures_.load()}; }

 private:
  void noteFailure(const std::string& reason);

  NrpeQuery query_;
  std::string query_text_;
  std::unique_ptr<NrpeClient> client_;
  bool failing_ = false;
  // A server that stays down fails every round; a few lines in ten minutes say so.
  LogRateLimiter failure_log_{3, std::chrono::minutes(10)};
  std::atomic<uint64_t> rounds_{0};
  std::atomic<uint64_t> failures_{0};
};

}  // namespace bsm::plugins::nagios
