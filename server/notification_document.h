#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "server/notification.h"

namespace bsm::server {

// The version of the JSON document below. It goes up only when a field changes meaning or goes
// away; new fields are added without a new version, so receivers must ignore what they do not
// know.
constexpr int kNotificationDocumentVersion = 1;

// A notification as the webhook posts it and the exec channel hands it on standard input (see
// docs/notifications.md): {"version", "kind", "time", "service", "description", "criticality",
// "state", "previous_state", "reason", "causes", "impact", "budget"}, plus "alert" and
// "burn_rates" for burn-rate alerts. The Alertmanager channel reads its alerts from it too, so
// every channel tells the same story and the outbox keeps one form.
nlohmann::json notificationDocument(const Notification& notification);

// A top-level field of a document as text ("" when absent or null; numbers as JSON writes them),
// for channels that put fields into labels or environment variables.
std::string documentText(const nlohmann::json& document, const char* key);

// The most likely cause in one line, e.g. "check check_pgsql on db-1 is CRITICAL: CRITICAL -
// connection refused"; "" when the document names no cause.
std::string rootCauseLine(const nlohmann::json& document);

}  // namespace bsm::server
