#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace bsm::tools {

// What check_bsm was asked to do.
struct CheckBsmOptions {
  static constexpr uint16_t kDefaultPort = 9440;
  static constexpr double kDefaultTimeoutSeconds = 10;

  std::string host;
  uint16_t port = kDefaultPort;
  std::string service;
  std::string token_file;  // empty: $BSM_TOKEN
  double timeout_seconds = kDefaultTimeoutSeconds;
  bool zabbix = false;   // print only the state's number, for a Zabbix external check
  bool verbose = false;  // say in the long output why availability is missing

  // "http://HOST:PORT", with an IPv6 address in brackets.
  std::string serverUrl() const;
  std::chrono::milliseconds timeout() const;
};

// What check_bsm prints on stdout and exits with.
struct CheckBsmOutcome {
  int exit_code = 3;
  std::string out;
};

// check_bsm's command line. Parsing and running are apart so that main() can arm its hard
// timeout in between, and tests can run both in-process.
class CheckBsmCommand {
 public:
  // The options, or what to print and exit with instead: --help and --version, and usage errors
  // (all exit 3, UNKNOWN, as the Monitoring Plugins do, so that a misconfigured service check
  // never reads as OK).
  struct Parsed {
    std::optional<CheckBsmOptions> options;
    CheckBsmOutcome outcome;
  };
  static Parsed parse(int argc, const char* const* argv);

  // Reads the token, asks the server and formats the result. Never throws.
  static CheckBsmOutcome execute(const CheckBsmOptions& options);

  // What to print when the hard timeout strikes, in the mode `options` chose.
  static CheckBsmOutcome timedOut(const CheckBsmOptions& options);
};

}  // namespace bsm::tools
