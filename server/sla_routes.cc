#include "server/sla_routes.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "common/time_format.h"
#include "server/history_tree.h"
#include "server/json_views.h"

namespace bsm::server {

namespace {

using Reply = HttpApi::Reply;
using Json = nlohmann::json;

constexpr int64_t kDayMs = 86'400'000;

Reply error(int status, const std::string& message) {
  return {status, dumpJson(Json{{"error", message}})};
}

Reply ok(const Json& body) {
  return {200, dumpJson(body)};
}

// Doubles as JSON numbers rounded to a millisecond's worth of precision, and null when empty.
Json number(std::optional<double> value) {
  if (!value || !std::isfinite(*value)) {
    return nullptr;
  }
  return std::round(*value * 1e6) / 1e6;
}

// An RFC 3339 query parameter, or `fallback` when absent.
Result<int64_t> timeParam(const HttpApi::ApiRequest& request, const std::string& name,
                          int64_t fallback) {
  const auto text = request.param(name);
  if (!text) {
    return fallback;
  }
  auto parsed = parseRfc3339(*text);
  if (!parsed) {
    return Error{"parameter '" + name + "': " + parsed.error().message};
  }
  return *parsed;
}

// 404 for an unknown service or one without an SLA, else nothing.
std::optional<Reply> checkSlaService(const ServiceModel* model, const std::string& name) {
  const ServiceDef* def = model ? model->find(name) : nullptr;
  if (def == nullptr) {
    return error(404, "no service named '" + name + "'");
  }
  if (!def->sla) {
    return error(404, "service '" + name +
                          "' has no sla in the model; add one, e.g. "
                          "sla: {objective: 99.9, window: 30d}");
  }
  return std::nullopt;
}

void addFigures(Json& out, const SlaFigures& f) {
  out["availability"] = number(f.availability);
  if (!f.availability) {
    out["availability_note"] =
        "nothing measured: no recorded state, or all of the time excluded or outside business "
        "hours";
  }
  out["error_budget_remaining"] = number(f.budget_remaining_percent);
  out["error_budget_seconds"] = number(f.budget_seconds);
  out["error_budget_spent_seconds"] = number(f.budget_spent_seconds);
  out["error_budget_remaining_seconds"] = number(f.budget_remaining_seconds);
  out["burn_rate"] = number(f.burn_rate);
  out["downtime_seconds"] = number(f.down_seconds);
  out["excluded_seconds"] = number(f.excluded_seconds);
  out["unknown_seconds"] = number(f.unknown_seconds);
  out["no_data_seconds"] = number(f.no_data_seconds);
  out["counted_seconds"] = number(f.counted_seconds);
  out["outside_hours_seconds"] = number(f.outside_hours_seconds);
}

Json changeToJson(const StateChange& change) {
  Json out = {{"ts", timeToJson(change.ts_ms)},
              {"state", toString(change.state)},
              {"previous", toString(change.previous)},
              {"reason", change.reason}};
  if (change.kind == StateChange::Kind::kComponent) {
    out["host"] = change.host;
    out[change.series_kind == SeriesKind::kCheck ? "check" : "metric"] = change.name;
    out["labels"] = change.labels;
    out["service"] = change.service;
  } else {
    out["service"] = change.service;
  }
  return out;
}

std::string csvRow(const SlaReportRow& row) {
  const auto cell = [](std::optional<double> value) {
    return value ? fmt::format("{:.6f}", *value) : std::string();
  };
  const SlaFigures& f = row.figures;
  return fmt::format("{},{},{},{},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{}\r\n",
                     formatRfc3339(row.period.from_ms), formatRfc3339(row.period.to_ms),
                     cell(f.availability), cell(f.budget_remaining_percent), f.counted_seconds,
                     f.down_seconds, f.excluded_seconds, f.unknown_seconds, f.no_data_seconds,
                     cell(f.burn_rate));
}

}  // namespace

SlaRoutes::SlaRoutes(SlaLedger::ModelSource model, SlaLedger& ledger, StateStore& store,
                     SlaLedger::Clock clock)
    : model_(std::move(model)), ledger_(ledger), store_(store), clock_(std::move(clock)) {}

void SlaRoutes::registerWith(HttpApi& api) {
  api.addRoute("GET", R"(/api/v1/services/[^/]+/sla)",
               [this](const HttpApi::ApiRequest& request) { return sla(request); });
  api.addRoute("GET", R"(/api/v1/services/[^/]+/sla/report)",
               [this](const HttpApi::ApiRequest& request) { return report(request); });
  api.addRoute("GET", R"(/api/v1/services/[^/]+/history/tree)",
               [this](const HttpApi::ApiRequest& request) { return tree(request); });
  api.addRoute("GET", R"(/api/v1/history)",
               [this](const HttpApi::ApiRequest& request) { return history(request); });
}

Reply SlaRoutes::sla(const HttpApi::ApiRequest& request) {
  const std::string& name = request.segments.at(3);
  const auto model = model_();
  if (auto refused = checkSlaService(model.get(), name)) {
    return *refused;
  }
  std::optional<SlaWindow> window;
  if (const auto text = request.param("window")) {
    auto parsed = SlaWindow::parse(*text);
    if (!parsed) {
      return error(400, "parameter 'window': " + parsed.error().message);
    }
    window = std::move(*parsed);
  }
  auto status = ledger_.status(name, window);
  if (!status) {
    return error(503, "cannot read the state history: " + status.error().message);
  }
  const SlaPolicy& policy = *status->policy;
  Json out = {{"service", name},
              {"objective", policy.objective},
              {"window", status->window.text},
              {"time_zone", policy.time_zone},
              {"unknown_counts_as", toString(policy.unknown)},
              {"from", timeToJson(status->figures.period.from_ms)},
              {"to", timeToJson(status->figures.period.to_ms)},
              {"measured_to", timeToJson(status->figures.measured_to_ms)}};
  addFigures(out, status->figures);
  Json rates = Json::object();
  for (const BurnRateView& rate : status->burn_rates) {
    rates[rate.window] = number(rate.rate);
  }
  out["burn_rates"] = rates;
  out["alerts_firing"] = status->alerts_firing;
  return ok(out);
}

Reply SlaRoutes::report(const HttpApi::ApiRequest& request) {
  const std::string& name = request.segments.at(3);
  const auto model = model_();
  if (auto refused = checkSlaService(model.get(), name)) {
    return *refused;
  }
  const std::string period_text = request.param("period").value_or("day");
  SlaWindow::Calendar period = SlaWindow::Calendar::kDay;
  int64_t default_span = 31 * kDayMs;
  if (period_text == "week") {
    period = SlaWindow::Calendar::kWeek;
    default_span = 12 * 7 * kDayMs;
  } else if (period_text == "month") {
    period = SlaWindow::Calendar::kMonth;
    default_span = 365 * kDayMs;
  } else if (period_text != "day") {
    return error(400, "parameter 'period': '" + period_text + "' is not day, week or month");
  }
  const std::string format = request.param("format").value_or("json");
  if (format != "json" && format != "csv") {
    return error(400, "parameter 'format': '" + format + "' is not json or csv");
  }
  const int64_t now = clock_();
  auto to = timeParam(request, "to", now);
  if (!to) {
    return error(400, to.error().message);
  }
  auto from = timeParam(request, "from", *to - default_span);
  if (!from) {
    return error(400, from.error().message);
  }
  if (*from >= *to) {
    return error(400, "parameter 'from' must be earlier than 'to'");
  }

  auto rows = ledger_.report(name, period, {*from, *to});
  if (!rows) {
    return error(503, "cannot read the state history: " + rows.error().message);
  }
  if (format == "csv") {
    std::string csv =
        "from,to,availability,error_budget_remaining,counted_seconds,downtime_seconds,"
        "excluded_seconds,unknown_seconds,no_data_seconds,burn_rate\r\n";
    for (const SlaReportRow& row : *rows) {
      csv += csvRow(row);
    }
    return {200, csv, "text/csv; charset=utf-8"};
  }
  const SlaPolicy& policy = *model->find(name)->sla;
  Json out = {{"service", name},
              {"objective", policy.objective},
              {"period", period_text},
              {"time_zone", policy.time_zone},
              {"rows", Json::array()}};
  if (rows->size() == SlaLedger::kMaxReportRows) {
    out["truncated"] = true;
  }
  for (const SlaReportRow& row : *rows) {
    Json entry = {{"from", timeToJson(row.period.from_ms)}, {"to", timeToJson(row.period.to_ms)}};
    addFigures(entry, row.figures);
    out["rows"].push_back(std::move(entry));
  }
  return ok(out);
}

Reply SlaRoutes::tree(const HttpApi::ApiRequest& request) {
  const std::string& name = request.segments.at(3);
  const auto at = request.param("at");
  if (!at) {
    return error(400, "parameter 'at' is required: an RFC 3339 time such as 2026-03-29T03:12:00Z");
  }
  auto at_ms = parseRfc3339(*at);
  if (!at_ms) {
    return error(400, "parameter 'at': " + at_ms.error().message);
  }
  const auto model = model_();
  if (model == nullptr || model->find(name) == nullptr) {
    return error(404, "no service named '" + name + "'");
  }
  auto tree = historyTreeAt(*model, store_, name, *at_ms);
  if (!tree) {
    return error(503, "cannot read the state history: " + tree.error().message);
  }
  Json services = Json::array();
  for (const HistoryTreeNode& node : tree->services) {
    Json entry = {{"name", node.name},
                  {"parent", node.parent.empty() ? Json(nullptr) : Json(node.parent)},
                  {"impact", node.impact},
                  {"state", node.state ? Json(toString(node.state->state)) : Json(nullptr)},
                  {"since", node.state ? timeToJson(node.state->ts_ms) : Json(nullptr)},
                  {"reason", node.state ? Json(node.state->reason) : Json(nullptr)}};
    Json components = Json::array();
    for (const StateChange& component : node.components) {
      Json view = changeToJson(component);
      view["since"] = view["ts"];
      view.erase("ts");
      view.erase("previous");
      view.erase("service");
      components.push_back(std::move(view));
    }
    entry["components"] = std::move(components);
    services.push_back(std::move(entry));
  }
  Json causes = Json::array();
  for (const StateChange& cause : tree->causes) {
    Json view = changeToJson(cause);
    view["since"] = view["ts"];
    view.erase("ts");
    view.erase("previous");
    causes.push_back(std::move(view));
  }
  return ok({{"service", name},
             {"at", timeToJson(*at_ms)},
             {"services", std::move(services)},
             {"causes", std::move(causes)}});
}

Reply SlaRoutes::history(const HttpApi::ApiRequest& request) {
  HistoryQuery query;
  query.service = request.param("service").value_or("");
  query.host = request.param("host").value_or("");
  const auto check = request.param("check");
  const auto metric = request.param("metric");
  if (query.service.empty() == query.host.empty()) {
    return error(400,
                 "give either parameter 'service' or parameter 'host' (with 'check' or "
                 "'metric')");
  }
  if (check && metric) {
    return error(400, "parameters 'check' and 'metric' exclude each other");
  }
  if (!query.service.empty() && (check || metric)) {
    return error(400, "parameter 'check' or 'metric' goes with 'host', not with 'service'");
  }
  if (check) {
    query.kind = SeriesKind::kCheck;
    query.name = *check;
  } else if (metric) {
    query.kind = SeriesKind::kMetric;
    query.name = *metric;
  }
  auto from = timeParam(request, "from", 0);
  if (!from) {
    return error(400, from.error().message);
  }
  auto to = timeParam(request, "to", INT64_MAX);
  if (!to) {
    return error(400, to.error().message);
  }
  if (*from >= *to) {
    return error(400, "parameter 'from' must be earlier than 'to'");
  }
  query.from_ms = *from;
  query.to_ms = *to;
  if (const auto limit = request.param("limit")) {
    char* end = nullptr;
    const long long value = std::strtoll(limit->c_str(), &end, 10);
    if (limit->empty() || *end != '\0' || value < 1 || value > 100'000) {
      return error(400, "parameter 'limit': '" + *limit + "' is not a count from 1 to 100000");
    }
    query.limit = static_cast<size_t>(value);
  }

  Json transitions = Json::array();
  for (const StateChange& change : store_.history(query)) {
    transitions.push_back(changeToJson(change));
  }
  return ok({{"transitions", std::move(transitions)}});
}

}  // namespace bsm::server
