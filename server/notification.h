#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/check_state.h"
#include "server/views.h"

namespace bsm::server {

// Where a service stands against its SLA when a notification leaves, if it has one.
struct BudgetView {
  double objective = 0;           // percent, e.g. 99.9
  std::string window;             // as the model writes it, e.g. "30d" or "month"
  double availability = 100;      // percent over the window so far
  double budget_remaining = 100;  // percent of the error budget left (negative: overspent)
  double budget_remaining_seconds = 0;
  double burn_rate = 0;  // over the shortest burn-rate window; 1 spends the budget exactly
};

// Something an operator should hear about, whatever carries it (webhook, Alertmanager, a
// command). Built by the engine for service state changes and new causes, and by the SLA
// ledger for burn-rate alerts; the dispatcher adds the budget before it is sent.
struct Notification {
  enum class Kind {
    kStateChange,  // a business service changed state
    kNewCause,     // a service that was already failing gained a contributing cause
    kBurnRate,     // an SLA's error budget burns too fast (a page or a ticket)
  };

  Kind kind = Kind::kStateChange;
  int64_t ts_ms = 0;  // when it happened
  std::string service;
  std::string description;
  int criticality = 3;
  CheckState state = CheckState::kUnknown;
  CheckState previous = CheckState::kUnknown;
  std::string reason;
  // Ranked, most likely first; empty for an OK service.
  std::vector<CauseView> causes;
  // The services above this one whose state it drags down, most important first.
  std::vector<ImpactView> impact;
  std::optional<BudgetView> budget;
  // Burn-rate alerts only: "page" (fast burn) or "ticket" (slow burn), the windows that fired
  // and their burn rates; `state` is CRITICAL for a page, WARNING for a ticket and OK when the
  // alert clears.
  std::string alert;
  std::vector<std::pair<std::string, double>> burn_rates;
};

const char* toString(Notification::Kind kind);

// Where notifications go. notify() is called with the engine's lock held, so an implementation
// only queues and returns: a slow or dead receiver must never stall ingest.
class NotificationSink {
 public:
  virtual ~NotificationSink() = default;
  virtual void notify(const Notification& notification) = 0;
};

}  // namespace bsm::server
