#include "tools/check_bsm_command.h"

#include <cmath>
#include <cstdlib>
#include <exception>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "common/version.h"
#include "server/token_file.h"
#include "tools/api_client.h"
#include "tools/service_check.h"

namespace bsm::tools {

namespace {

constexpr const char* kUsage =
    "Usage: check_bsm -H SERVER [-p PORT] -s SERVICE [--token-file FILE] [-t SECONDS]\n"
    "                 [--zabbix] [-v]\n";

constexpr const char* kFooter =
    "Exit status: the service's state, 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. The server not\n"
    "answering, a refused token, an unknown service and usage errors are UNKNOWN too.\n"
    "The token is read from --token-file, else from $BSM_TOKEN; a read-only token is enough.\n"
    "With --zabbix the output is only the state's number and the exit status 0, as a Zabbix\n"
    "external check needs. See docs/plugins/nagios.md.";

CheckBsmOutcome finish(const CheckBsmOptions& options, const PluginOutput& output) {
  if (options.zabbix) {
    // Zabbix ignores the exit status of external checks (3.4.0 to 3.4.2 made any other than 0
    // unsupported): the number printed is the value.
    return {0, output.renderZabbix()};
  }
  return {output.exitCode(), output.render()};
}

CheckBsmOutcome usageError(const std::string& message) {
  PluginOutput output;
  output.summary = "usage error: " + message;
  return {output.exitCode(), output.render() + kUsage + "Run 'check_bsm --help' for more.\n"};
}

}  // namespace

std::string CheckBsmOptions::serverUrl() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return fmt::format("http://{}:{}", ipv6 ? "[" + host + "]" : host, port);
}

std::chrono::milliseconds CheckBsmOptions::timeout() const {
  return std::chrono::milliseconds(std::llround(timeout_seconds * 1000));
}

CheckBsmCommand::Parsed CheckBsmCommand::parse(int argc, const char* const* argv) {
  CheckBsmOptions options;
  CLI::App app{
      "check_bsm: a Nagios-compatible plugin that reports the state of one business service "
      "as bsm-server sees it, with the components and child services that are not OK and "
      "counts (and availability, where the server has it) as performance data.",
      "check_bsm"};
  app.footer(kFooter);
  app.set_help_flag("-h,--help", "Print this help and exit (status 3, as plugins do)");
  app.set_version_flag("-V,--version", fmt::format("check_bsm {} (bsm)", kVersion),
                       "Print the version and exit (status 3, as plugins do)");

  app.add_option("-H,--hostname", options.host, "bsm-server's host name or address")
      ->type_name("SERVER")
      ->required();
  app.add_option(
         "-p,--port", options.port,
         fmt::format("Port of bsm-server's HTTP API (default {})", CheckBsmOptions::kDefaultPort))
      ->type_name("PORT")
      ->check(CLI::Range(1, 65535));
  app.add_option("-s,--service", options.service, "Name of the business service")
      ->type_name("SERVICE")
      ->required();
  app.add_option("--token-file", options.token_file,
                 "File that holds the API token (default: $BSM_TOKEN)")
      ->type_name("FILE");
  app.add_option("-t,--timeout", options.timeout_seconds,
                 fmt::format("Seconds to wait for the server's answers (default {:g})",
                             CheckBsmOptions::kDefaultTimeoutSeconds))
      ->type_name("SECONDS")
      // Nagios Core stops a check after 60 s by default; an hour bounds any typo.
      ->check(CLI::Range(0.001, 3600.0));
  app.add_flag("--zabbix", options.zabbix,
               "Print only the state's number (0-3) and exit 0, for a Zabbix external check");
  app.add_flag("-v,--verbose", options.verbose,
               "Say in the long output why availability is missing");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return {std::nullopt, {3, app.help()}};
  } catch (const CLI::CallForVersion& e) {
    return {std::nullopt, {3, std::string(e.what()) + "\n"}};
  } catch (const CLI::ParseError& e) {
    return {std::nullopt, usageError(e.what())};
  }

  if (options.service.empty()) {
    return {std::nullopt, usageError("--service is empty")};
  }
  if (options.host.empty()) {
    return {std::nullopt, usageError("--hostname is empty")};
  }
  return {options, {}};
}

CheckBsmOutcome CheckBsmCommand::execute(const CheckBsmOptions& options) {
  try {
    std::string token;
    std::vector<std::string> warnings;
    if (!options.token_file.empty()) {
      Result<server::TokenFile> file = server::TokenFile::read(options.token_file);
      if (!file) {
        return finish(options, ServiceCheck::unknown(options.service, file.error().message));
      }
      token = file->token();
      warnings = file->warnings();
    } else if (const char* from_environment = std::getenv("BSM_TOKEN")) {
      token = from_environment;
    }
    if (token.empty()) {
      return finish(options,
                    ServiceCheck::unknown(options.service,
                                          "no API token: give --token-file FILE or set BSM_TOKEN"));
    }

    Result<ApiClient> client = ApiClient::create(options.serverUrl(), std::move(token));
    if (!client) {
      return finish(options, ServiceCheck::unknown(options.service, client.error().message));
    }
    PluginOutput output = ServiceCheck::run(
        *client,
        {.service = options.service, .timeout = options.timeout(), .verbose = options.verbose});
    // A plugin's stderr is lost under Nagios and poisons a Zabbix value, so warnings about the
    // token file go into the long output, where an admin reading the service will see them.
    for (const std::string& warning : warnings) {
      output.details.push_back("warning: " + warning);
    }
    return finish(options, output);
  } catch (const std::exception& e) {
    return finish(options, ServiceCheck::unknown(options.service,
                                                 fmt::format("internal error: {}", e.what())));
  }
}

CheckBsmOutcome CheckBsmCommand::timedOut(const CheckBsmOptions& options) {
  return finish(options,
                ServiceCheck::timedOut(options.service, options.serverUrl(), options.timeout()));
}

}  // namespace bsm::tools
