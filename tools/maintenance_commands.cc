#include "tools/maintenance_commands.h"

#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "tools/table.h"

namespace bsm::tools {

namespace {

struct AddOptions {
  std::string host;
  std::string check;
  std::string metric;
  std::string service;
  std::string start;
  std::string end;
  std::string duration;
  std::vector<std::string> days;
  std::string from;
  std::string to;
  std::string time_zone;
  bool counts_against_sla = false;
  std::string reason;
  std::string author;
  bool json = false;
};

std::string showTarget(const nlohmann::json& window) {
  if (window.contains("service")) {
    return "service " + text(window, "service");
  }
  if (window.contains("check")) {
    return "check " + text(window, "check") + " on " + text(window, "host");
  }
  if (window.contains("metric")) {
    return "metric " + text(window, "metric") + " on " + text(window, "host");
  }
  return "host " + text(window, "host");
}

std::string showWhen(const nlohmann::json& window) {
  std::string when = text(window, "start") + " to " +
                     (text(window, "end").empty() ? "open end" : text(window, "end"));
  if (window.contains("weekly") && window["weekly"].is_array()) {
    for (const auto& slot : window["weekly"]) {
      std::string days;
      if (slot.contains("days") && slot["days"].is_array()) {
        for (const auto& day : slot["days"]) {
          days += (days.empty() ? "" : ",") + (day.is_string() ? day.get<std::string>() : "?");
        }
      }
      when += fmt::format("; {} {}-{} {}", days, text(slot, "from"), text(slot, "to"),
                          text(window, "time_zone"));
    }
  }
  return when;
}

void runList(const ApiSettings& settings, bool all, bool json, int& exit_code) {
  Result<nlohmann::json> body =
      fetch(settings, all ? "/api/v1/maintenance?all=1" : "/api/v1/maintenance", "windows");
  if (finishedWith(body, json, exit_code)) {
    return;
  }
  Table table({"ID", "TARGET", "WHEN", "ACTIVE", "SLA", "REASON", "AUTHOR"});
  for (const nlohmann::json& window : (*body)["windows"]) {
    const bool counts = window.value("counts_against_sla", false);
    table.addRow({text(window, "id"), showTarget(window), showWhen(window), text(window, "active"),
                  counts ? "counts" : "excluded", text(window, "reason"), text(window, "author")});
  }
  std::cout << (table.empty() ? "(no maintenance windows)\n" : table.render());
}

void runAdd(const ApiSettings& settings, const AddOptions& options, int& exit_code) {
  nlohmann::json request = {{"reason", options.reason}};
  auto put = [&request](const char* key, const std::string& value) {
    if (!value.empty()) {
      request[key] = value;
    }
  };
  put("host", options.host);
  put("check", options.check);
  put("metric", options.metric);
  put("service", options.service);
  put("start", options.start);
  put("end", options.end);
  put("duration", options.duration);
  put("time_zone", options.time_zone);
  put("author", options.author.empty() ? defaultAuthor() : options.author);
  if (!options.days.empty()) {
    request["weekly"] = {{{"days", options.days}, {"from", options.from}, {"to", options.to}}};
  }
  request["counts_against_sla"] = options.counts_against_sla;
  Result<nlohmann::json> body = send(settings, "/api/v1/maintenance", request);
  if (finishedWith(body, options.json, exit_code)) {
    return;
  }
  std::cout << fmt::format("maintenance window {} added: {}, {}{}\n", text(*body, "id"),
                           showTarget(*body), showWhen(*body),
                           text(*body, "active") == "yes" ? " (active now)" : "");
}

void runRemove(const ApiSettings& settings, const std::string& id, int& exit_code) {
  Result<ApiClient> client = makeClient(settings);
  if (!client) {
    fail(exit_code, client.error().message);
    return;
  }
  Result<nlohmann::json> body = client->remove("/api/v1/maintenance/" + encodePathSegment(id));
  if (!body) {
    fail(exit_code, body.error().message);
    return;
  }
  std::cout << "maintenance window " << id << " removed\n";
}

struct AckOptions {
  std::string host;
  std::string check;
  std::string metric;
  std::string comment;
  std::string author;
  bool sticky = false;
  bool remove = false;
};

void runAck(const ApiSettings& settings, const AckOptions& options, int& exit_code) {
  Result<ApiClient> client = makeClient(settings);
  if (!client) {
    fail(exit_code, client.error().message);
    return;
  }
  Result<nlohmann::json> body = Error{""};
  if (options.remove) {
    std::string path = "/api/v1/acknowledgements";
    addQuery(path, "host", options.host);
    addQuery(path, "check", options.check);
    addQuery(path, "metric", options.metric);
    body = client->remove(path);
  } else {
    if (options.comment.empty()) {
      fail(exit_code, "--comment is required: say who is on it and why");
      return;
    }
    nlohmann::json request = {
        {"host", options.host}, {"comment", options.comment}, {"sticky", options.sticky}};
    request["author"] = options.author.empty() ? defaultAuthor() : options.author;
    if (!options.check.empty()) {
      request["check"] = options.check;
    }
    if (!options.metric.empty()) {
      request["metric"] = options.metric;
    }
    body = client->post("/api/v1/acknowledgements", request);
  }
  if (!body) {
    fail(exit_code, body.error().message);
    return;
  }
  if (options.remove) {
    std::cout << fmt::format("{} acknowledgements removed\n", text(*body, "removed"));
  } else {
    const std::string count = text(*body, "acknowledged");
    std::cout << (count == "0" ? std::string("nothing acknowledged: no matching component has a "
                                             "problem\n")
                               : fmt::format("{} components acknowledged\n", count));
  }
}

}  // namespace

void addAcknowledgementCommand(CLI::App& app, const std::shared_ptr<ApiSettings>& settings,
                               const std::string& footer, int& exit_code) {
  auto* ack = addApiSubcommand(
      app, "ack", "Acknowledge the current problem of a host's components (or one check)", footer);
  auto options = std::make_shared<AckOptions>();
  ack->add_option("--host", options->host, "The host")->required();
  auto* check = ack->add_option("--check", options->check, "Only this check of the host");
  ack->add_option("--metric", options->metric, "Only this metric of the host")->excludes(check);
  ack->add_option("--comment", options->comment, "Who is on it and why");
  ack->add_option("--author", options->author, "Who acknowledges (default: $USER)");
  ack->add_flag("--sticky", options->sticky,
                "Hold until OK, even if the problem changes (default: until it changes)");
  ack->add_flag("--remove", options->remove, "Take the acknowledgement back");
  ack->callback([settings, options, &exit_code] { runAck(*settings, *options, exit_code); });
}

void addMaintenanceCommands(CLI::App& app, const std::shared_ptr<ApiSettings>& settings,
                            const std::string& footer, int& exit_code) {
  auto* maintenance =
      app.add_subcommand("maintenance", "Planned work on hosts, checks and services");
  maintenance->require_subcommand(1);
  maintenance->fallthrough();

  auto* list = addApiSubcommand(*maintenance, "list", "Windows not over yet", footer);
  auto list_all = std::make_shared<bool>(false);
  auto list_json = std::make_shared<bool>(false);
  list->add_flag("--all", *list_all, "Include windows that are over");
  list->add_flag("--json", *list_json, "Print the server's JSON answer");
  list->callback([settings, list_all, list_json, &exit_code] {
    runList(*settings, *list_all, *list_json, exit_code);
  });

  auto* add = addApiSubcommand(
      *maintenance, "add",
      "Add a window: --host H [--check C|--metric M] or --service S; --duration D or --end T, "
      "or a weekly slot with --days/--from/--to",
      footer);
  auto options = std::make_shared<AddOptions>();
  auto* host = add->add_option("--host", options->host, "Every component of this host");
  auto* check = add->add_option("--check", options->check, "Only this check of the host");
  add->add_option("--metric", options->metric, "Only this metric of the host")->excludes(check);
  add->add_option("--service", options->service, "The service itself")->excludes(host);
  add->add_option("--start", options->start, "RFC 3339 start (default: now)");
  auto* end = add->add_option("--end", options->end, "RFC 3339 end");
  add->add_option("--duration", options->duration, "Length, e.g. 2h")->excludes(end);
  add->add_option("--days", options->days, "Weekly: days such as sun or mon-fri; may repeat");
  add->add_option("--from", options->from, "Weekly: local start HH:MM");
  add->add_option("--to", options->to, "Weekly: local end HH:MM");
  add->add_option("--time-zone", options->time_zone, "IANA zone of the weekly slot (default UTC)");
  add->add_flag("--counts-against-sla", options->counts_against_sla,
                "The window's downtime still counts against SLAs (default: excluded)");
  add->add_option("--reason", options->reason, "What the work is")->required();
  add->add_option("--author", options->author, "Who plans it (default: $USER)");
  add->add_flag("--json", options->json, "Print the server's JSON answer");
  add->callback([settings, options, &exit_code] { runAdd(*settings, *options, exit_code); });

  auto* remove = addApiSubcommand(*maintenance, "remove", "Remove a window by its id", footer);
  auto id = std::make_shared<std::string>();
  remove->add_option("ID", *id, "The window's id (see maintenance list)")->required();
  remove->callback([settings, id, &exit_code] { runRemove(*settings, *id, exit_code); });
}

}  // namespace bsm::tools
