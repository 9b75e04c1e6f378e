// The engine's analyses: root causes, impact, what-if, and the notifications built from them.
// Reads run under the shared lock; notify() runs inside publish(), under the exclusive one.

#include <algorithm>
#include <mutex>
#include <tuple>

#include <fmt/format.h>

#include "common/logging.h"
#include "server/service_engine.h"

namespace bsm::server {

namespace {

bool labelsMatch(const Labels& wanted, const Labels& have) {
  for (const auto& [key, value] : wanted) {
    const auto found = have.find(key);
    if (found == have.end() || found->second != value) {
      return false;
    }
  }
  return true;
}

std::string describeQuery(const ComponentQuery& query) {
  if (query.name.empty()) {
    return "host " + query.host;
  }
  return describeSeries(query.kind.value_or(SeriesKind::kCheck), query.host, query.name,
                        query.labels);
}

}  // namespace

std::vector<ComponentId> ServiceEngine::matchComponents(const ComponentQuery& query) const {
  std::vector<ComponentId> found;
  const auto host = series_by_host_.find(query.host);
  if (host == series_by_host_.end()) {
    return found;
  }
  for (const SeriesId id : host->second) {
    const Series& series = *series_.find(id);
    if (!query.name.empty() && series.name != query.name) {
      continue;
    }
    if (query.kind && series.kind != *query.kind) {
      continue;
    }
    if (!labelsMatch(query.labels, series.labels)) {
      continue;
    }
    found.insert(found.end(), series.components.begin(), series.components.end());
  }
  return found;
}

std::vector<CauseView> ServiceEngine::rankedCauses(uint32_t service) const {
  // One entry per series: a series chosen by two services is two components but one thing
  // that is broken, and what it explains is the union over both.
  struct Ranked {
    const Component* component = nullptr;
    std::vector<uint32_t> explained;
    int best_criticality = 1'000;
  };
  std::unordered_map<SeriesId, Ranked> by_series;
  std::vector<SeriesId> order;
  for (const ComponentId id : graph_->causesOf(service)) {
    const Component& component = graph_->component(id);
    auto [entry, inserted] = by_series.try_emplace(component.series);
    if (inserted) {
      order.push_back(component.series);
      entry->second.component = &component;
      for (const ComponentId sibling : series_.find(component.series)->components) {
        const std::vector<uint32_t> explained = graph_->explainedBy(sibling);
        entry->second.explained.insert(entry->second.explained.end(), explained.begin(),
                                       explained.end());
      }
      auto& explained = entry->second.explained;
      std::sort(explained.begin(), explained.end());
      explained.erase(std::unique(explained.begin(), explained.end()), explained.end());
      for (const uint32_t at : explained) {
        entry->second.best_criticality =
            std::min(entry->second.best_criticality, graph_->service(at).def->criticality);
      }
    }
  }

  std::vector<const Ranked*> ranked;
  for (const SeriesId id : order) {
    ranked.push_back(&by_series.at(id));
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked* a, const Ranked* b) {
    const auto key = [](const Ranked* r) {
      return std::make_tuple(-static_cast<int64_t>(r->explained.size()), r->best_criticality,
                             -severity(r->component->state), r->component->since_ms);
    };
    return key(a) < key(b);
  });

  std::vector<CauseView> causes;
  causes.reserve(ranked.size());
  for (const Ranked* entry : ranked) {
    CauseView cause;
    cause.component = componentView(*entry->component);
    cause.service = graph_->service(entry->component->service).def->name;
    std::vector<uint32_t> explained = entry->explained;
    std::stable_sort(explained.begin(), explained.end(), [this](uint32_t a, uint32_t b) {
      return graph_->service(a).def->criticality < graph_->service(b).def->criticality;
    });
    for (const uint32_t at : explained) {
      cause.affects.push_back(graph_->service(at).def->name);
    }
    causes.push_back(std::move(cause));
  }
  return causes;
}

std::optional<RootCauseView> ServiceEngine::rootCause(const std::string& service) const {
  std::shared_lock lock(mutex_);
  const size_t index = graph_->model().indexOf(service);
  if (index == ServiceModel::npos) {
    return std::nullopt;
  }
  const ServiceNode& node = graph_->service(index);
  RootCauseView view;
  view.service = node.def->name;
  view.state = node.state;
  view.reason = node.reason;
  view.causes = rankedCauses(static_cast<uint32_t>(index));
  return view;
}

