#pragma once

#include "server/http_api.h"

namespace bsm::server {

class ServiceEngine;

// Adds the engine's analyses to the HTTP API (see docs/api.md):
//   GET  /api/v1/services/{name}/root-cause
//   GET  /api/v1/impact?host=H[&check=C | &metric=M]
//   POST /api/v1/what-if
// `engine` must outlive `api`'s serving.
void addAnalysisRoutes(HttpApi& api, const ServiceEngine& engine);

}  // namespace bsm::server
