#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <queue>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/check_state.h"
#include "common/result.h"
#include "server/agent_tracker.h"
#include "server/ingest_target.h"
#include "server/notification.h"
#include "server/series_store.h"
#include "server/service_graph.h"
#include "server/service_model.h"
#include "server/state_change_sink.h"
#include "server/state_store.h"
#include "server/views.h"

namespace bsm::server {

// The stream's point types (server/ingest_target.h) are the engine's.
using MetricPoint = IngestMetric;
using CheckPoint = IngestCheck;

struct EngineOptions {
  // How long an agent may stay disconnected before everything it delivers turns UNKNOWN.
  std::chrono::milliseconds agent_grace{30'000};
  // Staleness for series whose agent gave no interval: three of these.
  std::chrono::milliseconds fallback_interval{60'000};
  // agentSeen() writes the agent's last contact to the store at most this often.
  std::chrono::milliseconds agent_save_interval{60'000};
  SeriesLimits limits;
};

// Counters for /metrics and the logs.
struct EngineStats {
  size_t services = 0;
  size_t components = 0;
  size_t series = 0;
  size_t agents = 0;
  uint64_t points_applied = 0;
  uint64_t points_out_of_order = 0;  // older than the series' latest value, ignored
  uint64_t batches_rejected = 0;     // apply() calls refused for an unknown series
  uint64_t series_rejected = 0;      // defineSeries() calls refused (limits)
  uint64_t state_changes = 0;
};

// The heart of bsm-server: series in, service states out.
//
// The stream defines series and applies what agents send; tick() applies the passage of time
// (staleness, agents past their grace period). Every change of state goes, in order, to the
// state store and the other sinks. The HTTP API reads through ApiBackend.
//
// Thread-safe: ingest, ticks and model changes take the lock exclusively, reads share it.
class ServiceEngine final : public ApiBackend, public IngestTarget {
 public:
  // `store` may be null (no history, no agent registry across restarts); it and every sink
  // must outlive the engine.
  ServiceEngine(ServiceModel model, StateStore* store, EngineOptions options = {});
  ~ServiceEngine() override = default;
  ServiceEngine(const ServiceEngine&) = delete;
  ServiceEngine& operator=(const ServiceEngine&) = delete;

  // Another receiver of state changes (notifiers, the SLA ledger, an event stream).
  void addSink(StateChangeSink* sink);
  // A receiver of notifications: business-service state changes and new causes of an already
  // failing service, with their ranked root causes and impact. Must outlive the engine.
  void addNotificationSink(NotificationSink* sink);

  // The engine-wide id of a series, created on first definition; a new series joins every
  // service whose selectors match it. The id stays valid for the engine's life. Fails on a key
  // that breaks the limits (empty or oversized names, too many labels or series).
  Result<SeriesId> tryDefineSeries(const SeriesKey& key);

  // IngestTarget. defineSeries() is tryDefineSeries() that answers kNoSeries on refusal (and
  // logs why), so that the batch using the id fails in apply().
  SeriesId defineSeries(const SeriesKey& key) override;

  // Applies one batch's values. received_ms is the server clock at receipt, for staleness.
  // A point that names an unknown series, or a series of the other kind, fails the whole
  // call and nothing is applied. Points older than their series' latest are skipped.
  Status apply(std::span<const MetricPoint> metrics, std::span<const CheckPoint> checks,
               int64_t received_ms) override;

  void agentConnected(const std::string& agent_id, const std::string& address,
                      int64_t now_ms) override;
  void agentDisconnected(const std::string& agent_id, int64_t now_ms) override;
  void agentSeen(const std::string& agent_id, int64_t now_ms) override;

  // Holds notifications back until until_ms (server clock): after a start, agents reconnect
  // one by one and a pool looks short of members for a moment. When the hold ends (at a tick),
  // every service not in maintenance is told once in the state it settled in.
  void holdNotificationsUntil(int64_t until_ms);

  // Applies staleness and expired grace periods up to now_ms (server clock). Called every
  // second; costs nothing when no deadline is due.
  void tick(int64_t now_ms);

  // Swaps in a new (already validated) model: every series is matched again, and services
  // and components whose state differs from before record a state change at now_ms. Agent
  // sessions, series and their latest values are kept.
  void replaceModel(ServiceModel model, int64_t now_ms);

  // Applies the maintenance windows active now: components and services they cover are
  // flagged, services whose whole trouble is covered are in maintenance, and every change is
  // recorded at now_ms. Costs the components of the hosts named now or before, not the model.
  void setMaintenance(ActiveMaintenance active, int64_t now_ms);

  // Acknowledges the current problem of every component the query matches (or, with nullopt,
  // takes acknowledgements back); returns how many components changed. OK components are
  // left alone: there is nothing to acknowledge.
  // TODO: acknowledgements live in memory only and are lost when bsm-server restarts.
  size_t acknowledge(const ComponentQuery& query, std::optional<Acknowledgement> ack,
                     int64_t now_ms);

  // What replaceModel() would change, without changing anything: services added, removed or
  // defined differently, and the services whose state would differ.
  ModelDiff previewModel(const ServiceModel& model) const;
  std::shared_ptr<const ServiceModel> model() const;

  EngineStats stats() const;

  // ApiBackend.
  std::vector<ServiceView> services() const override;
  std::optional<ServiceView> service(const std::string& name) const override;
  std::vector<AgentView> agents() const override;

  // Ranked leaf causes of a service's state (see ServiceGraph::causesOf): a component that
  // explains more failing services ranks first, then the one behind the most important service,
  // then the most severe, then the one that failed first. Nullopt for an unknown service.
  std::optional<RootCauseView> rootCause(const std::string& service) const;

  // Every service above the components the query matches (their own services included), with
  // its state now and the state it would take were they all CRITICAL.
  ImpactResult impact(const ComponentQuery& query) const;

  // The services whose state would change if the components took the given states; nothing
  // live is touched.
  WhatIfResult whatIf(const std::vector<WhatIfChange>& changes) const;

 private:
  using Deadline = std::pair<int64_t, ComponentId>;

  EvaluationContext contextFor(const Component& component, const Series& series,
                               int64_t now_ms) const;
  // Evaluates a component at now_ms and hands the verdict to the graph.
  void reevaluate(ComponentId id, int64_t now_ms, int64_t ts_ms, std::vector<StateChange>& out);
  // The same, then makes sure its staleness deadline is queued.
  void refresh(ComponentId id, int64_t now_ms, int64_t ts_ms, std::vector<StateChange>& out);
  void schedule(ComponentId id);
  int64_t deadlineOf(const Component& component, const Series& series) const;
  void expireAgents(int64_t now_ms, std::vector<StateChange>& changes);
  void expireStaleComponents(int64_t now_ms, std::vector<StateChange>& changes);
  void publish(const std::vector<StateChange>& changes);
  void advanceClock(int64_t now_ms);
  ComponentView componentView(const Component& component) const;
  // A graph of `model` over every known series, settled at now_ms; `changes` (if given) gets
  // the component changes against the live graph, and component since-times carry over.
  std::unique_ptr<ServiceGraph> buildGraph(std::shared_ptr<const ServiceModel> model,
                                           int64_t now_ms, std::vector<StateChange>* changes) const;
  std::vector<ComponentId> matchComponents(const ComponentQuery& query) const;
  MaintenanceCover coverOf(const Series& series) const;
  std::vector<CauseView> rankedCauses(uint32_t service) const;
  std::vector<ImpactView> failingAbove(uint32_t service) const;
  void notify(const std::vector<StateChange>& changes, const std::vector<ComponentId>& touched);
  void releaseNotifications();

  const EngineOptions options_;
  StateStore* const store_;

  mutable std::shared_mutex mutex_;
  std::vector<StateChangeSink*> sinks_;
  std::vector<NotificationSink*> notification_sinks_;
  // Per service index: the series already named as causes in a notification since the service
  // last was OK, so that a new cause is told once.
  std::vector<std::unordered_set<SeriesId>> notified_causes_;
  // Series of each host, for impact and what-if questions by host.
  std::unordered_map<std::string, std::vector<SeriesId>> series_by_host_;
  ActiveMaintenance maintenance_;
  int64_t notifications_held_until_ms_ = 0;  // 0: not held
  SeriesStore series_;
  std::unique_ptr<ServiceGraph> graph_;
  AgentTracker agents_;
  // Staleness deadlines, one entry at most per component (Component::scheduled). An entry may
  // be early, because new data moved the real deadline on; popping it re-queues the component
  // at its real deadline. That keeps samples from touching the heap at all.
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
  int64_t last_now_ms_ = 0;  // latest server time the engine was told

  uint64_t points_applied_ = 0;
  uint64_t points_out_of_order_ = 0;
  uint64_t batches_rejected_ = 0;
  uint64_t series_rejected_ = 0;
  uint64_t state_changes_ = 0;
};

}  // namespace bsm::server