ImpactResult ServiceEngine::impact(const ComponentQuery& query) const {
  std::shared_lock lock(mutex_);
  ImpactResult result;
  const std::vector<ComponentId> components = matchComponents(query);
  result.components = components.size();
  if (components.empty()) {
    return result;
  }

  std::vector<uint32_t> affected;
  std::vector<std::pair<ComponentId, CheckState>> down;
  for (const ComponentId id : components) {
    const uint32_t own = graph_->component(id).service;
    affected.push_back(own);
    const std::vector<uint32_t> above = graph_->ancestorsOf(own);
    affected.insert(affected.end(), above.begin(), above.end());
    down.emplace_back(id, CheckState::kCritical);
  }
  std::sort(affected.begin(), affected.end());
  affected.erase(std::unique(affected.begin(), affected.end()), affected.end());

  const auto simulated = graph_->simulate(down);
  for (const uint32_t at : affected) {
    const ServiceNode& node = graph_->service(at);
    ImpactView view;
    view.name = node.def->name;
    view.state = node.state;
    view.criticality = node.def->criticality;
    view.state_if_down = node.state;
    const auto found =
        std::lower_bound(simulated.begin(), simulated.end(), std::make_pair(at, CheckState::kOk),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
    if (found != simulated.end() && found->first == at) {
      view.state_if_down = found->second;
    }
    result.services.push_back(std::move(view));
  }
  std::stable_sort(result.services.begin(), result.services.end(),
                   [](const ImpactView& a, const ImpactView& b) {
                     return std::tie(a.criticality, a.name) < std::tie(b.criticality, b.name);
                   });
  return result;
}

WhatIfResult ServiceEngine::whatIf(const std::vector<WhatIfChange>& changes) const {
  std::shared_lock lock(mutex_);
  WhatIfResult result;
  std::vector<std::pair<ComponentId, CheckState>> hypothetical;
  for (const WhatIfChange& change : changes) {
    const std::vector<ComponentId> matched = matchComponents(change.component);
    if (matched.empty()) {
      result.unmatched.push_back(describeQuery(change.component));
    }
    for (const ComponentId id : matched) {
      hypothetical.emplace_back(id, change.state);
    }
  }
  result.components = hypothetical.size();
  for (const auto& [at, state] : graph_->simulate(hypothetical)) {
    const ServiceNode& node = graph_->service(at);
    result.services.push_back({node.def->name, node.def->criticality, state, node.state});
  }
  std::stable_sort(result.services.begin(), result.services.end(),
                   [](const WhatIfServiceView& a, const WhatIfServiceView& b) {
                     return std::tie(a.criticality, a.name) < std::tie(b.criticality, b.name);
                   });
  return result;
}

void ServiceEngine::releaseNotifications() {
  size_t told = 0;
  for (uint32_t at = 0; at < graph_->serviceCount(); ++at) {
    const ServiceNode& node = graph_->service(at);
    if (node.maintenance != MaintenanceCover::kNone || notification_sinks_.empty()) {
      continue;
    }
    Notification notification;
    notification.kind = Notification::Kind::kStateChange;
    notification.ts_ms = last_now_ms_;
    notification.service = node.def->name;
    notification.description = node.def->description;
    notification.criticality = node.def->criticality;
    notification.state = node.state;
    // Nothing was told since the start; UNKNOWN is what a receiver knew of it.
    notification.previous = CheckState::kUnknown;
    notification.reason = "state after start-up: " + node.reason;
    auto& causes = notified_causes_[at];
    causes.clear();
    if (node.state != CheckState::kOk) {
      notification.causes = rankedCauses(at);
      notification.impact = failingAbove(at);
      for (const ComponentId id : graph_->causesOf(at)) {
        causes.insert(graph_->component(id).series);
      }
    }
    for (NotificationSink* sink : notification_sinks_) {
      sink->notify(notification);
    }
    ++told;
  }
  static const auto log = logging::get("rules");
  log->info("notifications released after start-up settling services_told={}", told);
}

std::vector<ImpactView> ServiceEngine::failingAbove(uint32_t service) const {
  std::vector<ImpactView> out;
  for (const uint32_t at : graph_->ancestorsOf(service)) {
    const ServiceNode& node = graph_->service(at);
    if (node.state != CheckState::kOk) {
      out.push_back({node.def->name, node.state, node.def->criticality, node.state});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const ImpactView& a, const ImpactView& b) {
    return std::tie(a.criticality, a.name) < std::tie(b.criticality, b.name);
  });
  return out;
}

void ServiceEngine::notify(const std::vector<StateChange>& changes,
                           const std::vector<ComponentId>& touched) {
  if (notification_sinks_.empty() || notifications_held_until_ms_ != 0) {
    return;
  }
  auto send = [this](Notification& notification) {
    for (NotificationSink* sink : notification_sinks_) {
      sink->notify(notification);
    }
  };
  auto base = [this](uint32_t at, int64_t ts_ms) {
    const ServiceNode& node = graph_->service(at);
    Notification notification;
    notification.ts_ms = ts_ms;
    notification.service = node.def->name;
    notification.description = node.def->description;
    notification.criticality = node.def->criticality;
    notification.state = node.state;
    notification.reason = node.reason;
    return notification;
  };

  // Services that changed in this batch are told once, in their state after the batch, with
  // the state they had before it: the steps in between lasted no time.
  struct Before {
    CheckState state;
    MaintenanceCover maintenance;
    int64_t ts_ms;
  };
  std::unordered_map<uint32_t, Before> changed;
  std::vector<uint32_t> changed_order;
  for (const StateChange& change : changes) {
    if (change.kind != StateChange::Kind::kService) {
      continue;
    }
    const size_t at = graph_->model().indexOf(change.service);
    if (at == ServiceModel::npos) {
      continue;
    }
    auto [entry, inserted] = changed.try_emplace(
        static_cast<uint32_t>(at), Before{change.previous, change.previous_maintenance, 0});
    if (inserted) {
      changed_order.push_back(static_cast<uint32_t>(at));
    }
    entry->second.ts_ms = change.ts_ms;
  }
  for (const uint32_t at : changed_order) {
    const Before& before = changed.at(at);
    const ServiceNode& node = graph_->service(at);
    // Planned work pages nobody; what is still wrong when the window closes is told then.
    if (node.maintenance != MaintenanceCover::kNone) {
      continue;
    }
    const bool maintenance_over =
        before.maintenance != MaintenanceCover::kNone && node.state != CheckState::kOk;
    if (node.state == before.state && !maintenance_over) {
      continue;  // flapped back within the batch
    }
    Notification notification = base(at, before.ts_ms);
    notification.kind = Notification::Kind::kStateChange;
    notification.previous = before.state;
    if (maintenance_over && node.state == before.state) {
      // Counted with and without maintenance alike means nothing under it is covered any more:
      // the window closed. Otherwise a failure outside every window came on top of it.
      const bool window_closed =
          node.counts.real == node.counts.covered && node.window_cover == MaintenanceCover::kNone;
      notification.reason =
          (window_closed
               ? "maintenance is over and it is still "
               : "a failure outside maintenance came on top of the planned work; it is ") +
          std::string(toString(node.state)) + ": " + node.reason;
    }
    auto& told = notified_causes_[at];
    told.clear();
    if (node.state != CheckState::kOk) {
      notification.causes = rankedCauses(at);
      notification.impact = failingAbove(at);
      for (const ComponentId id : graph_->causesOf(at)) {
        told.insert(graph_->component(id).series);
      }
    }
    send(notification);
  }

  // A component that newly fails inside a service that was already failing, and did not change
  // its state now, is a new contributing cause there.
  for (const ComponentId id : touched) {
    const Component& component = graph_->component(id);
    if (component.state == CheckState::kOk) {
      continue;
    }
    for (const uint32_t at : graph_->explainedBy(id)) {
      if (changed.count(at) != 0 || graph_->service(at).maintenance != MaintenanceCover::kNone) {
        continue;
      }
      if (!notified_causes_[at].insert(component.series).second) {
        continue;
      }
      Notification notification = base(at, component.since_ms);
      notification.kind = Notification::Kind::kNewCause;
      notification.previous = graph_->service(at).state;
      notification.causes = rankedCauses(at);
      notification.impact = failingAbove(at);
      send(notification);
    }
  }
}

}  // namespace bsm::server
