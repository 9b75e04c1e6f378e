#include "server/json_views.h"

#include <cmath>

#include "common/time_format.h"

namespace bsm::server {

nlohmann::json timeToJson(int64_t ms) {
  if (ms <= 0) {
    return nullptr;
  }
  return formatRfc3339(ms);
}

nlohmann::json serviceSummaryToJson(const ServiceView& service) {
  return {
      {"name", service.name},
      {"state", std::string(toString(service.state))},
      {"reason", service.reason},
      {"since", timeToJson(service.since_ms)},
      {"maintenance", toString(service.maintenance)},
      {"criticality", service.criticality},
      {"description", service.description},
  };
}

nlohmann::json serviceDetailToJson(const ServiceView& service) {
  nlohmann::json out = serviceSummaryToJson(service);
  out["rule"] = service.rule;

  nlohmann::json components = nlohmann::json::array();
  for (const ComponentView& component : service.components) {
    components.push_back(componentToJson(component));
  }
  out["components"] = std::move(components);

  nlohmann::json children = nlohmann::json::array();
  for (const ChildServiceView& child : service.children) {
    children.push_back(childServiceToJson(child));
  }
  out["children"] = std::move(children);
  return out;
}

nlohmann::json componentToJson(const ComponentView& component) {
  nlohmann::json out = {{"host", component.host}};
  // The key says what the name is, as in the service model's selectors.
  out[component.kind == "check" ? "check" : "metric"] = component.name;
  out["labels"] = nlohmann::json::object();
  for (const auto& [key, value] : component.labels) {
    out["labels"][key] = value;
  }
  out["state"] = std::string(toString(component.state));
  // JSON has no NaN or infinity; a value that is not a number is reported as no value.
  if (component.value && std::isfinite(*component.value)) {
    out["value"] = *component.value;
  } else {
    out["value"] = nullptr;
  }
  out["unit"] = component.unit;
  out["output"] = component.output;
  out["reason"] = component.reason;
  out["since"] = timeToJson(component.since_ms);
  out["maintenance"] = toString(component.maintenance);
  if (component.acknowledgement) {
    out["acknowledged"] = {{"author", component.acknowledgement->author},
                           {"comment", component.acknowledgement->comment},
                           {"sticky", component.acknowledgement->sticky},
                           {"time", timeToJson(component.acknowledgement->ts_ms)}};
  }
  out["last_seen"] = timeToJson(component.last_seen_ms);
  return out;
}

nlohmann::json childServiceToJson(const ChildServiceView& child) {
  return {
      {"name", child.name},
      {"state", std::string(toString(child.state))},
      {"impact", child.impact},
  };
}

nlohmann::json agentToJson(const AgentView& agent) {
  return {
      {"id", agent.id},
      {"connected", agent.connected},
      {"last_seen", timeToJson(agent.last_seen_ms)},
      {"address", agent.address},
  };
}

nlohmann::json causeToJson(const CauseView& cause) {
  nlohmann::json out = componentToJson(cause.component);
  out["service"] = cause.service;
  out["affects"] = cause.affects;
  return out;
}

nlohmann::json impactToJson(const ImpactView& impact) {
  return {
      {"name", impact.name},
      {"state", std::string(toString(impact.state))},
      {"criticality", impact.criticality},
      {"state_if_down", std::string(toString(impact.state_if_down))},
  };
}

std::string dumpJson(const nlohmann::json& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace bsm::server
