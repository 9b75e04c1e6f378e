#pragma once

#include <memory>
#include <string>

#include "server/http_api.h"
#include "server/sla_ledger.h"
#include "server/state_store.h"

namespace bsm::server {

// The history and SLA endpoints (docs/api.md):
//   GET /api/v1/services/{name}/sla?window=30d
//   GET /api/v1/services/{name}/sla/report?period=day|week|month&from=&to=&format=json|csv
//   GET /api/v1/services/{name}/history/tree?at=RFC3339
//   GET /api/v1/history?service=S | host=H&check=C | host=H&metric=M, &from=&to=&limit=
// A bad parameter answers 400 naming it; an unknown service, or one without an SLA, 404.
class SlaRoutes {
 public:
  // Everything must outlive the HttpApi the routes are added to.
  SlaRoutes(SlaLedger::ModelSource model, SlaLedger& ledger, StateStore& store,
            SlaLedger::Clock clock);

  void registerWith(HttpApi& api);

  HttpApi::Reply sla(const HttpApi::ApiRequest& request);
  HttpApi::Reply report(const HttpApi::ApiRequest& request);
  HttpApi::Reply tree(const HttpApi::ApiRequest& request);
  HttpApi::Reply history(const HttpApi::ApiRequest& request);

 private:
  SlaLedger::ModelSource model_;
  SlaLedger& ledger_;
  StateStore& store_;
  SlaLedger::Clock clock_;
};

}  // namespace bsm::server
