#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "server/component_evaluator.h"
#include "server/maintenance_cover.h"
#include "server/rule.h"
#include "server/series_store.h"
#include "server/service_model.h"
#include "server/state_change_sink.h"
#include "server/views.h"

namespace bsm::server {

// One series as one service's selector sees it.
struct Component {
  uint32_t service = 0;   // index of its service
  uint32_t selector = 0;  // index into the service's components: list
  SeriesId series = kNoSeries;
  CheckState state = CheckState::kUnknown;
  std::string reason = "no data received yet";
  bool counted = false;  // takes part in its service's rule (see ComponentVerdict::counted)
  int64_t since_ms = 0;  // when the state last changed
  int64_t pending_since_ms = 0;
  bool scheduled = false;                            // has an entry in the engine's staleness queue
  MaintenanceCover cover = MaintenanceCover::kNone;  // from windows on its host or itself
  bool acknowledged = false;                         // an operator has taken the current problem on
  Acknowledgement acknowledgement;                   // who and why, while acknowledged
};

struct ServiceEdge {
  uint32_t service = 0;
  Impact impact;
  int64_t weight = StateCounts::kWeightUnit;
};

// What one child adds to its parent's StateCounts.
struct Contribution {
  enum class Kind { kNone, kIgnored, kCounted };
  Kind kind = Kind::kNone;  // kNone: a component still waiting for its first value
  CheckState state = CheckState::kUnknown;
  int64_t weight = StateCounts::kWeightUnit;

  bool operator==(const Contribution&) const = default;
  void addTo(StateCounts& counts) const;
  void removeFrom(StateCounts& counts) const;
};

// The contribution of a child in `state` to a service that counts its children by `counting`,
// through an edge with `impact` and `weight`. UNKNOWN is translated by the service's counting
// first, then the edge's map applies.
Contribution contributionOf(CheckState state, const ChildCounting& counting, const Impact& impact,
                            int64_t weight);

// A child's contributions to the three counts a service keeps: as it is (after the service's
// counting options), and as it would be were every child in maintenance OK (`covered`), or
// only those in windows excluded from the SLA (`planned`). The last two tell whether the
// service's trouble is all planned.
struct ChildContributions {
  Contribution real;
  Contribution covered;
  Contribution planned;
  bool operator==(const ChildContributions&) const = default;
};

// Which of a service's counts a ChildContributions entry goes to.
struct ServiceCounts {
  StateCounts real;
  StateCounts covered;
  StateCounts planned;
  void add(const ChildContributions& child);
  void remove(const ChildContributions& child);
};

ChildContributions contributionsOf(CheckState state, MaintenanceCover cover, bool acknowledged,
                                   bool counted, const ChildCounting& counting,
                                   const Impact& impact, int64_t weight);

struct ServiceNode {
  const ServiceDef* def = nullptr;
  std::vector<ServiceEdge> children;  // depends_on, in model order
  std::vector<ServiceEdge> parents;   // services that depend on this one
  std::vector<ComponentId> components;
  ServiceCounts counts;  // the children's states after counting options and impact maps
  uint32_t rank = 0;     // 0 without dependencies, else one above its highest child
  CheckState state = CheckState::kUnknown;
  std::string reason;
  int64_t since_ms = 0;
  // In maintenance: a window on the service itself is active, or it is not OK and would be OK
  // were its children in maintenance OK (every failing contributor is covered; a partial
  // window leaves an unplanned outage visible).
  MaintenanceCover maintenance = MaintenanceCover::kNone;
  MaintenanceCover window_cover = MaintenanceCover::kNone;  // from windows on the service
};

// The record of a change of state of the component that `service` made of `series`.
StateChange componentChange(const std::string& service, const Series& series, CheckState state,
                            CheckState previous, const std::string& reason, int64_t ts_ms);

// The services of one model, their components and their states.
//
// A change of a component's state updates its service's counts and re-evaluates the service;
// only when the service's state changes do its parents follow, in rank order, so that each
// service is evaluated once per change even where dependencies form diamonds. The work is
// proportional to the services above the component, not to the model. Not thread-safe: the
// engine's lock guards it.
class ServiceGraph {
 public:
  // Every service starts from its rule over its child services and no component.
  explicit ServiceGraph(std::shared_ptr<const ServiceModel> model);

  const ServiceModel& model() const { return *model_; }
  const std::shared_ptr<const ServiceModel>& sharedModel() const { return model_; }

  size_t serviceCount() const { return services_.size(); }
  const ServiceNode& service(size_t index) const { return services_[index]; }
  size_t componentCount() const { return components_.size(); }
  const Component& component(ComponentId id) const { return components_[id]; }
  Component& component(ComponentId id) { return components_[id]; }
  const Selector& selectorOf(const Component& component) const {
    return services_[component.service].def->components[component.selector];
  }

  // Makes one component per selector that matches the series. They wait for data without
  // counting, so attaching changes no state. Costs the selectors that name the series exactly
  // plus those with a wildcard in the name, not every selector of the model.
  std::vector<ComponentId> attach(SeriesId id, const Series& series);

