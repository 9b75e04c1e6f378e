#include "server/model_routes.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/config_file.h"
#include "server/json_views.h"
#include "server/service_engine.h"
#include "server/service_model.h"

namespace bsm::server {

namespace {

// Bounds what one request may make the server parse.
constexpr size_t kMaxFiles = 1'000;

HttpApi::Reply reply(int status, const nlohmann::json& body) {
  return {status, dumpJson(body)};
}

// The model in a validate or diff request, or a 400 reply saying what is wrong.
Result<ServiceModel> modelFromBody(const std::string& body_text) {
  const nlohmann::json body = nlohmann::json::parse(body_text, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("files") ||
      !body["files"].is_array() || body["files"].empty()) {
    return Error{"the body must be {\"files\": [{\"name\": \"shop.yaml\", \"text\": \"...\"}]}"};
  }
  if (body["files"].size() > kMaxFiles) {
    return Error{fmt::format("files: at most {} model files", kMaxFiles)};
  }
  std::vector<ConfigFile> files;
  for (size_t i = 0; i < body["files"].size(); ++i) {
    const nlohmann::json& file = body["files"][i];
    if (!file.is_object() || !file.contains("name") || !file["name"].is_string() ||
        !file.contains("text") || !file["text"].is_string()) {
      return Error{fmt::format("files[{}]: needs \"name\" and \"text\", both strings", i)};
    }
    try {
      files.push_back(
          ConfigFile::parse(file["text"].get<std::string>(), file["name"].get<std::string>()));
    } catch (const ConfigError& e) {
      return Error{e.what()};
    }
  }
  try {
    return ServiceModel::fromFiles(files);
  } catch (const ConfigError& e) {
    return Error{e.what()};
  }
}

nlohmann::json diffToJson(const ModelDiff& diff) {
  nlohmann::json states = nlohmann::json::array();
  for (const WhatIfServiceView& view : diff.states) {
    states.push_back({{"name", view.name},
                      {"criticality", view.criticality},
                      {"state", std::string(toString(view.state))},
                      {"live_state", std::string(toString(view.live_state))}});
  }
  return {{"added", diff.added},
          {"removed", diff.removed},
          {"changed", diff.changed},
          {"states", std::move(states)}};
}

}  // namespace

void addModelRoutes(HttpApi& api, const ServiceEngine& engine,
                    std::function<Result<ReloadSummary>()> reload) {
  api.addRoute(
      "POST", "/api/v1/model/reload", [reload = std::move(reload)](const HttpApi::ApiRequest&) {
        Result<ReloadSummary> done = reload();
        if (!done) {
          return reply(400, {{"error", done.error().message}, {"reloaded", false}});
        }
        return reply(200,
                     {{"reloaded", true}, {"services", done->services}, {"files", done->files}});
      });
  // Validate and diff change nothing: the read-only token may ask them.
  api.addRoute(
      "POST", "/api/v1/model/validate",
      [](const HttpApi::ApiRequest& request) {
        Result<ServiceModel> model = modelFromBody(request.body);
        if (!model) {
          return reply(400, {{"valid", false}, {"error", model.error().message}});
        }
        return reply(200, {{"valid", true}, {"services", model->services().size()}});
      },
      HttpApi::Access::kRead);
  api.addRoute(
      "POST", "/api/v1/model/diff",
      [&engine](const HttpApi::ApiRequest& request) {
        Result<ServiceModel> model = modelFromBody(request.body);
        if (!model) {
          return reply(400, {{"valid", false}, {"error", model.error().message}});
        }
        nlohmann::json body = diffToJson(engine.previewModel(*model));
        body["valid"] = true;
        return reply(200, body);
      },
      HttpApi::Access::kRead);
}

}  // namespace bsm::server
