#include "server/analysis_routes.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "server/json_views.h"
#include "server/service_engine.h"
#include "server/sla_ledger.h"

namespace bsm::server {

namespace {

// A what-if may name this many components; more is a mistake or an attack, not a question.
constexpr size_t kMaxWhatIfComponents = 10'000;

HttpApi::Reply reply(int status, const nlohmann::json& body) {
  return {status, dumpJson(body)};
}

HttpApi::Reply error(int status, const std::string& message) {
  return reply(status, {{"error", message}});
}

// host, and at most one of check and metric, from query parameters or a JSON object.
Result<ComponentQuery> componentQuery(const std::optional<std::string>& host,
                                      const std::optional<std::string>& check,
                                      const std::optional<std::string>& metric,
                                      const std::string& where) {
  if (!host || host->empty()) {
    return Error{where + "host is required"};
  }
  if (check && metric) {
    return Error{where + "give check or metric, not both"};
  }
  ComponentQuery query;
  query.host = *host;
  if (check) {
    query.kind = SeriesKind::kCheck;
    query.name = *check;
  } else if (metric) {
    query.kind = SeriesKind::kMetric;
    query.name = *metric;
  }
  if (query.kind && query.name.empty()) {
    return Error{where + (check ? "check" : "metric") + " must not be empty"};
  }
  return query;
}

// What `seconds` of outage would cost `service`'s error budget, from its SLA standing now; null
// without an SLA or measured time.
nlohmann::json budgetEffect(SlaLedger* ledger, const std::string& service, double seconds) {
  if (ledger == nullptr) {
    return nullptr;
  }
  Result<SlaStatus> status = ledger->status(service);
  if (!status || status->figures.budget_seconds <= 0 || !status->policy) {
    return nullptr;
  }
  const SlaFigures& figures = status->figures;
  const double after = figures.budget_remaining_seconds - seconds;
  nlohmann::json out = {
      {"service", service},
      {"objective", status->policy->objective},
      {"budget_seconds", figures.budget_seconds},
      {"error_budget_remaining_seconds", figures.budget_remaining_seconds},
      {"error_budget_remaining_after_seconds", after},
      {"error_budget_remaining", figures.budget_remaining_percent
                                     ? nlohmann::json(*figures.budget_remaining_percent)
                                     : nlohmann::json(nullptr)},
      {"error_budget_remaining_after", 100.0 * after / figures.budget_seconds},
      {"budget_per_hour_down", 100.0 * 3600.0 / figures.budget_seconds},
      {"breaks", after < 0},
  };
  return out;
}

HttpApi::Reply rootCause(const ServiceEngine& engine, const HttpApi::ApiRequest& request) {
  // {"api", "v1", "services", NAME, "root-cause"}
  if (request.segments.size() != 5) {
    return error(404, "no such endpoint");
  }
  const std::string& name = request.segments[3];
  const std::optional<RootCauseView> view = engine.rootCause(name);
  if (!view) {
    return error(404, fmt::format("no service named '{}'", name.substr(0, 200)));
  }
  nlohmann::json causes = nlohmann::json::array();
  for (const CauseView& cause : view->causes) {
    causes.push_back(causeToJson(cause));
  }
  return reply(200, {{"service", view->service},
                     {"state", std::string(toString(view->state))},
                     {"reason", view->reason},
                     {"causes", std::move(causes)}});
}

HttpApi::Reply impact(const ServiceEngine& engine, SlaLedger* ledger,
                      const HttpApi::ApiRequest& request) {
  Result<ComponentQuery> query =
      componentQuery(request.param("host"), request.param("check"), request.param("metric"), "");
  if (!query) {
    return error(400, query.error().message + " (GET /api/v1/impact?host=H[&check=C|&metric=M])");
  }
  const ImpactResult result = engine.impact(*query);
  nlohmann::json services = nlohmann::json::array();
  for (const ImpactView& view : result.services) {
    nlohmann::json entry = impactToJson(view);
    // The hourly price only for services the outage would take down: that is what burns.
    if (view.state_if_down == CheckState::kCritical) {
      const nlohmann::json effect = budgetEffect(ledger, view.name, 3600);
      if (!effect.is_null()) {
        entry["budget_per_hour_down"] = effect["budget_per_hour_down"];
        entry["error_budget_remaining"] = effect["error_budget_remaining"];
      }
    }
    services.push_back(std::move(entry));
  }
  nlohmann::json body = {
      {"host", query->host}, {"components", result.components}, {"services", std::move(services)}};
  if (query->kind) {
    body[*query->kind == SeriesKind::kCheck ? "check" : "metric"] = query->name;
  }
  return reply(200, body);
}

std::optional<std::string> stringField(const nlohmann::json& object, const char* key) {
  if (!object.contains(key) || !object[key].is_string()) {
    return std::nullopt;
  }
  return object[key].get<std::string>();
}

HttpApi::Reply whatIf(const ServiceEngine& engine, SlaLedger* ledger,
                      const HttpApi::ApiRequest& request) {
  const nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return error(400,
                 "the body must be a JSON object: {\"components\": [{\"host\": H, "
                 "\"check\": C, \"state\": \"CRITICAL\"}], \"duration\": \"2h\"}");
  }
  if (!body.contains("components") || !body["components"].is_array() ||
      body["components"].empty()) {
    return error(400, "components: a non-empty list of {host, check or metric, state} is needed");
  }
  if (body["components"].size() > kMaxWhatIfComponents) {
    return error(400, fmt::format("components: at most {} entries", kMaxWhatIfComponents));
  }

