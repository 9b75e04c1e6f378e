#include "server/history_tree.h"

#include <algorithm>
#include <deque>
#include <set>
#include <tuple>

namespace bsm::server {

Result<HistoryTree> historyTreeAt(const ServiceModel& model, StateStore& store,
                                  const std::string& service, int64_t at_ms) {
  HistoryTree tree;
  tree.at_ms = at_ms;
  struct Pending {
    const ServiceDef* def;
    std::string parent;
    Impact impact;
    bool counts;  // false below an ignore edge
  };
  const ServiceDef* root = model.find(service);
  if (root == nullptr) {
    return Error{"no service named '" + service + "'"};
  }
  std::deque<Pending> queue = {{root, "", Impact::normal(), true}};
  std::set<std::string> visited = {service};
  using SeriesIdentity = std::tuple<std::string, int, std::string, Labels>;
  std::set<SeriesIdentity> seen_causes;

  while (!queue.empty()) {
    const Pending next = queue.front();
    queue.pop_front();
    HistoryTreeNode node;
    node.name = next.def->name;
    node.parent = next.parent;
    node.impact = next.impact.describe();

    auto state = store.serviceStateAt(node.name, at_ms);
    if (!state) {
      return state.error();
    }
    node.state = std::move(*state);
    auto components = store.componentStatesAt(node.name, at_ms);
    if (!components) {
      return components.error();
    }
    node.components = std::move(*components);
    if (next.counts) {
      for (const StateChange& component : node.components) {
        const SeriesIdentity identity{component.host, static_cast<int>(component.series_kind),
                                      component.name, component.labels};
        if (component.state != CheckState::kOk && seen_causes.insert(identity).second) {
          tree.causes.push_back(component);
        }
      }
    }
    for (const Dependency& dependency : next.def->depends_on) {
      if (visited.insert(dependency.service).second) {
        queue.push_back({model.find(dependency.service), node.name, dependency.impact,
                         next.counts && !dependency.impact.ignored()});
      }
    }
    tree.services.push_back(std::move(node));
  }

  std::stable_sort(tree.causes.begin(), tree.causes.end(),
                   [](const StateChange& a, const StateChange& b) {
                     return severity(a.state) > severity(b.state);
                   });
  return tree;
}

}  // namespace bsm::server
