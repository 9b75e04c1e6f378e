#include "server/notification_document.h"

#include <cmath>

#include "server/json_views.h"

namespace bsm::server {

namespace {

// JSON has no NaN or infinity; a rate that is not a number is sent as null.
nlohmann::json number(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

nlohmann::json budgetToJson(const BudgetView& budget) {
  return {
      {"objective", number(budget.objective)},
      {"window", budget.window},
      {"availability", number(budget.availability)},
      {"remaining_percent", number(budget.budget_remaining)},
      {"remaining_seconds", number(budget.budget_remaining_seconds)},
      {"burn_rate", number(budget.burn_rate)},
  };
}

}  // namespace

nlohmann::json notificationDocument(const Notification& notification) {
  nlohmann::json out = {
      {"version", kNotificationDocumentVersion},
      {"kind", toString(notification.kind)},
      {"time", timeToJson(notification.ts_ms)},
      {"service", notification.service},
      {"description", notification.description},
      {"criticality", notification.criticality},
      {"state", std::string(toString(notification.state))},
      {"previous_state", std::string(toString(notification.previous))},
      {"reason", notification.reason},
  };

  nlohmann::json causes = nlohmann::json::array();
  for (const CauseView& cause : notification.causes) {
    causes.push_back(causeToJson(cause));
  }
  out["causes"] = std::move(causes);

  nlohmann::json impact = nlohmann::json::array();
  for (const ImpactView& service : notification.impact) {
    impact.push_back({{"name", service.name},
                      {"state", std::string(toString(service.state))},
                      {"criticality", service.criticality}});
  }
  out["impact"] = std::move(impact);
  out["budget"] = notification.budget ? budgetToJson(*notification.budget) : nullptr;

  if (notification.kind == Notification::Kind::kBurnRate) {
    out["alert"] = notification.alert;
    nlohmann::json rates = nlohmann::json::array();
    for (const auto& [window, rate] : notification.burn_rates) {
      rates.push_back({{"window", window}, {"rate", number(rate)}});
    }
    out["burn_rates"] = std::move(rates);
  }
  return out;
}

std::string documentText(const nlohmann::json& document, const char* key) {
  const auto it = document.find(key);
  if (it == document.end() || it->is_null()) {
    return {};
  }
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string rootCauseLine(const nlohmann::json& document) {
  const auto causes = document.find("causes");
  if (causes == document.end() || !causes->is_array() || causes->empty()) {
    return {};
  }
  const nlohmann::json& cause = causes->front();
  const bool check = cause.contains("check");
  std::string out = std::string(check ? "check " : "metric ") +
                    documentText(cause, check ? "check" : "metric") + " on " +
                    documentText(cause, "host") + " is " + documentText(cause, "state");
  // A check explains itself in its output; a metric through the threshold it crossed.
  const std::string detail = documentText(cause, check ? "output" : "reason");
  return detail.empty() ? out : out + ": " + detail;
}

}  // namespace bsm::server