  // Gives a component its new verdict and carries the consequences up the graph, appending
  // every state change (the component's and its services') to `changes`, stamped ts_ms. A
  // change of reason alone is kept but is not a state change.
  void update(ComponentId id, const ComponentVerdict& verdict, int64_t ts_ms, const Series& series,
              std::vector<StateChange>& changes);

  // What `component` would add to its service's real counts in `state`.
  Contribution componentContribution(const Component& component, CheckState state,
                                     bool counted) const;

  // Sets the maintenance cover of a component or of a service's own window and carries the
  // consequences up, as update() does.
  void setComponentCover(ComponentId id, MaintenanceCover cover, int64_t ts_ms,
                         std::vector<StateChange>& changes);
  void setServiceWindow(uint32_t service, MaintenanceCover cover, int64_t ts_ms,
                        std::vector<StateChange>& changes);
  // Acknowledges the component's current problem (or, with nullopt, takes it back) and carries
  // the consequences up. Returns whether the component is acknowledged afterwards (false for a
  // component with no problem to acknowledge).
  bool setAcknowledged(ComponentId id, std::optional<Acknowledgement> ack, int64_t ts_ms,
                       std::vector<StateChange>& changes);

  // Root-cause analysis: the leaf components that explain `service`'s state, found by descending
  // only into children that explain their parent's state under its rule (a failed member of a
  // healthy pool is not reached). Each component once, in the order met. Empty for an OK
  // service.
  std::vector<ComponentId> causesOf(uint32_t service) const;

  // The failing services whose state `component` helps explain: its own service, if the
  // component explains it, and upwards from there through every parent it explains. Sorted by
  // index.
  std::vector<uint32_t> explainedBy(ComponentId component) const;

  // Every service above `service` (not itself), by index.
  std::vector<uint32_t> ancestorsOf(uint32_t service) const;

  // What-if: the states services would take if the given components were in the given states,
  // computed on the side without touching the graph. Only services whose state would differ
  // from now are returned, with that state, by index.
  std::vector<std::pair<uint32_t, CheckState>> simulate(
      const std::vector<std::pair<ComponentId, CheckState>>& hypothetical) const;

  // The components whose state update() changed since the last call, oldest first.
  std::vector<ComponentId> takeChangedComponents() { return std::exchange(changed_, {}); }

  // For building a graph in one go: sets a verdict without evaluating any service; settle()
  // then evaluates them all, children first. Records no state change.
  void setQuietly(ComponentId id, const ComponentVerdict& verdict, int64_t since_ms);
  void settle();
  void setSince(size_t service, int64_t since_ms) { services_[service].since_ms = since_ms; }
  void setWindowQuietly(uint32_t service, MaintenanceCover cover) {
    services_[service].window_cover = cover;
  }

 private:
  // A child service in `state` and `cover` as `parent` counts it through `edge`.
  Contribution edgeContribution(const ServiceEdge& edge, uint32_t parent, CheckState state,
                                MaintenanceCover cover) const;
  ChildContributions componentContributions(const Component& component, CheckState state,
                                            bool counted, MaintenanceCover cover,
                                            bool acknowledged) const;
  ChildContributions edgeContributions(const ServiceEdge& edge, uint32_t parent, CheckState state,
                                       MaintenanceCover cover) const;
  // The service's state, reason and maintenance from its counts.
  void evaluate(ServiceNode& node, CheckState& state, std::string& reason,
                MaintenanceCover& maintenance) const;
  void propagate(uint32_t start, int64_t ts_ms, std::vector<StateChange>& changes);
  void markDirty(uint32_t service);

  std::shared_ptr<const ServiceModel> model_;
  std::vector<ServiceNode> services_;
  std::vector<uint32_t> by_rank_;  // service indexes, children before parents
  std::vector<Component> components_;

  // Selectors by kind (metric, check), so that attaching a series looks at the few selectors
  // that could match it rather than every selector of its check name: with a literal name they
  // are keyed by name and literal host, or by name and the host pattern's literal prefix
  // ("web-" of "web-*"); selectors whose name is a glob are tried for every series of the kind.
  struct SelectorRef {
    uint32_t service;
    uint32_t selector;
    auto operator<=>(const SelectorRef&) const = default;
  };
  std::unordered_map<std::string, std::vector<SelectorRef>> by_name_host_[2];
  std::unordered_map<std::string, std::vector<SelectorRef>> by_name_prefix_[2];
  std::vector<size_t> prefix_lengths_[2];  // the prefix lengths by_name_prefix_ holds, sorted
  std::vector<SelectorRef> by_glob_[2];

  // The propagation's work list: a min-heap of (rank, service), reused between changes.
  std::vector<std::pair<uint32_t, uint32_t>> dirty_;
  std::vector<bool> queued_;
  std::vector<ComponentId> changed_;
};

}  // namespace bsm::server
