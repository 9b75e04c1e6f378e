// The graph's questions that change nothing: root causes, what a component explains, what lies
// above a service, and what-if. Each costs work in proportion to the part of the graph it
// visits, never to the whole model.

#include <algorithm>
#include <functional>
#include <unordered_map>

#include "server/service_graph.h"

namespace bsm::server {

std::vector<ComponentId> ServiceGraph::causesOf(uint32_t service) const {
  std::vector<ComponentId> causes;
  std::vector<bool> visited(services_.size(), false);
  std::vector<uint32_t> stack{service};
  visited[service] = true;
  // Depth first, children in model order, so that causes come out in the order the model
  // names them; a diamond below is walked once.
  while (!stack.empty()) {
    const uint32_t at = stack.back();
    stack.pop_back();
    const ServiceNode& node = services_[at];
    if (node.state == CheckState::kOk) {
      continue;
    }
    const Rule& rule = node.def->rule;
    for (const ComponentId id : node.components) {
      const Component& component = components_[id];
      const Contribution counted =
          componentContribution(component, component.state, component.counted);
      if (counted.kind == Contribution::Kind::kCounted &&
          rule.explains(node.state, counted.state, node.counts.real)) {
        causes.push_back(id);
      }
    }
    for (auto edge = node.children.rbegin(); edge != node.children.rend(); ++edge) {
      const ServiceNode& child = services_[edge->service];
      const Contribution counted = edgeContribution(*edge, at, child.state, child.maintenance);
      if (!visited[edge->service] && counted.kind == Contribution::Kind::kCounted &&
          rule.explains(node.state, counted.state, node.counts.real)) {
        visited[edge->service] = true;
        stack.push_back(edge->service);
      }
    }
  }
  return causes;
}

std::vector<uint32_t> ServiceGraph::explainedBy(ComponentId id) const {
  const Component& component = components_[id];
  const ServiceNode& own = services_[component.service];
  const Contribution counted = componentContribution(component, component.state, component.counted);
  if (counted.kind != Contribution::Kind::kCounted ||
      !own.def->rule.explains(own.state, counted.state, own.counts.real)) {
    return {};
  }
  std::vector<uint32_t> explained{component.service};
  std::vector<bool> visited(services_.size(), false);
  visited[component.service] = true;
  for (size_t next = 0; next < explained.size(); ++next) {
    const ServiceNode& node = services_[explained[next]];
    for (const auto& edge : node.parents) {
      const ServiceNode& parent = services_[edge.service];
      const Contribution up = edgeContribution(edge, edge.service, node.state, node.maintenance);
      if (!visited[edge.service] && up.kind == Contribution::Kind::kCounted &&
          parent.def->rule.explains(parent.state, up.state, parent.counts.real)) {
        visited[edge.service] = true;
        explained.push_back(edge.service);
      }
    }
  }
  std::sort(explained.begin(), explained.end());
  return explained;
}

std::vector<uint32_t> ServiceGraph::ancestorsOf(uint32_t service) const {
  std::vector<uint32_t> found;
  std::vector<bool> visited(services_.size(), false);
  std::vector<uint32_t> stack{service};
  while (!stack.empty()) {
    const uint32_t at = stack.back();
    stack.pop_back();
    for (const auto& edge : services_[at].parents) {
      if (!visited[edge.service]) {
        visited[edge.service] = true;
        found.push_back(edge.service);
        stack.push_back(edge.service);
      }
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::vector<std::pair<uint32_t, CheckState>> ServiceGraph::simulate(
    const std::vector<std::pair<ComponentId, CheckState>>& hypothetical) const {
  // Copies of the counts and states of the services touched, the rest read from the graph.
  std::unordered_map<uint32_t, StateCounts> counts;
  std::unordered_map<uint32_t, CheckState> states;
  auto countsOf = [&](uint32_t at) -> StateCounts& {
    return counts.try_emplace(at, services_[at].counts.real).first->second;
  };
  auto stateOf = [&](uint32_t at) {
    const auto found = states.find(at);
    return found == states.end() ? services_[at].state : found->second;
  };

  std::vector<std::pair<uint32_t, uint32_t>> dirty;  // min-heap of (rank, service)
  std::unordered_map<uint32_t, bool> queued;
  auto mark = [&](uint32_t at) {
    if (!queued[at]) {
      queued[at] = true;
      dirty.emplace_back(services_[at].rank, at);
      std::push_heap(dirty.begin(), dirty.end(), std::greater<>());
    }
  };

  // A component named twice takes its last state.
  std::unordered_map<ComponentId, CheckState> wanted;
  for (const auto& [id, state] : hypothetical) {
    wanted[id] = state;
  }
  for (const auto& [id, state] : wanted) {
    const Component& component = components_[id];
    const Contribution before =
        componentContribution(component, component.state, component.counted);
    const Contribution after = componentContribution(component, state, true);
    if (before != after) {
      before.removeFrom(countsOf(component.service));
      after.addTo(countsOf(component.service));
      mark(component.service);
    }
  }

  while (!dirty.empty()) {
    std::pop_heap(dirty.begin(), dirty.end(), std::greater<>());
    const uint32_t at = dirty.back().second;
    dirty.pop_back();
    queued[at] = false;
    const CheckState previous = stateOf(at);
    const CheckState next = services_[at].def->rule.evaluate(countsOf(at)).state;
    if (next == previous) {
      continue;
    }
    states[at] = next;
    for (const auto& edge : services_[at].parents) {
      const MaintenanceCover cover = services_[at].maintenance;
      const Contribution before = edgeContribution(edge, edge.service, previous, cover);
      const Contribution after = edgeContribution(edge, edge.service, next, cover);
      if (before != after) {
        before.removeFrom(countsOf(edge.service));
        after.addTo(countsOf(edge.service));
        mark(edge.service);
      }
    }
  }

  std::vector<std::pair<uint32_t, CheckState>> changed;
  for (const auto& [at, state] : states) {
    if (state != services_[at].state) {
      changed.emplace_back(at, state);
    }
  }
  std::sort(changed.begin(), changed.end());
  return changed;
}

}  // namespace bsm::server
