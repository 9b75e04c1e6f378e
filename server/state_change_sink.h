#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/check_state.h"
#include "common/sample.h"
#include "server/maintenance_cover.h"
#include "server/series_key.h"

namespace bsm::server {

// One change of a component's or a service's state. Reason-only changes are not state changes
// and never reach a sink.
struct StateChange {
  enum class Kind { kService, kComponent };

  Kind kind = Kind::kService;
  // Agent clock for changes that a sample caused (when the agent saw it happen); server clock
  // for staleness and disconnected agents, which no sample reports.
  int64_t ts_ms = 0;
  // The service that changed, or the service the component belongs to: a series selected by
  // two services is two components, and each one changes on its own.
  std::string service;
  // Components only: the series it was made from.
  SeriesKind series_kind = SeriesKind::kMetric;
  std::string host;
  std::string name;
  Labels labels;

  CheckState state = CheckState::kUnknown;
  CheckState previous = CheckState::kUnknown;
  // Services only: whether the service is in maintenance (see ServiceNode::maintenance) after
  // and before the change. A change of maintenance alone is recorded as a change with an
  // unchanged state, since the SLA needs to know when planned time starts and ends.
  MaintenanceCover maintenance = MaintenanceCover::kNone;
  MaintenanceCover previous_maintenance = MaintenanceCover::kNone;
  std::string reason;
};

// Where state changes go: the state history, the SLA ledger, notifiers, an event stream.
//
// record() is called on the ingest path with the engine's lock held, in the order the changes
// happened; an implementation must only hand the changes over (queue them) and never wait for
// disk or network, or it stalls every agent.
class StateChangeSink {
 public:
  virtual ~StateChangeSink() = default;
  virtual void record(std::span<const StateChange> changes) = 0;
};

}  // namespace bsm::server
