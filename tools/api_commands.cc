#include "tools/api_commands.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/sample.h"
#include "server/token_file.h"
#include "tools/analysis_commands.h"
#include "tools/api_client.h"
#include "tools/api_session.h"
#include "tools/maintenance_commands.h"
#include "tools/table.h"

namespace bsm::tools {

namespace {

void runServices(const ApiSettings& settings, bool json, int& exit_code) {
  Result<nlohmann::json> body = fetch(settings, "/api/v1/services", "services");
  if (finishedWith(body, json, exit_code)) {
    return;
  }

  Table table({"NAME", "STATE", "SINCE", "REASON"});
  for (const nlohmann::json& service : (*body)["services"]) {
    table.addRow({text(service, "name"), text(service, "state"), showTime(service, "since"),
                  text(service, "reason")});
  }
  std::cout << (table.empty() ? "(no services in the model)\n" : table.render());
}

void runStatus(const ApiSettings& settings, const std::string& name, bool json, int& exit_code) {
  if (name.empty()) {
    fail(exit_code, "the service name is empty");
    return;
  }
  Result<nlohmann::json> body =
      fetch(settings, "/api/v1/services/" + encodePathSegment(name), nullptr);
  if (finishedWith(body, json, exit_code)) {
    return;
  }

  const nlohmann::json& service = *body;
  std::string out;
  out += fmt::format("Service:      {}\n", text(service, "name"));
  out += fmt::format("State:        {} since {}\n", text(service, "state"),
                     showTime(service, "since"));
  out += fmt::format("Reason:       {}\n", text(service, "reason"));
  if (!text(service, "description").empty()) {
    out += fmt::format("Description:  {}\n", text(service, "description"));
  }
  out += fmt::format("Criticality:  {}\n", text(service, "criticality"));
  if (!text(service, "rule").empty()) {
    out += fmt::format("Rule:         {}\n", text(service, "rule"));
  }

  Table components({"HOST", "CHECK/METRIC", "STATE", "VALUE", "REASON"});
  if (service.contains("components") && service["components"].is_array()) {
    for (const nlohmann::json& component : service["components"]) {
      components.addRow({text(component, "host"), showComponentName(component),
                         text(component, "state"), showValue(component), showReason(component)});
    }
  }
  out += "\nComponents:\n";
  out += components.empty() ? "(none)\n" : components.render();

  Table children({"NAME", "STATE", "IMPACT"});
  if (service.contains("children") && service["children"].is_array()) {
    for (const nlohmann::json& child : service["children"]) {
      children.addRow({text(child, "name"), text(child, "state"), text(child, "impact")});
    }
  }
  out += "\nChild services:\n";
  out += children.empty() ? "(none)\n" : children.render();
  std::cout << out;
}

void runAgents(const ApiSettings& settings, bool json, int& exit_code) {
  Result<nlohmann::json> body = fetch(settings, "/api/v1/agents", "agents");
  if (finishedWith(body, json, exit_code)) {
    return;
  }

  Table table({"ID", "CONNECTED", "LAST SEEN", "ADDRESS"});
  for (const nlohmann::json& agent : (*body)["agents"]) {
    table.addRow({text(agent, "id"), text(agent, "connected"), showTime(agent, "last_seen"),
                  text(agent, "address")});
  }
  std::cout << (table.empty() ? "(no agent has connected yet)\n" : table.render());
}

struct SlaOptions {
  std::string name;
  std::string window;
  std::string report;  // "", "day", "week", "month"
  std::string format = "table";
  std::string from;
  std::string to;
  bool json = false;
};

void printSlaReport(const nlohmann::json& body, const SlaOptions& options) {
  static constexpr const char* kColumns[] = {
      "availability",     "error_budget_remaining", "counted_seconds", "downtime_seconds",
      "excluded_seconds", "unknown_seconds",        "no_data_seconds", "burn_rate"};
  if (options.format == "csv") {
    // The same columns as the server's format=csv.
    std::string out = "from,to";
    for (const char* column : kColumns) {
      out += std::string(",") + column;
    }
    out += "\n";
    for (const nlohmann::json& row : body["rows"]) {
      out += text(row, "from") + "," + text(row, "to");
      for (const char* column : kColumns) {
        out += "," + (row.contains(column) && row[column].is_number() ? row[column].dump() : "");
      }
      out += "\n";
    }
    std::cout << out;
    return;
  }
  Table table({"FROM", "TO", "AVAILABILITY %", "BUDGET LEFT %", "DOWN", "EXCLUDED"});
  for (const nlohmann::json& row : body["rows"]) {
    table.addRow({text(row, "from"), text(row, "to"), showNumber(row, "availability", 4),
                  showNumber(row, "error_budget_remaining", 1),
                  showSeconds(row, "downtime_seconds"), showSeconds(row, "excluded_seconds")});
  }
  std::cout << fmt::format("Service {} against {}% per {} ({}):\n", text(body, "service"),
                           text(body, "objective"), text(body, "period"), text(body, "time_zone"))
            << (table.empty() ? "(no periods)\n" : table.render());
}

void runSla(const ApiSettings& settings, const SlaOptions& options, int& exit_code) {
  if (options.name.empty()) {
    fail(exit_code, "the service name is empty");
    return;
  }
  std::string path = "/api/v1/services/" + encodePathSegment(options.name) + "/sla";
  if (!options.report.empty()) {
    path += "/report";
    addQuery(path, "period", options.report);
    addQuery(path, "from", options.from);
    addQuery(path, "to", options.to);
  } else {
    addQuery(path, "window", options.window);
  }
  Result<nlohmann::json> body = fetch(settings, path, options.report.empty() ? nullptr : "rows");
  if (finishedWith(body, options.json, exit_code)) {
    return;
  }
  if (!options.report.empty()) {
    printSlaReport(*body, options);
    return;
  }

  const nlohmann::json& sla = *body;
  std::string out;
  out += fmt::format("Service:        {}\n", text(sla, "service"));
  out += fmt::format("Objective:      {}% over {} ({})\n", text(sla, "objective"),
                     text(sla, "window"), text(sla, "time_zone"));
  out += fmt::format("Period:         {} to {}\n", text(sla, "from"), text(sla, "to"));
  out += fmt::format("Availability:   {}%{}\n", showNumber(sla, "availability", 4),
                     sla.contains("availability_note") ? " (" + text(sla, "availability_note") + ")"
                                                       : std::string());
  out += fmt::format(
      "Budget left:    {}% = {} of {}\n", showNumber(sla, "error_budget_remaining", 1),
      showSeconds(sla, "error_budget_remaining_seconds"), showSeconds(sla, "error_budget_seconds"));
  out += fmt::format("Downtime:       {}\n", showSeconds(sla, "downtime_seconds"));
  out += fmt::format("Excluded:       {}\n", showSeconds(sla, "excluded_seconds"));
  out += fmt::format("Unknown:        {} (counts as {})\n", showSeconds(sla, "unknown_seconds"),
                     text(sla, "unknown_counts_as"));
  out += fmt::format("Burn rate:      {} over the window", showNumber(sla, "burn_rate", 2));
  if (sla.contains("burn_rates") && sla["burn_rates"].is_object()) {
    for (const auto& [window, rate] : sla["burn_rates"].items()) {
      out += fmt::format(
          ", {} over {}",
          rate.is_number() ? fmt::format("{:.2f}", rate.get<double>()) : std::string("-"), window);
    }
  }
  out += "\n";
  std::string firing;
  if (sla.contains("alerts_firing") && sla["alerts_firing"].is_array()) {
    for (const auto& alert : sla["alerts_firing"]) {
      firing += (firing.empty() ? "" : ", ") + alert.get<std::string>();
    }
  }
  out += fmt::format("Alerts firing:  {}\n", firing.empty() ? "none" : firing);
  std::cout << out;
}

struct HistoryOptions {
  std::string service;
  std::string host;
  std::string check;
  std::string metric;
  std::string from;
  std::string to;
  bool json = false;
};

void runHistory(const ApiSettings& settings, const HistoryOptions& options, int& exit_code) {
  if (options.service.empty() == options.host.empty()) {
    fail(exit_code, "give --service NAME, or --host HOST with --check or --metric");
    return;
  }
  std::string path = "/api/v1/history";
  addQuery(path, "service", options.service);
  addQuery(path, "host", options.host);
  addQuery(path, "check", options.check);
  addQuery(path, "metric", options.metric);
  addQuery(path, "from", options.from);
  addQuery(path, "to", options.to);
  Result<nlohmann::json> body = fetch(settings, path, "transitions");
  if (finishedWith(body, options.json, exit_code)) {
    return;
  }
  const bool components = !options.host.empty();
  Table table = components ? Table({"TIME", "HOST", "CHECK/METRIC", "STATE", "PREVIOUS", "REASON"})
                           : Table({"TIME", "STATE", "PREVIOUS", "REASON"});
  for (const nlohmann::json& change : (*body)["transitions"]) {
    if (components) {
      table.addRow({showTime(change, "ts"), text(change, "host"), showComponentName(change),
                    text(change, "state"), text(change, "previous"), text(change, "reason")});
    } else {
      table.addRow({showTime(change, "ts"), text(change, "state"), text(change, "previous"),
                    text(change, "reason")});
    }
  }
  std::cout << (table.empty() ? "(no state changes in that range)\n" : table.render());
}

}  // namespace

void addApiCommands(CLI::App& app, int& exit_code) {
  // Shared by the callbacks, which run after parsing, long after this function returned.
  auto settings = std::make_shared<ApiSettings>();

  const std::string group =
      "API options (services, status, agents, sla, history, root-cause, impact, what-if, model, "
      "maintenance, ack)";
  app.add_option(
         "--server", settings->server,
         std::string("bsm-server's API URL (default: $BSM_SERVER, else ") + kDefaultServer + ")")
      ->type_name("URL")
      ->group(group);
  CLI::Option* token = app.add_option("--token", settings->token,
                                      "API bearer token (default: $BSM_TOKEN); other users "
                                      "can see command lines, so prefer --token-file")
                           ->type_name("TOKEN")
                           ->group(group);
  CLI::Option* token_file =
      app.add_option("--token-file", settings->token_file, "File that holds the API token")
          ->type_name("FILE")
          ->group(group);
  token->excludes(token_file);

  // fallthrough() lets the API options above come after the command's name too
  // ("bsmctl services --server URL"); the footer says so in each command's help.
  const std::string footer =
      "--server, --token and --token-file may come before or after the command; see "
      "'bsmctl --help'.";

  auto* services = addApiSubcommand(app, "services", "State of every business service", footer);
  auto services_json = std::make_shared<bool>(false);
  services->add_flag("--json", *services_json, "Print the server's JSON answer");
  services->callback(
      [settings, services_json, &exit_code] { runServices(*settings, *services_json, exit_code); });

  auto* status = addApiSubcommand(app, "status",
                                  "One service: state, reason, components, child services", footer);
  auto status_json = std::make_shared<bool>(false);
  auto status_name = std::make_shared<std::string>();
  status->add_option("NAME", *status_name, "The service's name")->required();
  status->add_flag("--json", *status_json, "Print the server's JSON answer");
  status->callback([settings, status_name, status_json, &exit_code] {
    runStatus(*settings, *status_name, *status_json, exit_code);
  });

  auto* agents = addApiSubcommand(app, "agents", "Agents and their last contact", footer);
  auto agents_json = std::make_shared<bool>(false);
  agents->add_flag("--json", *agents_json, "Print the server's JSON answer");
  agents->callback(
      [settings, agents_json, &exit_code] { runAgents(*settings, *agents_json, exit_code); });

  auto* sla =
      addApiSubcommand(app, "sla", "SLA and error budget of a service, or a report", footer);
  auto sla_options = std::make_shared<SlaOptions>();
  sla->add_option("NAME", sla_options->name, "The service's name")->required();
  sla->add_option("--window", sla_options->window,
                  "Another window than the model's: 7d, 24h, day, week, month, quarter, year")
      ->type_name("WINDOW");
  sla->add_option("--report", sla_options->report, "One row per calendar period instead")
      ->check(CLI::IsMember({"day", "week", "month"}))
      ->type_name("day|week|month");
  sla->add_option("--format", sla_options->format, "Report as a table (default) or CSV")
      ->check(CLI::IsMember({"table", "csv"}));
  sla->add_option("--from", sla_options->from, "Report start, RFC 3339")->type_name("TIME");
  sla->add_option("--to", sla_options->to, "Report end, RFC 3339 (default: now)")
      ->type_name("TIME");
  sla->add_flag("--json", sla_options->json, "Print the server's JSON answer");
  sla->callback(
      [settings, sla_options, &exit_code] { runSla(*settings, *sla_options, exit_code); });

  auto* history =
      addApiSubcommand(app, "history", "State changes of a service or a component", footer);
  auto history_options = std::make_shared<HistoryOptions>();
  history->add_option("--service", history_options->service, "A service's own changes");
  history->add_option("--host", history_options->host, "A host's components' changes");
  auto* check = history->add_option("--check", history_options->check, "With --host: a check");
  auto* metric = history->add_option("--metric", history_options->metric, "With --host: a metric");
  check->excludes(metric);
  history->add_option("--from", history_options->from, "RFC 3339")->type_name("TIME");
  history->add_option("--to", history_options->to, "RFC 3339")->type_name("TIME");
  history->add_flag("--json", history_options->json, "Print the server's JSON answer");
  history->callback([settings, history_options, &exit_code] {
    runHistory(*settings, *history_options, exit_code);
  });

  addAnalysisCommands(app, settings, footer, exit_code);
  addMaintenanceCommands(app, settings, footer, exit_code);
  addAcknowledgementCommand(app, settings, footer, exit_code);
}

}  // namespace bsm::tools
