#pragma once

#include "server/http_api.h"

namespace bsm::server {

class ServiceEngine;
class SlaLedger;

// Adds the engine's analyses to the HTTP API (see docs/api.md):
//   GET  /api/v1/services/{name}/root-cause
//   GET  /api/v1/impact?host=H[&check=C | &metric=M]
//   POST /api/v1/what-if
// With `ledger`, impact and what-if also say what an outage costs each SLA. `engine` and
// `ledger` must outlive `api`'s serving.
void addAnalysisRoutes(HttpApi& api, const ServiceEngine& engine, SlaLedger* ledger = nullptr);

}  // namespace bsm::server
