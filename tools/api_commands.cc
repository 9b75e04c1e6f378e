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
#include "tools/api_client.h"
#include "tools/table.h"

namespace bsm::tools {

namespace {

constexpr const char* kDefaultServer = "http://127.0.0.1:9440";

// What the global options and the environment say about reaching the server.
struct ApiSettings {
  std::string server;
  std::string token;
  std::string token_file;
};

void fail(int& exit_code, const std::string& message) {
  std::cerr << "bsmctl: " << message << '\n';
  exit_code = 1;
}

std::string envOr(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

// --server, else $BSM_SERVER, else the default; --token, else --token-file, else $BSM_TOKEN.
Result<ApiClient> makeClient(const ApiSettings& settings) {
  const std::string server =
      settings.server.empty() ? envOr("BSM_SERVER", kDefaultServer) : settings.server;

  std::string token = settings.token;
  if (token.empty() && !settings.token_file.empty()) {
    Result<server::TokenFile> file = server::TokenFile::read(settings.token_file);
    if (!file) {
      return file.error();
    }
    for (const std::string& warning : file->warnings()) {
      std::cerr << "bsmctl: warning: " << warning << '\n';
    }
    token = file->token();
  }
  if (token.empty()) {
    token = envOr("BSM_TOKEN", "");
  }
  if (token.empty()) {
    return Error{"no API token: give --token-file FILE or --token TOKEN, or set BSM_TOKEN"};
  }
  return ApiClient::create(server, std::move(token));
}

// GETs `path` and checks that the answer holds an array under `list_key` (when given).
Result<nlohmann::json> fetch(const ApiSettings& settings, const std::string& path,
                             const char* list_key) {
  Result<ApiClient> client = makeClient(settings);
  if (!client) {
    return client.error();
  }
  Result<nlohmann::json> body = client->get(path);
  if (!body) {
    return body;
  }
  if (!body->is_object() ||
      (list_key != nullptr && (!body->contains(list_key) || !(*body)[list_key].is_array()))) {
    return Error{fmt::format("unexpected answer from bsm-server at {}: {}", client->url(),
                             list_key != nullptr ? fmt::format("no \"{}\" list", list_key)
                                                 : std::string("not a JSON object"))};
  }
  return body;
}

void printJson(const nlohmann::json& body) {
  std::cout << body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

// A field as text, whatever its JSON type, without throwing on a server that answers oddly.
std::string text(const nlohmann::json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) {
    return "";
  }
  const nlohmann::json& value = object[key];
  if (value.is_string()) {
    return value.get<std::string>();
  }
  if (value.is_null()) {
    return "";
  }
  if (value.is_boolean()) {
    return value.get<bool>() ? "yes" : "no";
  }
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Milliseconds since the epoch for "2026-12-03T19:20:00.123Z" (the milliseconds optional).
std::optional<int64_t> parseRfc3339(const std::string& text) {
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text.back() != 'Z') {
    return std::nullopt;
  }
  const auto number = [&](size_t pos, size_t length) -> std::optional<int> {
    int value = 0;
    const char* begin = text.data() + pos;
    const auto [end, ec] = std::from_chars(begin, begin + length, value);
    if (ec != std::errc() || end != begin + length) {
      return std::nullopt;
    }
    return value;
  };
  const auto year = number(0, 4);
  const auto month = number(5, 2);
  const auto day = number(8, 2);
  const auto hour = number(11, 2);
  const auto minute = number(14, 2);
  const auto second = number(17, 2);
  if (!year || !month || !day || !hour || !minute || !second) {
    return std::nullopt;
  }
  int millis = 0;
  if (text.size() == 24 && text[19] == '.') {
    const auto fraction = number(20, 3);
    if (!fraction) {
      return std::nullopt;
    }
    millis = *fraction;
  } else if (text.size() != 20) {
    return std::nullopt;
  }
  std::tm utc{};
  utc.tm_year = *year - 1900;
  utc.tm_mon = *month - 1;
  utc.tm_mday = *day;
  utc.tm_hour = *hour;
  utc.tm_min = *minute;
  utc.tm_sec = *second;
  return static_cast<int64_t>(timegm(&utc)) * 1000 + millis;
}

std::string showAge(int64_t ms) {
  const int64_t seconds = ms / 1000;
  if (seconds < 60) {
    return fmt::format("{}s", seconds);
  }
  if (seconds < 3600) {
    return fmt::format("{}m", seconds / 60);
  }
  if (seconds < 86400) {
    return fmt::format("{}h{}m", seconds / 3600, seconds % 3600 / 60);
  }
  return fmt::format("{}d{}h", seconds / 86400, seconds % 86400 / 3600);
}

// "2026-12-03 19:20:00Z (5m ago)" for an API time, "never" for null.
std::string showTime(const nlohmann::json& object, const char* key) {
  const std::string raw = text(object, key);
  if (raw.empty()) {
    return "never";
  }
  const std::optional<int64_t> ms = parseRfc3339(raw);
  if (!ms) {
    return raw;  // not ours to judge; show what the server said
  }
  std::string shown = raw.substr(0, 10) + " " + raw.substr(11, 8) + "Z";
  const int64_t age = nowMs() - *ms;
  // A time ahead of this machine's clock means one of the clocks is off; the age would lie.
  if (age >= 0) {
    shown += " (" + showAge(age) + " ago)";
  }
  return shown;
}

// "9.2 percent", "1073741824 bytes", "" for no value.
std::string showValue(const nlohmann::json& component) {
  if (!component.contains("value") || !component["value"].is_number()) {
    return "";
  }
  const double value = component["value"].get<double>();
  std::string shown = std::abs(value) < 1e15 && value == std::floor(value)
                          ? fmt::format("{:.0f}", value)
                          : fmt::format("{:.6g}", value);
  const std::string unit = text(component, "unit");
  if (!unit.empty()) {
    shown += " " + unit;
  }
  return shown;
}

// "system.fs.used{mount=/}": the check or metric name with its labels.
std::string showComponentName(const nlohmann::json& component) {
  std::string name =
      component.contains("check") ? text(component, "check") : text(component, "metric");
  if (component.contains("labels") && component["labels"].is_object() &&
      !component["labels"].empty()) {
    std::string labels;
    for (const auto& [key, value] : component["labels"].items()) {
      labels += (labels.empty() ? "" : ",") + key + "=" +
                (value.is_string() ? value.get<std::string>() : value.dump());
    }
    name += "{" + labels + "}";
  }
  return name;
}

// The component's reason; for a check without one, the first line of its output, which is what
// a Nagios user would look at.
std::string showReason(const nlohmann::json& component) {
  std::string reason = text(component, "reason");
  if (reason.empty()) {
    reason = text(component, "output");
    reason = reason.substr(0, reason.find('\n'));
  }
  return reason;
}

void runServices(const ApiSettings& settings, bool json, int& exit_code) {
  Result<nlohmann::json> body = fetch(settings, "/api/v1/services", "services");
  if (!body) {
    fail(exit_code, body.error().message);
    return;
  }
  if (json) {
    printJson(*body);
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
  if (!body) {
    fail(exit_code, body.error().message);
    return;
  }
  if (json) {
    printJson(*body);
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
  if (!body) {
    fail(exit_code, body.error().message);
    return;
  }
  if (json) {
    printJson(*body);
    return;
  }

  Table table({"ID", "CONNECTED", "LAST SEEN", "ADDRESS"});
  for (const nlohmann::json& agent : (*body)["agents"]) {
    table.addRow({text(agent, "id"), text(agent, "connected"), showTime(agent, "last_seen"),
                  text(agent, "address")});
  }
  std::cout << (table.empty() ? "(no agent has connected yet)\n" : table.render());
}

// "99.9512" for a number, "-" for null: the server sends null when nothing was measured.
std::string showNumber(const nlohmann::json& object, const char* key, int decimals) {
  if (!object.contains(key) || !object[key].is_number()) {
    return "-";
  }
  return fmt::format("{:.{}f}", object[key].get<double>(), decimals);
}

// "1h 2m 3s" for a count of seconds.
std::string showSeconds(const nlohmann::json& object, const char* key) {
  if (!object.contains(key) || !object[key].is_number()) {
    return "-";
  }
  const double seconds = object[key].get<double>();
  const std::string sign = seconds < 0 ? "-" : "";
  return sign + showAge(static_cast<int64_t>(std::llround(std::abs(seconds) * 1000))) +
         fmt::format(" ({:.0f} s)", std::abs(seconds));
}

// Appends "name=value" to a query string, percent-encoding the value.
void addQuery(std::string& path, const char* name, const std::string& value) {
  if (value.empty()) {
    return;
  }
  path += (path.find('?') == std::string::npos ? "?" : "&");
  path += std::string(name) + "=" + encodePathSegment(value);
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
  if (!body) {
    fail(exit_code, body.error().message);
    return;
  }
  if (options.json) {
    printJson(*body);
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
  if (!body) {
    fail(exit_code, body.error().message);
    return;
  }
  if (options.json) {
    printJson(*body);
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

  const std::string group = "API options (services, status, agents, sla, history)";
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

  auto* services = app.add_subcommand("services", "State of every business service");
  services->fallthrough();
  services->footer(footer);
  auto services_json = std::make_shared<bool>(false);
  services->add_flag("--json", *services_json, "Print the server's JSON answer");
  services->callback(
      [settings, services_json, &exit_code] { runServices(*settings, *services_json, exit_code); });

  auto* status =
      app.add_subcommand("status", "One service: state, reason, components, child services");
  status->fallthrough();
  status->footer(footer);
  auto status_json = std::make_shared<bool>(false);
  auto status_name = std::make_shared<std::string>();
  status->add_option("NAME", *status_name, "The service's name")->required();
  status->add_flag("--json", *status_json, "Print the server's JSON answer");
  status->callback([settings, status_name, status_json, &exit_code] {
    runStatus(*settings, *status_name, *status_json, exit_code);
  });

  auto* agents = app.add_subcommand("agents", "Agents and their last contact");
  agents->fallthrough();
  agents->footer(footer);
  auto agents_json = std::make_shared<bool>(false);
  agents->add_flag("--json", *agents_json, "Print the server's JSON answer");
  agents->callback(
      [settings, agents_json, &exit_code] { runAgents(*settings, *agents_json, exit_code); });

  auto* sla = app.add_subcommand("sla", "SLA and error budget of a service, or a report");
  sla->fallthrough();
  sla->footer(footer);
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

  auto* history = app.add_subcommand("history", "State changes of a service or a component");
  history->fallthrough();
  history->footer(footer);
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
}

}  // namespace bsm::tools
