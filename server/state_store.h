#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "server/sla_policy.h"
#include "server/state_change_sink.h"

namespace bsm::server {

// What the server keeps about an agent across restarts.
struct AgentRecord {
  std::string id;
  std::string address;  // "ip:port" of its latest session
  int64_t last_seen_ms = 0;
  // Highest batch sequence applied for it: the stream answers Hello with it and drops batches
  // at or below it, which makes delivery exactly-once across server restarts.
  uint64_t last_applied_seq = 0;
};

// A question to the state history. Either `service` (that service's own changes) or `host`
// with `name` (a component's changes, whichever services select it).
struct HistoryQuery {
  std::string service;
  std::string host;
  std::optional<SeriesKind> kind;  // with host: check or metric; empty matches both
  std::string name;
  int64_t from_ms = 0;        // inclusive
  int64_t to_ms = INT64_MAX;  // exclusive
  size_t limit = 1000;        // the newest `limit` changes in the range, returned oldest first
};

// Durable state: the history of state changes and the agent registry. SQLite for one server;
// the interface is the seam for a shared database (PostgreSQL) when several servers run.
//
// Writes (record, saveAgent, saveAgentContact) only queue and return at once; reads see
// everything queued before them once flush() returns.
class StateStore : public StateChangeSink {
 public:
  // Every agent ever saved, sorted by id.
  virtual std::vector<AgentRecord> loadAgents() = 0;
  virtual std::optional<AgentRecord> findAgent(const std::string& id) = 0;
  // The whole row: used by the stream after it applied a batch.
  virtual void saveAgent(const AgentRecord& agent) = 0;
  // Address and last contact only, keeping the stored sequence: used by the engine on
  // connects and disconnects, which know nothing of sequences.
  virtual void saveAgentContact(const std::string& id, const std::string& address,
                                int64_t last_seen_ms) = 0;

  virtual std::vector<StateChange> history(const HistoryQuery& query) = 0;

  // What the SLA ledger and point-in-time views ask. The defaults fail, so that a store
  // without them still builds and says what is missing.

  // The service's own change in force at `at_ms` (the latest at or before it), or nothing when
  // the history holds none that early.
  virtual Result<std::optional<StateChange>> serviceStateAt(const std::string& service,
                                                            int64_t at_ms);
  // The service's own changes in [from_ms, to_ms), oldest first, handed one by one to `visit`
  // so that a year of them never sits in memory at once.
  virtual Status forEachServiceChange(const std::string& service, int64_t from_ms, int64_t to_ms,
                                      const std::function<void(int64_t, CheckState)>& visit);
  // The spans inside `span` during which the service was in maintenance that does not count
  // against its SLA (MaintenanceCover::kExcluded), in time order.
  virtual Result<std::vector<TimeInterval>> plannedMaintenance(const std::string& service,
                                                               TimeInterval span);
  // Every component that `service` selected at some time up to `at_ms`, each with its latest
  // change at or before it (the state it was in then).
  virtual Result<std::vector<StateChange>> componentStatesAt(const std::string& service,
                                                             int64_t at_ms);

  // Returns once everything queued before the call is on disk.
  virtual void flush() = 0;
};

}  // namespace bsm::server
