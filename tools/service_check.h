#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/check_state.h"
#include "tools/api_client.h"

namespace bsm::tools {

// A Nagios plugin's result as check_bsm prints it: the state is the exit code, the summary the
// first line, the details the long output.
struct PluginOutput {
  CheckState state = CheckState::kUnknown;
  std::string service;               // shown before the summary; empty for usage errors
  std::string summary;               // without the "BSM STATE - service: " head
  std::vector<std::string> details;  // long output, one line each
  std::string perfdata;              // "label=value[UOM];warn;crit;min;max ..." or empty

  // "BSM CRITICAL - online-shop: reason | perfdata\nline\n...": perfdata on the first line,
  // where every Nagios-compatible core reads it, and the long output below.
  std::string render() const;

  // Just the state's number (0..3) and a newline, for a Zabbix external check: Zabbix takes
  // the whole of stdout and stderr as the item's value, so anything more would make a numeric
  // item unsupported.
  std::string renderZabbix() const;

  int exitCode() const { return static_cast<int>(state); }
};

// What GET /api/v1/services/{name}/sla gave: its answer, or why there is none.
struct SlaLookup {
  std::optional<nlohmann::json> answer;
  // Why there is no answer; shown only in verbose mode, since a server without the SLA endpoint
  // is normal and the business state is what the check is about.
  std::string problem;
};

// check_bsm's logic: asks bsm-server about one business service and turns the answers into a
// Nagios plugin result.
class ServiceCheck {
 public:
  // At most this many not-OK components and child services are listed in the long output, so
  // that the whole output stays well inside the 8 KiB Nagios Core reads.
  static constexpr size_t kMaxDetailLines = 20;
  // Longer lines (a plugin's output in a reason) are cut, for the same reason.
  static constexpr size_t kMaxLineBytes = 300;
  // The SLA is asked only when at least this much of the timeout is left.
  static constexpr std::chrono::milliseconds kMinSlaBudget{250};

  struct Options {
    std::string service;
    std::chrono::milliseconds timeout{10'000};
    bool verbose = false;  // explain in the long output why availability is missing
  };

  // Builds the result from the answer of GET /api/v1/services/{name} (`service`) and the SLA
  // lookup. An answer that is not bsm-server's service detail gives UNKNOWN.
  static PluginOutput evaluate(const std::string& name, const nlohmann::json& service,
                               const SlaLookup& sla, bool verbose);

  // UNKNOWN with `why` as the summary.
  static PluginOutput unknown(const std::string& name, const std::string& why);

  // UNKNOWN because the server at `url` did not answer within `timeout`.
  static PluginOutput timedOut(const std::string& name, const std::string& url,
                               std::chrono::milliseconds timeout);

  // Asks the server for the service and, within what is left of the timeout, its SLA, and
  // evaluates the answers. Every failure is an UNKNOWN result that says what went wrong.
  static PluginOutput run(ApiClient& client, const Options& options);
};

}  // namespace bsm::tools
