#pragma once

#include <functional>

#include "server/http_api.h"

namespace bsm::server {

class MaintenanceCalendar;

// Adds maintenance windows to the HTTP API (see docs/api.md):
//   GET    /api/v1/maintenance[?all=1]   windows not over yet (all: ended ones too)
//   POST   /api/v1/maintenance           adds one (admin token)
//   DELETE /api/v1/maintenance/{id}      removes one (admin token)
// `changed` runs after an add or remove, so that the server applies it at once rather than at
// its next tick. `calendar` must outlive `api`'s serving.
void addMaintenanceRoutes(HttpApi& api, MaintenanceCalendar& calendar,
                          std::function<void()> changed);

}  // namespace bsm::server
