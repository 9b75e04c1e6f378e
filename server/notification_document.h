#pragma once

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

}  // namespace bsm::server
