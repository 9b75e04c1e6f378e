#pragma once

#include "server/http_api.h"

namespace bsm::server {

class ServiceEngine;

// Adds acknowledgements to the HTTP API (admin token, see docs/api.md):
//   POST   /api/v1/acknowledgements  {host, check|metric, comment, author, sticky}
//   DELETE /api/v1/acknowledgements?host=H[&check=C|&metric=M]
// `engine` must outlive `api`'s serving.
void addAcknowledgementRoutes(HttpApi& api, ServiceEngine& engine);

}  // namespace bsm::server
