#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "server/service_model.h"
#include "server/state_store.h"

namespace bsm::server {

// One service in a point-in-time tree.
struct HistoryTreeNode {
  std::string name;
  std::string parent;                   // "" for the service asked about
  std::string impact;                   // how it reaches its parent: "normal", "warning", "ignore"
  std::optional<StateChange> state;     // the change in force then; empty before any history
  std::vector<StateChange> components;  // each component's change in force then
};

// A service and everything beneath it as the history saw them at one moment: "what was the
// tree and its root cause at 03:12 last night".
struct HistoryTree {
  int64_t at_ms = 0;
  std::vector<HistoryTreeNode> services;  // the one asked about first, then breadth first
  // The non-OK components beneath, worst first (CRITICAL, UNKNOWN, WARNING), each series once;
  // components under an `impact: ignore` edge are shown in the tree but never a cause.
  std::vector<StateChange> causes;
};

// TODO: the tree's shape is today's model; a model reloaded since `at_ms` with other
// dependencies shows the old states under the new shape. Keeping the model's history would fix
// that.
Result<HistoryTree> historyTreeAt(const ServiceModel& model, StateStore& store,
                                  const std::string& service, int64_t at_ms);

}  // namespace bsm::server
