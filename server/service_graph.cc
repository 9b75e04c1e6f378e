#include "server/service_graph.h"

#include <algorithm>
#include <functional>

namespace bsm::server {

void Contribution::addTo(StateCounts& counts) const {
  if (kind == Kind::kCounted) {
    counts.add(state, weight);
  } else if (kind == Kind::kIgnored) {
    counts.addIgnored();
  }
}

void Contribution::removeFrom(StateCounts& counts) const {
  if (kind == Kind::kCounted) {
    counts.remove(state, weight);
  } else if (kind == Kind::kIgnored) {
    counts.removeIgnored();
  }
}

Contribution contributionOf(CheckState state, const ChildCounting& counting, const Impact& impact,
                            int64_t weight) {
  if (impact.ignored() || (state == CheckState::kUnknown && counting.ignore_unknown)) {
    return {Contribution::Kind::kIgnored, state, 0};
  }
  if (state == CheckState::kUnknown && counting.unknown_as) {
    state = *counting.unknown_as;
  }
  return {Contribution::Kind::kCounted, impact.apply(state), weight};
}

StateChange componentChange(const std::string& service, const Series& series, CheckState state,
                            CheckState previous, const std::string& reason, int64_t ts_ms) {
  StateChange change;
  change.kind = StateChange::Kind::kComponent;
  change.ts_ms = ts_ms;
  change.service = service;
  change.series_kind = series.kind;
  change.host = series.host;
  change.name = series.name;
  change.labels = series.labels;
  change.state = state;
  change.previous = previous;
  change.reason = reason;
  return change;
}

void ServiceCounts::add(const ChildContributions& child) {
  child.real.addTo(real);
  child.covered.addTo(covered);
  child.planned.addTo(planned);
}

void ServiceCounts::remove(const ChildContributions& child) {
  child.real.removeFrom(real);
  child.covered.removeFrom(covered);
  child.planned.removeFrom(planned);
}

ChildContributions contributionsOf(CheckState state, MaintenanceCover cover, bool acknowledged,
                                   bool counted, const ChildCounting& counting,
                                   const Impact& impact, int64_t weight) {
  if (!counted) {
    return {};
  }
  if (acknowledged && state != CheckState::kOk) {
    if (counting.ignore_acknowledged) {
      const Contribution ignored{Contribution::Kind::kIgnored, state, 0};
      return {ignored, ignored, ignored};
    }
    state = counting.acknowledged_as.value_or(state);
  }
  const bool covered = cover != MaintenanceCover::kNone;
  const bool real_ok = covered && counting.maintenance_as_ok;
  ChildContributions out;
  out.real = contributionOf(real_ok ? CheckState::kOk : state, counting, impact, weight);
  out.covered = contributionOf(covered ? CheckState::kOk : state, counting, impact, weight);
  out.planned =
      contributionOf(real_ok || cover == MaintenanceCover::kExcluded ? CheckState::kOk : state,
                     counting, impact, weight);
  return out;
}

Contribution ServiceGraph::componentContribution(const Component& component, CheckState state,
                                                 bool counted) const {
  return componentContributions(component, state, counted, component.cover, component.acknowledged)
      .real;
}

ChildContributions ServiceGraph::componentContributions(const Component& component,
                                                        CheckState state, bool counted,
                                                        MaintenanceCover cover,
                                                        bool acknowledged) const {
  const Selector& selector = selectorOf(component);
  return contributionsOf(state, cover, acknowledged, counted,
                         services_[component.service].def->counting, selector.impact,
                         selector.weight);
}

Contribution ServiceGraph::edgeContribution(const ServiceEdge& edge, uint32_t parent,
                                            CheckState state, MaintenanceCover cover) const {
  return edgeContributions(edge, parent, state, cover).real;
}

ChildContributions ServiceGraph::edgeContributions(const ServiceEdge& edge, uint32_t parent,
                                                   CheckState state, MaintenanceCover cover) const {
  return contributionsOf(state, cover, false, true, services_[parent].def->counting, edge.impact,
                         edge.weight);
}

void ServiceGraph::evaluate(ServiceNode& node, CheckState& state, std::string& reason,
                            MaintenanceCover& maintenance) const {
  RuleOutcome outcome = node.def->rule.evaluate(node.counts.real);
  state = outcome.state;
  reason = std::move(outcome.reason);
  maintenance = node.window_cover;
  // Only a service in trouble can owe it to maintenance; the extra evaluations are paid for
  // failing services alone.
  if (state != CheckState::kOk) {
    if (node.def->rule.evaluate(node.counts.planned).state == CheckState::kOk) {
      maintenance = MaintenanceCover::kExcluded;
    } else if (node.def->rule.evaluate(node.counts.covered).state == CheckState::kOk) {
      maintenance = strongest(maintenance, MaintenanceCover::kCounted);
    }
  }
}

namespace {

// Check and metric names may hold any byte but NUL (the stream bounds them, and NUL ends a C
// string everywhere else), so it separates the two parts of a key.
std::string indexKey(const std::string& name, const std::string& host) {
  std::string key;
  key.reserve(name.size() + 1 + host.size());
  key += name;
  key += '\0';
  key += host;
  return key;
}

// The part of a host glob before its first wildcard or escape: every host it matches starts
// with it.
std::string literalPrefix(const std::string& pattern) {
  return pattern.substr(0, std::min(pattern.find_first_of("*?[\\"), pattern.size()));
}

}  // namespace

ServiceGraph::ServiceGraph(std::shared_ptr<const ServiceModel> model) : model_(std::move(model)) {
  const auto& defs = model_->services();
  services_.resize(defs.size());
  queued_.assign(defs.size(), false);
  for (size_t i = 0; i < defs.size(); ++i) {
    services_[i].def = &defs[i];
    for (size_t k = 0; k < defs[i].components.size(); ++k) {
      const Selector& selector = defs[i].components[k];
      const size_t kind = selector.kind == SeriesKind::kCheck ? 1 : 0;
      const SelectorRef ref{static_cast<uint32_t>(i), static_cast<uint32_t>(k)};
      if (!selector.name.literal()) {
        by_glob_[kind].push_back(ref);
      } else if (selector.host.literal()) {
        by_name_host_[kind][indexKey(selector.name.pattern(), selector.host.pattern())].push_back(
            ref);
      } else {
        const std::string prefix = literalPrefix(selector.host.pattern());
        by_name_prefix_[kind][indexKey(selector.name.pattern(), prefix)].push_back(ref);
        prefix_lengths_[kind].push_back(prefix.size());
      }
    }
    for (const auto& dependency : defs[i].depends_on) {
      const auto child = static_cast<uint32_t>(model_->indexOf(dependency.service));
      services_[i].children.push_back({child, dependency.impact, dependency.weight});
      services_[child].parents.push_back(
          {static_cast<uint32_t>(i), dependency.impact, dependency.weight});
    }
  }

  for (auto& lengths : prefix_lengths_) {
    std::sort(lengths.begin(), lengths.end());
    lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
  }

  // The model has no cycles, so ranks are well defined; a child's rank is computed before
  // its parent's by the recursion.
  std::vector<bool> ranked(services_.size(), false);
  std::function<uint32_t(uint32_t)> rank = [&](uint32_t at) -> uint32_t {
    if (!ranked[at]) {
      uint32_t highest = 0;
      for (const auto& edge : services_[at].children) {
        highest = std::max(highest, rank(edge.service) + 1);
      }
      services_[at].rank = highest;
      ranked[at] = true;
    }
    return services_[at].rank;
  };
  for (uint32_t i = 0; i < services_.size(); ++i) {
    rank(i);
    by_rank_.push_back(i);
  }
  std::stable_sort(by_rank_.begin(), by_rank_.end(), [this](uint32_t a, uint32_t b) {
    return services_[a].rank < services_[b].rank;
  });
  settle();
}

std::vector<ComponentId> ServiceGraph::attach(SeriesId id, const Series& series) {
  const size_t kind = series.kind == SeriesKind::kCheck ? 1 : 0;
  std::vector<SelectorRef> candidates = by_glob_[kind];
  auto take = [&candidates](const auto& index, const std::string& key) {
    if (const auto found = index.find(key); found != index.end()) {
      candidates.insert(candidates.end(), found->second.begin(), found->second.end());
    }
  };
  take(by_name_host_[kind], indexKey(series.name, series.host));
  for (const size_t length : prefix_lengths_[kind]) {
    if (length > series.host.size()) {
      break;
    }
    take(by_name_prefix_[kind], indexKey(series.name, series.host.substr(0, length)));
  }
  // Model order, so that components appear in the order their selectors are written.
  std::sort(candidates.begin(), candidates.end());

  std::vector<ComponentId> made;
  for (const SelectorRef& ref : candidates) {
    const Selector& selector = services_[ref.service].def->components[ref.selector];
    if (!selector.matches(series.kind, series.host, series.name, series.labels)) {
      continue;
    }
    Component component;
    component.service = ref.service;
    component.selector = ref.selector;
    component.series = id;
    const auto component_id = static_cast<ComponentId>(components_.size());
    components_.push_back(std::move(component));
    services_[ref.service].components.push_back(component_id);
    made.push_back(component_id);
  }
  return made;
}

void ServiceGraph::update(ComponentId id, const ComponentVerdict& verdict, int64_t ts_ms,
                          const Series& series, std::vector<StateChange>& changes) {
  Component& component = components_[id];
  const bool state_changed = component.state != verdict.state;
  if (!state_changed && component.counted == verdict.counted) {
    component.reason = verdict.reason;
    return;
  }

  ServiceNode& node = services_[component.service];
  // An acknowledgement lasts until the problem is over (OK), or, unless sticky, until it
  // changes into another problem: a new problem deserves new eyes.
  const bool acknowledged = component.acknowledged && verdict.state != CheckState::kOk &&
                            (!state_changed || component.acknowledgement.sticky);
  const ChildContributions before = componentContributions(
      component, component.state, component.counted, component.cover, component.acknowledged);
  const ChildContributions after = componentContributions(component, verdict.state, verdict.counted,
                                                          component.cover, acknowledged);
  node.counts.remove(before);
  node.counts.add(after);
  component.acknowledged = acknowledged;
  if (state_changed) {
    changes.push_back(componentChange(node.def->name, series, verdict.state, component.state,
                                      verdict.reason, ts_ms));
    component.since_ms = ts_ms;
    changed_.push_back(id);
  }
  component.state = verdict.state;
  component.reason = verdict.reason;
  component.counted = verdict.counted;
  if (before != after) {
    propagate(component.service, ts_ms, changes);
  }
}

void ServiceGraph::setComponentCover(ComponentId id, MaintenanceCover cover, int64_t ts_ms,
                                     std::vector<StateChange>& changes) {
  Component& component = components_[id];
  if (component.cover == cover) {
    return;
  }
  ServiceNode& node = services_[component.service];
  const ChildContributions before = componentContributions(
      component, component.state, component.counted, component.cover, component.acknowledged);
  const ChildContributions after = componentContributions(
      component, component.state, component.counted, cover, component.acknowledged);
  component.cover = cover;
  node.counts.remove(before);
  node.counts.add(after);
  if (before != after) {
    propagate(component.service, ts_ms, changes);
  }
}

bool ServiceGraph::setAcknowledged(ComponentId id, std::optional<Acknowledgement> ack,
                                   int64_t ts_ms, std::vector<StateChange>& changes) {
  Component& component = components_[id];
  // Only a problem can be acknowledged.
  if (ack && component.state == CheckState::kOk) {
    return false;
  }
  const bool acknowledged = ack.has_value();
  if (ack) {
    component.acknowledgement = std::move(*ack);
  }
  if (component.acknowledged == acknowledged) {
    return acknowledged;
  }
  ServiceNode& node = services_[component.service];
  const ChildContributions before = componentContributions(
      component, component.state, component.counted, component.cover, component.acknowledged);
  const ChildContributions after = componentContributions(
      component, component.state, component.counted, component.cover, acknowledged);
  component.acknowledged = acknowledged;
  node.counts.remove(before);
  node.counts.add(after);
  if (before != after) {
    propagate(component.service, ts_ms, changes);
  }
  return acknowledged;
}

void ServiceGraph::setServiceWindow(uint32_t service, MaintenanceCover cover, int64_t ts_ms,
                                    std::vector<StateChange>& changes) {
  if (services_[service].window_cover == cover) {
    return;
  }
  services_[service].window_cover = cover;
  propagate(service, ts_ms, changes);
}

void ServiceGraph::markDirty(uint32_t service) {
  if (queued_[service]) {
    return;
  }
  queued_[service] = true;
  dirty_.emplace_back(services_[service].rank, service);
  std::push_heap(dirty_.begin(), dirty_.end(), std::greater<>());
}

void ServiceGraph::propagate(uint32_t start, int64_t ts_ms, std::vector<StateChange>& changes) {
  markDirty(start);
  while (!dirty_.empty()) {
    std::pop_heap(dirty_.begin(), dirty_.end(), std::greater<>());
    const uint32_t at = dirty_.back().second;
    dirty_.pop_back();
    queued_[at] = false;

    ServiceNode& node = services_[at];
    CheckState state = node.state;
    MaintenanceCover maintenance = node.maintenance;
    evaluate(node, state, node.reason, maintenance);
    if (state == node.state && maintenance == node.maintenance) {
      continue;
    }

    const CheckState previous = node.state;
    const MaintenanceCover previous_maintenance = node.maintenance;
    node.state = state;
    node.maintenance = maintenance;
    if (state != previous) {
      node.since_ms = ts_ms;
    }
    StateChange change;
    change.kind = StateChange::Kind::kService;
    change.ts_ms = ts_ms;
    change.service = node.def->name;
    change.state = node.state;
    change.previous = previous;
    change.maintenance = node.maintenance;
    change.previous_maintenance = previous_maintenance;
    change.reason = node.reason;
    changes.push_back(std::move(change));

    for (const auto& edge : node.parents) {
      const ChildContributions before =
          edgeContributions(edge, edge.service, previous, previous_maintenance);
      const ChildContributions after =
          edgeContributions(edge, edge.service, node.state, node.maintenance);
      if (before == after) {
        continue;
      }
      services_[edge.service].counts.remove(before);
      services_[edge.service].counts.add(after);
      markDirty(edge.service);
    }
  }
}

void ServiceGraph::setQuietly(ComponentId id, const ComponentVerdict& verdict, int64_t since_ms) {
  Component& component = components_[id];
  component.state = verdict.state;
  component.reason = verdict.reason;
  component.counted = verdict.counted;
  component.since_ms = since_ms;
}

void ServiceGraph::settle() {
  for (const uint32_t at : by_rank_) {
    ServiceNode& node = services_[at];
    node.counts = ServiceCounts();
    for (const ComponentId id : node.components) {
      const Component& component = components_[id];
      node.counts.add(componentContributions(component, component.state, component.counted,
                                             component.cover, component.acknowledged));
    }
    for (const auto& edge : node.children) {
      const ServiceNode& child = services_[edge.service];
      node.counts.add(edgeContributions(edge, at, child.state, child.maintenance));
    }
    evaluate(node, node.state, node.reason, node.maintenance);
  }
}

}  // namespace bsm::server
