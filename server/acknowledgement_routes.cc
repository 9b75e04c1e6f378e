#include "server/acknowledgement_routes.h"

#include <nlohmann/json.hpp>

#include "common/sample.h"
#include "server/json_views.h"
#include "server/service_engine.h"

namespace bsm::server {

namespace {

// Bounds what a request may store in the engine's memory.
constexpr size_t kMaxText = 1024;

HttpApi::Reply reply(int status, const nlohmann::json& body) {
  return {status, dumpJson(body)};
}

std::string stringOr(const nlohmann::json& body, const char* key) {
  return body.contains(key) && body[key].is_string() ? body[key].get<std::string>() : "";
}

// host plus at most one of check and metric.
Result<ComponentQuery> queryOf(const std::string& host, const std::string& check,
                               const std::string& metric) {
  if (host.empty()) {
    return Error{"host is required"};
  }
  if (!check.empty() && !metric.empty()) {
    return Error{"give check or metric, not both"};
  }
  ComponentQuery query;
  query.host = host;
  if (!check.empty()) {
    query.kind = SeriesKind::kCheck;
    query.name = check;
  } else if (!metric.empty()) {
    query.kind = SeriesKind::kMetric;
    query.name = metric;
  }
  return query;
}

}  // namespace

void addAcknowledgementRoutes(HttpApi& api, ServiceEngine& engine) {
  api.addRoute("POST", "/api/v1/acknowledgements", [&engine](const HttpApi::ApiRequest& request) {
    const nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return reply(400, {{"error",
                          "the body must be a JSON object {host, check or "
                          "metric, comment, author, sticky}"}});
    }
    for (const char* key : {"host", "check", "metric", "comment", "author"}) {
      if (body.contains(key) &&
          (!body[key].is_string() || body[key].get<std::string>().size() > kMaxText)) {
        return reply(400, {{"error", std::string(key) + " must be a string of at "
                                                        "most 1024 bytes"}});
      }
    }
    if (body.contains("sticky") && !body["sticky"].is_boolean()) {
      return reply(400, {{"error", "sticky must be true or false"}});
    }
    auto query = queryOf(stringOr(body, "host"), stringOr(body, "check"), stringOr(body, "metric"));
    if (!query) {
      return reply(400, {{"error", query.error().message}});
    }
    Acknowledgement ack;
    ack.comment = stringOr(body, "comment");
    ack.author = stringOr(body, "author");
    ack.sticky = body.value("sticky", false);
    ack.ts_ms = nowMs();
    if (ack.comment.empty()) {
      return reply(400, {{"error", "comment is required: say who is on it and why"}});
    }
    const size_t changed = engine.acknowledge(*query, ack, ack.ts_ms);
    return reply(200, {{"acknowledged", changed}});
  });
  api.addRoute("DELETE", "/api/v1/acknowledgements", [&engine](const HttpApi::ApiRequest& request) {
    auto query = queryOf(request.param("host").value_or(""), request.param("check").value_or(""),
                         request.param("metric").value_or(""));
    if (!query) {
      return reply(400, {{"error", query.error().message}});
    }
    return reply(200, {{"removed", engine.acknowledge(*query, std::nullopt, nowMs())}});
  });
}

}  // namespace bsm::server
