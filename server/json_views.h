#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "server/views.h"

namespace bsm::server {

// How the HTTP API spells the engine's views as JSON. Shared by every endpoint so that a service
// or a time reads the same wherever it appears. The field names are the contract in docs/api.md.

// "2026-12-03T19:20:00.123Z" (RFC 3339, UTC, milliseconds), or null when `ms` is 0 (never) or
// negative (no meaningful time).
nlohmann::json timeToJson(int64_t ms);

// {"name", "state", "reason", "since", "criticality", "description"}.
nlohmann::json serviceSummaryToJson(const ServiceView& service);

// The summary plus "rule", "components" and "children".
nlohmann::json serviceDetailToJson(const ServiceView& service);

// {"host", "metric" or "check", "labels", "state", "value", "unit", "output", "reason", "since",
// "last_seen"}.
nlohmann::json componentToJson(const ComponentView& component);

// {"name", "state", "impact"}.
nlohmann::json childServiceToJson(const ChildServiceView& child);

// {"id", "connected", "last_seen", "address"}.
nlohmann::json agentToJson(const AgentView& agent);

// The component's fields plus "service" (whose selector made it) and "affects" (the failing
// services it explains).
nlohmann::json causeToJson(const CauseView& cause);

// {"name", "state", "criticality", "state_if_down"}.
nlohmann::json impactToJson(const ImpactView& impact);

// Serialises for the wire. Text from plugins and peers may hold invalid UTF-8, on which
// nlohmann::json::dump() would throw; such bytes become U+FFFD instead.
std::string dumpJson(const nlohmann::json& value, int indent = -1);

}  // namespace bsm::server
