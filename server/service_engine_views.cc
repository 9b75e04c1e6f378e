// The engine's read side: snapshots for the HTTP API, copied out under the shared lock.

#include <algorithm>
#include <mutex>
#include <tuple>

#include <fmt/format.h>

#include "server/service_engine.h"

namespace bsm::server {

namespace {

void appendCulprits(ServiceView& view, const std::string& culprits) {
  if (!culprits.empty()) {
    view.reason += ": " + culprits;
  }
}

ServiceView summary(const ServiceNode& node) {
  ServiceView view;
  view.name = node.def->name;
  view.description = node.def->description;
  view.criticality = node.def->criticality;
  view.rule = node.def->rule.describe();
  view.state = node.state;
  view.reason = node.reason;
  view.since_ms = node.since_ms;
  view.maintenance = node.maintenance;
  return view;
}

// Names up to three children that hold the service in its state, so that "worst of 3
// children is WARNING" also says which. Computed when read, not on every propagation, because
// it costs a pass over the children and only a reader wants it.
std::string culprits(const ServiceGraph& graph, const SeriesStore& series,
                     const ServiceNode& node) {
  if (node.state == CheckState::kOk || node.counts.real.total() == 0) {
    return {};
  }
  constexpr size_t kMaxNamed = 3;
  std::vector<std::string> names;
  size_t matching = 0;
  for (const auto& edge : node.children) {
    const ServiceNode& child = graph.service(edge.service);
    const Contribution counted = contributionOf(child.state, node.def->counting, edge.impact, 0);
    if (counted.kind == Contribution::Kind::kCounted && counted.state == node.state) {
      if (matching++ < kMaxNamed) {
        names.push_back(child.def->name);
      }
    }
  }
  for (const ComponentId id : node.components) {
    const Component& component = graph.component(id);
    const Contribution counted =
        graph.componentContribution(component, component.state, component.counted);
    if (counted.kind == Contribution::Kind::kCounted && counted.state == node.state) {
      if (matching++ < kMaxNamed) {
        const Series* found = series.find(component.series);
        names.push_back(found == nullptr ? "?" : found->host + " " + found->name);
      }
    }
  }
  if (names.empty()) {
    return {};
  }
  std::string text;
  for (const auto& name : names) {
    text += text.empty() ? "" : ", ";
    text += name;
  }
  if (matching > names.size()) {
    text += fmt::format(" and {} more", matching - names.size());
  }
  return text;
}

}  // namespace

ComponentView ServiceEngine::componentView(const Component& component) const {
  const Series& series = *series_.find(component.series);
  ComponentView view;
  view.host = series.host;
  view.kind = toString(series.kind);
  view.name = series.name;
  view.labels = series.labels;
  view.state = component.state;
  view.reason = component.reason;
  // Durations in a stored reason ("no data for 31s") were true when the state changed; shown
  // later they should have grown. Evaluating again at the engine's latest time gives the
  // current wording; it is used only while it agrees with the recorded state, which ticks keep
  // up to date.
  if (component.state == CheckState::kUnknown && last_now_ms_ > 0) {
    const ComponentVerdict live = evaluateComponent(graph_->selectorOf(component), series,
                                                    contextFor(component, series, last_now_ms_));
    if (live.state == component.state) {
      view.reason = live.reason;
    }
  }
  if (series.kind == SeriesKind::kMetric) {
    if (series.has_data) {
      view.value = series.value;
    }
    view.recent = series.recent.ordered();
  } else {
    view.output = series.output;
  }
  view.unit = series.unit;
  view.since_ms = component.since_ms;
  view.last_seen_ms = series.sample_ts_ms;
  view.maintenance = component.cover;
  if (component.acknowledged) {
    view.acknowledgement = component.acknowledgement;
  }
  return view;
}

std::vector<ServiceView> ServiceEngine::services() const {
  std::shared_lock lock(mutex_);
  std::vector<ServiceView> out;
  out.reserve(graph_->serviceCount());
  for (size_t i = 0; i < graph_->serviceCount(); ++i) {
    out.push_back(summary(graph_->service(i)));
    appendCulprits(out.back(), culprits(*graph_, series_, graph_->service(i)));
  }
  std::sort(out.begin(), out.end(), [](const ServiceView& a, const ServiceView& b) {
    return std::tie(a.criticality, a.name) < std::tie(b.criticality, b.name);
  });
  return out;
}

std::optional<ServiceView> ServiceEngine::service(const std::string& name) const {
  std::shared_lock lock(mutex_);
  const size_t index = graph_->model().indexOf(name);
  if (index == ServiceModel::npos) {
    return std::nullopt;
  }
  const ServiceNode& node = graph_->service(index);
  ServiceView view = summary(node);
  appendCulprits(view, culprits(*graph_, series_, node));
  view.components.reserve(node.components.size());
  for (const ComponentId id : node.components) {
    view.components.push_back(componentView(graph_->component(id)));
  }
  std::sort(view.components.begin(), view.components.end(),
            [](const ComponentView& a, const ComponentView& b) {
              return std::tie(a.host, a.kind, a.name, a.labels) <
                     std::tie(b.host, b.kind, b.name, b.labels);
            });
  for (const auto& edge : node.children) {
    const ServiceNode& child = graph_->service(edge.service);
    view.children.push_back(ChildServiceView{child.def->name, child.state, edge.impact.describe()});
  }
  return view;
}

std::vector<AgentView> ServiceEngine::agents() const {
  std::shared_lock lock(mutex_);
  return agents_.views();
}

}  // namespace bsm::server