  std::vector<WhatIfChange> changes;
  for (size_t i = 0; i < body["components"].size(); ++i) {
    const nlohmann::json& entry = body["components"][i];
    const std::string where = fmt::format("components[{}]: ", i);
    if (!entry.is_object()) {
      return error(400, where + "must be an object {host, check or metric, state}");
    }
    for (const char* key : {"host", "check", "metric", "state"}) {
      if (entry.contains(key) && !entry[key].is_string()) {
        return error(400, where + key + " must be a string");
      }
    }
    Result<ComponentQuery> query =
        componentQuery(stringField(entry, "host"), stringField(entry, "check"),
                       stringField(entry, "metric"), where);
    if (!query) {
      return error(400, query.error().message);
    }
    if (entry.contains("labels")) {
      if (!entry["labels"].is_object()) {
        return error(400, where + "labels must be an object of strings");
      }
      for (const auto& [key, value] : entry["labels"].items()) {
        if (!value.is_string()) {
          return error(400, where + "labels must be an object of strings");
        }
        query->labels.emplace(key, value.get<std::string>());
      }
    }
    WhatIfChange change;
    change.component = std::move(*query);
    if (const auto word = stringField(entry, "state")) {
      const std::optional<CheckState> state = parseCheckStateAnyCase(*word);
      if (!state) {
        return error(400, where + "state '" + word->substr(0, 40) +
                              "' is not OK, WARNING, CRITICAL or UNKNOWN");
      }
      change.state = *state;
    }
    changes.push_back(std::move(change));
  }

  std::optional<std::chrono::milliseconds> duration;
  if (body.contains("duration")) {
    if (!body["duration"].is_string()) {
      return error(400, "duration must be a string such as \"2h\"");
    }
    Result<std::chrono::milliseconds> parsed = parseDuration(body["duration"].get<std::string>());
    if (!parsed || parsed->count() <= 0) {
      return error(400, "duration: " + (parsed ? std::string("must be longer than zero")
                                               : parsed.error().message));
    }
    duration = *parsed;
  }

  const WhatIfResult result = engine.whatIf(changes);
  nlohmann::json services = nlohmann::json::array();
  nlohmann::json sla = nlohmann::json::array();
  for (const WhatIfServiceView& view : result.services) {
    services.push_back({{"name", view.name},
                        {"criticality", view.criticality},
                        {"state", std::string(toString(view.state))},
                        {"live_state", std::string(toString(view.live_state))}});
    // Only CRITICAL is downtime; the outage's length is what it costs.
    if (duration && view.state == CheckState::kCritical &&
        view.live_state != CheckState::kCritical) {
      nlohmann::json effect = budgetEffect(ledger, view.name, duration->count() / 1000.0);
      if (!effect.is_null()) {
        sla.push_back(std::move(effect));
      }
    }
  }
  nlohmann::json out = {{"components", result.components},
                        {"unmatched", result.unmatched},
                        {"services", std::move(services)},
                        {"sla", std::move(sla)}};
  if (duration) {
    out["duration_seconds"] = duration->count() / 1000.0;
  }
  return reply(200, out);
}

}  // namespace

void addAnalysisRoutes(HttpApi& api, const ServiceEngine& engine, SlaLedger* ledger) {
  api.addRoute(
      "GET", R"(/api/v1/services/[^/]+/root-cause)",
      [&engine](const HttpApi::ApiRequest& request) { return rootCause(engine, request); });
  api.addRoute("GET", "/api/v1/impact", [&engine, ledger](const HttpApi::ApiRequest& request) {
    return impact(engine, ledger, request);
  });
  // A what-if only asks, so the read-only token may send one.
  api.addRoute(
      "POST", "/api/v1/what-if",
      [&engine, ledger](const HttpApi::ApiRequest& request) {
        return whatIf(engine, ledger, request);
      },
      HttpApi::Access::kRead);
}

}  // namespace bsm::server
