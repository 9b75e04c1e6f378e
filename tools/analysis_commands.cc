#include "tools/analysis_commands.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "common/config_file.h"
#include "server/service_model.h"
#include "tools/table.h"

namespace bsm::tools {

namespace {

void runRootCause(const ApiSettings& settings, const std::string& name, bool json, int& exit_code) {
  Result<nlohmann::json> body =
      fetch(settings, "/api/v1/services/" + encodePathSegment(name) + "/root-cause", "causes");
  if (finishedWith(body, json, exit_code)) {
    return;
  }
  std::cout << fmt::format("{} is {}: {}\n", text(*body, "service"), text(*body, "state"),
                           text(*body, "reason"));
  Table table({"#", "HOST", "CHECK/METRIC", "STATE", "SINCE", "AFFECTS", "OUTPUT"});
  int rank = 0;
  for (const nlohmann::json& cause : (*body)["causes"]) {
    std::string affects;
    if (cause.contains("affects") && cause["affects"].is_array()) {
      for (const auto& service : cause["affects"]) {
        affects += (affects.empty() ? "" : ", ") +
                   (service.is_string() ? service.get<std::string>() : service.dump());
      }
    }
    table.addRow({std::to_string(++rank), text(cause, "host"), showComponentName(cause),
                  text(cause, "state"), showTime(cause, "since"), affects, showReason(cause)});
  }
  std::cout << (table.empty() ? "(no causes: the service is OK)\n" : "\n" + table.render());
}

// "host:web-1" or "host:db-1,check:pgsql" (or metric:NAME), as --down and --warn take them.
Result<nlohmann::json> parseComponentSpec(const std::string& spec, const char* state) {
  nlohmann::json entry = {{"state", state}};
  std::stringstream parts(spec);
  std::string part;
  while (std::getline(parts, part, ',')) {
    const size_t colon = part.find(':');
    const std::string key = part.substr(0, colon);
    if (colon == std::string::npos || (key != "host" && key != "check" && key != "metric") ||
        colon + 1 == part.size()) {
      return Error{"'" + spec +
                   "' is not host:NAME[,check:NAME|,metric:NAME] (e.g. host:db-1,check:pgsql)"};
    }
    entry[key] = part.substr(colon + 1);
  }
  if (!entry.contains("host")) {
    return Error{"'" + spec + "' names no host: write host:NAME first"};
  }
  return entry;
}

struct WhatIfOptions {
  std::vector<std::string> down;
  std::vector<std::string> warn;
  std::string duration;
  bool json = false;
};

void runWhatIf(const ApiSettings& settings, const WhatIfOptions& options, int& exit_code) {
  nlohmann::json request = {{"components", nlohmann::json::array()}};
  for (const auto& [specs, state] :
       {std::pair{&options.down, "CRITICAL"}, std::pair{&options.warn, "WARNING"}}) {
    for (const std::string& spec : *specs) {
      Result<nlohmann::json> entry = parseComponentSpec(spec, state);
      if (!entry) {
        fail(exit_code, entry.error().message);
        return;
      }
      request["components"].push_back(*entry);
    }
  }
  if (request["components"].empty()) {
    fail(exit_code, "name at least one component with --down or --warn");
    return;
  }
  if (!options.duration.empty()) {
    request["duration"] = options.duration;
  }
  Result<nlohmann::json> body = send(settings, "/api/v1/what-if", request);
  if (finishedWith(body, options.json, exit_code)) {
    return;
  }
  if (body->contains("unmatched") && (*body)["unmatched"].is_array()) {
    for (const auto& unmatched : (*body)["unmatched"]) {
      std::cout << "warning: matches no component: "
                << (unmatched.is_string() ? unmatched.get<std::string>() : unmatched.dump())
                << '\n';
    }
  }
  Table table({"SERVICE", "CRITICALITY", "NOW", "WOULD BE"});
  if (body->contains("services") && (*body)["services"].is_array()) {
    for (const nlohmann::json& service : (*body)["services"]) {
      table.addRow({text(service, "name"), text(service, "criticality"),
                    text(service, "live_state"), text(service, "state")});
    }
  }
  std::cout << (table.empty() ? "(no service would change state)\n" : table.render());
  if (body->contains("sla") && (*body)["sla"].is_array() && !(*body)["sla"].empty()) {
    Table sla({"SERVICE", "OBJECTIVE", "BUDGET LEFT NOW", "BUDGET LEFT AFTER", "BREAKS"});
    for (const nlohmann::json& entry : (*body)["sla"]) {
      sla.addRow({text(entry, "service"), showNumber(entry, "objective", 3),
                  showNumber(entry, "error_budget_remaining", 1) + "%",
                  showNumber(entry, "error_budget_remaining_after", 1) + "%",
                  text(entry, "breaks")});
    }
    std::cout << "\nSLA effect:\n" << sla.render();
  }
}

void runImpact(const ApiSettings& settings, const std::string& host, const std::string& check,
               const std::string& metric, bool json, int& exit_code) {
  std::string path = "/api/v1/impact";
  addQuery(path, "host", host);
  addQuery(path, "check", check);
  addQuery(path, "metric", metric);
  Result<nlohmann::json> body = fetch(settings, path, "services");
  if (finishedWith(body, json, exit_code)) {
    return;
  }
  Table table({"SERVICE", "CRITICALITY", "STATE", "IF DOWN", "BUDGET PER HOUR"});
  for (const nlohmann::json& service : (*body)["services"]) {
    const std::string per_hour = service.contains("budget_per_hour_down")
                                     ? showNumber(service, "budget_per_hour_down", 2) + "%"
                                     : "-";
    table.addRow({text(service, "name"), text(service, "criticality"), text(service, "state"),
                  text(service, "state_if_down"), per_hour});
  }
  std::cout << (table.empty() ? "(no service selects anything of that host)\n" : table.render());
}

// The files as the validate and diff endpoints take them.
Result<nlohmann::json> modelFiles(const std::vector<std::string>& paths) {
  nlohmann::json files = nlohmann::json::array();
  for (const std::string& path : paths) {
    if (std::filesystem::is_directory(path)) {
      return Error{path + ": is a folder, not a service model file"};
    }
    std::ifstream in(path);
    if (!in) {
      return Error{path + ": cannot read the file"};
    }
    std::stringstream text;
    text << in.rdbuf();
    files.push_back({{"name", path}, {"text", text.str()}});
  }
  return nlohmann::json{{"files", std::move(files)}};
}

void printNames(const nlohmann::json& body, const char* key, const char* title) {
  if (!body.contains(key) || !body[key].is_array() || body[key].empty()) {
    return;
  }
  std::cout << title << ":";
  for (const auto& name : body[key]) {
    std::cout << ' ' << (name.is_string() ? name.get<std::string>() : name.dump());
  }
  std::cout << '\n';
}

void runModel(const ApiSettings& settings, const std::string& action,
              const std::vector<std::string>& paths, bool json, int& exit_code) {
  Result<nlohmann::json> body = Error{""};
  if (action == "reload") {
    body = send(settings, "/api/v1/model/reload", nlohmann::json::object());
  } else if (action == "validate") {
    // Checked here, as the server would load the files: no server or token is needed to
    // check a change before it is deployed.
    try {
      const server::ServiceModel model = server::ServiceModel::load(paths);
      body = nlohmann::json{{"valid", true}, {"services", model.services().size()}};
    } catch (const ConfigError& e) {
      fail(exit_code, e.what());
      return;
    }
  } else {
    Result<nlohmann::json> files = modelFiles(paths);
    if (!files) {
      fail(exit_code, files.error().message);
      return;
    }
    body = send(settings, "/api/v1/model/" + action, *files);
  }
  if (finishedWith(body, json, exit_code)) {
    return;
  }
  if (action == "reload") {
    std::cout << fmt::format("model reloaded: {} services from {} files\n", text(*body, "services"),
                             text(*body, "files"));
    return;
  }
  if (action == "validate") {
    std::cout << fmt::format("valid: {} services\n", text(*body, "services"));
    return;
  }
  printNames(*body, "added", "added");
  printNames(*body, "removed", "removed");
  printNames(*body, "changed", "changed");
  Table table({"SERVICE", "NOW", "WOULD BE"});
  if (body->contains("states") && (*body)["states"].is_array()) {
    for (const nlohmann::json& service : (*body)["states"]) {
      table.addRow({text(service, "name"), text(service, "live_state"), text(service, "state")});
    }
  }
  std::cout << (table.empty() ? "no service would change state\n"
                              : "state changes:\n" + table.render());
}

}  // namespace

void addAnalysisCommands(CLI::App& app, const std::shared_ptr<ApiSettings>& settings,
                         const std::string& footer, int& exit_code) {
  auto* root_cause = addApiSubcommand(app, "root-cause",
                                      "Why a service is not OK: its ranked leaf causes", footer);
  auto root_name = std::make_shared<std::string>();
  auto root_json = std::make_shared<bool>(false);
  root_cause->add_option("NAME", *root_name, "The service's name")->required();
  root_cause->add_flag("--json", *root_json, "Print the server's JSON answer");
  root_cause->callback([settings, root_name, root_json, &exit_code] {
    runRootCause(*settings, *root_name, *root_json, exit_code);
  });

  auto* impact =
      addApiSubcommand(app, "impact", "The services above a host or one of its checks", footer);
  struct ImpactArgs {
    std::string host, check, metric;
    bool json = false;
  };
  auto impact_args = std::make_shared<ImpactArgs>();
  impact->add_option("--host", impact_args->host, "The host")->required();
  auto* check = impact->add_option("--check", impact_args->check, "Only this check of the host");
  impact->add_option("--metric", impact_args->metric, "Only this metric of the host")
      ->excludes(check);
  impact->add_flag("--json", impact_args->json, "Print the server's JSON answer");
  impact->callback([settings, impact_args, &exit_code] {
    runImpact(*settings, impact_args->host, impact_args->check, impact_args->metric,
              impact_args->json, exit_code);
  });

  auto* what_if = addApiSubcommand(
      app, "what-if",
      "Which services would change state if components failed (nothing live changes)", footer);
  auto what_if_options = std::make_shared<WhatIfOptions>();
  what_if->add_option("--down", what_if_options->down,
                      "A component taken as CRITICAL: host:NAME[,check:NAME|,metric:NAME]; "
                      "may repeat");
  what_if->add_option("--warn", what_if_options->warn,
                      "A component taken as WARNING, in the same form; may repeat");
  what_if->add_option("--duration", what_if_options->duration,
                      "How long, for the SLA effect (e.g. 2h)");
  what_if->add_flag("--json", what_if_options->json, "Print the server's JSON answer");
  what_if->callback([settings, what_if_options, &exit_code] {
    runWhatIf(*settings, *what_if_options, exit_code);
  });

  auto* model = app.add_subcommand("model", "Reload, validate or preview the service model");
  model->require_subcommand(1);
  model->fallthrough();
  for (const auto& [action, help] :
       {std::pair<std::string, std::string>{"reload", "Read the server's model files again"},
        {"validate", "Check model files as the server would load them (no server needed)"},
        {"diff", "What swapping in these model files would change"}}) {
    auto* command = addApiSubcommand(*model, action, help, footer);
    auto paths = std::make_shared<std::vector<std::string>>();
    auto json = std::make_shared<bool>(false);
    if (action != "reload") {
      command->add_option("FILE", *paths, "Model files, checked as one model")->required();
    }
    command->add_flag("--json", *json, "Print the server's JSON answer");
    command->callback([settings, action, paths, json, &exit_code] {
      runModel(*settings, action, *paths, *json, exit_code);
    });
  }
}

}  // namespace bsm::tools
