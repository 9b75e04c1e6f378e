#include "server/alertmanager_channel.h"

#include <cctype>
#include <cstdio>

#include "common/logging.h"
#include "common/sample.h"
#include "common/time_format.h"
#include "server/json_views.h"
#include "server/notification_document.h"
#include "server/notification_outbox.h"

namespace bsm::server {

namespace {

// A firing alert stays valid this many resend intervals: one or two lost refreshes do not
// resolve it, a stopped server does within minutes.
constexpr int kValidResends = 4;

std::shared_ptr<spdlog::logger> logger() {
  static const auto log = logging::get("notify");
  return log;
}

// What a service's state means to Alertmanager routing; UNKNOWN is not known to be down, so it
// pages no one.
std::string severityOf(const std::string& state) {
  return state == "CRITICAL" ? "critical" : "warning";
}

std::string percentEncode(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string keyOf(const nlohmann::json& document) {
  if (documentText(document, "kind") == "burn_rate") {
    return "burn:" + documentText(document, "alert") + ":" + documentText(document, "service");
  }
  return "service:" + documentText(document, "service");
}

}  // namespace

AlertmanagerChannel::AlertmanagerChannel(std::string name, Settings settings,
                                         NotificationOutbox* state)
    : name_(std::move(name)), settings_(std::move(settings)), state_(state) {
  if (!state_) {
    return;
  }
  auto stored = state_->channelState(name_);
  if (!stored) {
    logger()->error("channel={} cannot read its firing alerts: {}; they will not be refreshed",
                    name_, stored.error().message);
    return;
  }
  for (const auto& [key, value] : *stored) {
    auto alert = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
    if (alert.is_object()) {
      firing_.emplace(key, std::move(alert));
    }
  }
}

nlohmann::json AlertmanagerChannel::alertFor(const nlohmann::json& document) const {
  const std::string service = documentText(document, "service");
  const bool burn = documentText(document, "kind") == "burn_rate";
  std::string state = documentText(document, "state");
  // A resolving notification keeps the labels of the alert it ends.
  if (state == "OK") {
    state = documentText(document, "previous_state");
  }

  nlohmann::json labels = {{"service", service},
                           {"criticality", documentText(document, "criticality")}};
  nlohmann::json annotations;
  if (burn) {
    const std::string alert = documentText(document, "alert");
    labels["alertname"] = "ErrorBudgetBurn";
    labels["burn_alert"] = alert;
    labels["severity"] = alert == "page" ? "critical" : "warning";
    annotations["summary"] = service + " is burning its error budget too fast (" + alert + ")";
  } else {
    labels["alertname"] = "BusinessServiceState";
    labels["severity"] = severityOf(state);
    annotations["summary"] = service + " is " + documentText(document, "state");
  }

  std::string description = documentText(document, "reason");
  if (const auto impact = document.find("impact"); impact != document.end() && impact->is_array()) {
    std::string names;
    for (const auto& above : *impact) {
      names += (names.empty() ? "" : ", ") + documentText(above, "name");
    }
    if (!names.empty()) {
      description += (description.empty() ? "" : "; ") + std::string("affects ") + names;
    }
  }
  annotations["description"] = description;
  if (const std::string cause = rootCauseLine(document); !cause.empty()) {
    annotations["root_cause"] = cause;
  }
  if (const auto budget = document.find("budget");
      budget != document.end() && budget->is_object()) {
    if (const auto left = budget->find("remaining_percent");
        left != budget->end() && left->is_number()) {
      char text[64];
      std::snprintf(text, sizeof text, "%.1f%% of the error budget left", left->get<double>());
      annotations["error_budget"] = text;
    }
  }

  return {{"labels", std::move(labels)},
          {"annotations", std::move(annotations)},
          {"generatorURL",
           settings_.external_url + "/api/v1/services/" + percentEncode(service) + "/root-cause"}};
}

Delivery AlertmanagerChannel::deliver(const nlohmann::json& document) {
  const int64_t now = nowMs();
  const std::string key = keyOf(document);
  const bool resolved = documentText(document, "state") == "OK";
  nlohmann::json alert = alertFor(document);
  const auto active = firing_.find(key);

  nlohmann::json batch = nlohmann::json::array();
  if (active != firing_.end() && (resolved || active->second["labels"] != alert["labels"])) {
    // Ends the alert as it fires now, whatever labels this notification would give it.
    nlohmann::json ended = active->second;
    ended["endsAt"] = formatRfc3339(now);
    batch.push_back(std::move(ended));
  }
  if (resolved) {
    if (active == firing_.end()) {
      // Not known to fire here (a server that lost its state): ending it is harmless.
      alert["startsAt"] = formatRfc3339(now);
      alert["endsAt"] = formatRfc3339(now);
      batch.push_back(alert);
    }
  } else {
    // An alert that goes on firing keeps its start; a new one starts when the service failed.
    const auto time = document.find("time");
    if (active != firing_.end() && active->second["labels"] == alert["labels"]) {
      alert["startsAt"] = active->second["startsAt"];
    } else if (time != document.end() && time->is_string() &&
               time->get<std::string>() < formatRfc3339(now)) {
      // An agent clock ahead of ours would give a start after the end, which Alertmanager
      // refuses for good. Both strings have one fixed format, so they compare as times.
      alert["startsAt"] = *time;
    } else {
      alert["startsAt"] = formatRfc3339(now);
    }
    nlohmann::json sent = alert;
    sent["endsAt"] = formatRfc3339(now + kValidResends * settings_.resend_interval.count());
    batch.push_back(std::move(sent));
  }

  Delivery delivery = post(batch);
  if (delivery.outcome != Delivery::Outcome::kDelivered) {
    return delivery;
  }
  if (resolved) {
    forget(key);
  } else {
    remember(key, alert);
  }
  return delivery;
}

void AlertmanagerChannel::refresh() {
  if (firing_.empty()) {
    return;
  }
  const std::string ends =
      formatRfc3339(nowMs() + kValidResends * settings_.resend_interval.count());
  nlohmann::json batch = nlohmann::json::array();
  for (const auto& [key, alert] : firing_) {
    nlohmann::json sent = alert;
    sent["endsAt"] = ends;
    batch.push_back(std::move(sent));
  }
  const Delivery delivery = post(batch);
  if (delivery.outcome != Delivery::Outcome::kDelivered) {
    logger()->warn(
        "channel={} could not refresh {} firing alerts: {}; they resolve by themselves if "
        "this lasts {} resend intervals",
        name_, firing_.size(), delivery.detail, kValidResends);
  }
}

Delivery AlertmanagerChannel::post(const nlohmann::json& alerts) {
  const std::string body = dumpJson(alerts);
  bool delivered = false;
  bool all_permanent = true;
  std::string failures;
  for (const HttpUrl& url : settings_.urls) {
    const HttpAnswer answer =
        postJson(url, settings_.headers, body, settings_.timeout, settings_.ca_file);
    const Delivery one = deliveryFromHttpStatus(answer.status, answer.body, answer.error);
    if (one.outcome == Delivery::Outcome::kDelivered) {
      delivered = true;
      continue;
    }
    all_permanent = all_permanent && one.outcome == Delivery::Outcome::kPermanent;
    failures += (failures.empty() ? "" : "; ") + url.toString() + ": " + one.detail;
  }
  if (delivered) {
    if (!failures.empty()) {
      // Alertmanagers of one cluster share alerts; the others have it.
      logger()->warn("channel={} delivered to some Alertmanagers but not to {}", name_, failures);
    }
    return Delivery::delivered();
  }
  return all_permanent ? Delivery::permanent(failures) : Delivery::retry(failures);
}

void AlertmanagerChannel::remember(const std::string& key, const nlohmann::json& alert) {
  firing_[key] = alert;
  if (state_) {
    if (Status stored = state_->putChannelState(name_, key, dumpJson(alert)); !stored) {
      logger()->error("channel={} cannot store firing alert={}: {}", name_, key,
                      stored.error().message);
    }
  }
}

void AlertmanagerChannel::forget(const std::string& key) {
  firing_.erase(key);
  if (state_) {
    if (Status erased = state_->eraseChannelState(name_, key); !erased) {
      logger()->error("channel={} cannot erase resolved alert={}: {}", name_, key,
                      erased.error().message);
    }
  }
}

}  // namespace bsm::server
