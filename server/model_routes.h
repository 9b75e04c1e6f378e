#pragma once

#include <functional>
#include <string>

#include "common/result.h"
#include "server/http_api.h"

namespace bsm::server {

class ServiceEngine;

// What a model reload did, for the API and the log.
struct ReloadSummary {
  size_t services = 0;
  size_t files = 0;
};

// Adds the model's administration to the HTTP API (see docs/api.md; reload needs the admin token):
//   POST /api/v1/model/reload    reads the configured model files again and swaps them in
//   POST /api/v1/model/validate  checks model files sent in the body
//   POST /api/v1/model/diff      what the model files sent in the body would change
// The body of validate and diff is {"files": [{"name": "shop.yaml", "text": "services: ..."}]}.
// `reload` does the reload (the server's own, shared with SIGHUP). `engine` must outlive `api`'s
// serving.
void addModelRoutes(HttpApi& api, const ServiceEngine& engine,
                    std::function<Result<ReloadSummary>()> reload);

}  // namespace bsm::server
