#include "server/service_engine.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "common/logging.h"

namespace bsm::server {

namespace {

std::shared_ptr<spdlog::logger> rulesLog() {
  static const auto logger = logging::get("rules");
  return logger;
}

// Cuts at most `limit` bytes without splitting a UTF-8 sequence.
std::string truncateOutput(const std::string& text, size_t limit) {
  if (text.size() <= limit) {
    return text;
  }
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
  }
  return text.substr(0, end);
}

std::shared_ptr<spdlog::logger> ingestLog() {
  static const auto logger = logging::get("ingest");
  return logger;
}

}  // namespace

ServiceEngine::ServiceEngine(ServiceModel model, StateStore* store, EngineOptions options)
    : options_(options),
      store_(store),
      series_(options.limits),
      graph_(
          std::make_unique<ServiceGraph>(std::make_shared<const ServiceModel>(std::move(model)))),
      agents_(options.agent_grace) {
  notified_causes_.resize(graph_->serviceCount());
  if (store_) {
    agents_.restore(store_->loadAgents());
    sinks_.push_back(store_);
  }
  rulesLog()->info("service engine ready services={} known_agents={}", graph_->serviceCount(),
                   agents_.size());
}

void ServiceEngine::addSink(StateChangeSink* sink) {
  std::unique_lock lock(mutex_);
  sinks_.push_back(sink);
}

void ServiceEngine::addNotificationSink(NotificationSink* sink) {
  std::unique_lock lock(mutex_);
  notification_sinks_.push_back(sink);
}

std::shared_ptr<const ServiceModel> ServiceEngine::model() const {
  std::shared_lock lock(mutex_);
  return graph_->sharedModel();
}

void ServiceEngine::advanceClock(int64_t now_ms) {
  last_now_ms_ = std::max(last_now_ms_, now_ms);
}

SeriesId ServiceEngine::defineSeries(const SeriesKey& key) {
  auto id = tryDefineSeries(key);
  return id ? *id : kNoSeries;
}

Result<SeriesId> ServiceEngine::tryDefineSeries(const SeriesKey& key) {
  std::unique_lock lock(mutex_);
  auto defined = series_.define(key);
  if (!defined) {
    // A broken exporter repeats the same mistake on every batch: the first refusal and then
    // one in a thousand are enough to see it.
    if (series_rejected_++ % 1000 == 0) {
      ingestLog()->warn("series refused agent={} host={} name={} reason=\"{}\" refused_so_far={}",
                        key.agent_id.substr(0, 256), key.host.substr(0, 256),
                        key.name.substr(0, 256), defined.error().message, series_rejected_);
    }
    return defined.error();
  }
  const SeriesId id = defined->id;
  Series& series = *series_.find(id);
  if (!defined->created) {
    // TODO: components that showed "agent X disconnected" for the previous owner keep that
    // reason until the new owner's first value arrives (within one interval); re-evaluating
    // here needs a time, which defineSeries is not given.
    if (defined->previous_owner != key.agent_id) {
      agents_.transfer(id, defined->previous_owner, key.agent_id);
      rulesLog()->info("series changed owner series=\"{}\" from={} to={}", series.describe(),
                       defined->previous_owner, key.agent_id);
    }
    return id;
  }

  agents_.get(key.agent_id).series.push_back(id);
  series_by_host_[series.host].push_back(id);
  series.components = graph_->attach(id, series);
  const MaintenanceCover cover = coverOf(series);
  for (const ComponentId component : series.components) {
    // Not counted yet, so the cover can be set without touching any count.
    graph_->component(component).cover = cover;
    // A series that never delivers turns UNKNOWN after its staleness period counted from
    // here; the engine's latest known time stands in for a clock it is not given.
    graph_->component(component).pending_since_ms = last_now_ms_;
    schedule(component);
  }
  if (!series.components.empty()) {
    rulesLog()->debug("series joined services series=\"{}\" agent={} components={}",
                      series.describe(), key.agent_id, series.components.size());
  }
  return id;
}

Status ServiceEngine::apply(std::span<const MetricPoint> metrics,
                            std::span<const CheckPoint> checks, int64_t received_ms) {
  std::unique_lock lock(mutex_);

  // Validate everything first: a batch is applied whole or not at all, so that a retry after
  // the error is fixed cannot apply half of it twice.
  auto check_id = [this](SeriesId id, SeriesKind expected, size_t index) -> Status {
    const Series* series = series_.find(id);
    if (!series) {
      return Error{fmt::format("{} {} names series {}, which was never defined",
                               expected == SeriesKind::kMetric ? "sample" : "check result", index,
                               id)};
    }
    if (series->kind != expected) {
      return Error{fmt::format("series {} ({}) is a {}, but a {} was sent for it", id,
                               series->describe(), toString(series->kind),
                               expected == SeriesKind::kMetric ? "sample" : "check result")};
    }
    return Status::success();
  };
  for (size_t i = 0; i < metrics.size(); ++i) {
    if (auto status = check_id(metrics[i].series, SeriesKind::kMetric, i); !status) {
      ++batches_rejected_;
      return status;
    }
  }
  for (size_t i = 0; i < checks.size(); ++i) {
    if (auto status = check_id(checks[i].series, SeriesKind::kCheck, i); !status) {
      ++batches_rejected_;
      return status;
    }
  }

  // Each point is applied and propagated on its own, in order, so that the history keeps the
  // agent's order of events.
  // TODO: when two components of one batch change together, a service can record a state it
  // held for no time at all (OK -> WARNING -> CRITICAL at one timestamp); settling the whole
  // batch before publishing would drop that, at the cost of losing the order within it.
  advanceClock(received_ms);
  std::vector<StateChange> changes;
  auto take = [&](Series& series, int64_t ts_ms) {
    if (series.has_data && ts_ms < series.sample_ts_ms) {
      ++points_out_of_order_;
      return false;
    }
    series.has_data = true;
    series.sample_ts_ms = ts_ms;
    series.received_ms = received_ms;
    ++points_applied_;
    return true;
  };
  for (const auto& point : metrics) {
    Series& series = *series_.find(point.series);
    if (!take(series, point.ts_ms)) {
      continue;
    }
    series.value = point.value;
    series.warn = point.warn;
    series.crit = point.crit;
    series.min = point.min;
    series.max = point.max;
    series.recent.push(point.value);
    for (const ComponentId component : series.components) {
      refresh(component, received_ms, point.ts_ms, changes);
    }
  }
  for (const auto& point : checks) {
    Series& series = *series_.find(point.series);
    if (!take(series, point.ts_ms)) {
      continue;
    }
    series.check_state = point.state;
    series.output = truncateOutput(point.output, series_.limits().max_output);
    series.recent.push(static_cast<double>(point.state));
    for (const ComponentId component : series.components) {
      refresh(component, received_ms, point.ts_ms, changes);
    }
  }
  publish(changes);
  return Status::success();
}

void ServiceEngine::agentConnected(const std::string& agent_id, const std::string& address,
                                   int64_t now_ms) {
  std::unique_lock lock(mutex_);
  advanceClock(now_ms);
  const bool was_gone = agents_.connected(agent_id, address, now_ms);
  if (store_) {
    store_->saveAgentContact(agent_id, address, now_ms);
    agents_.get(agent_id).last_saved_ms = now_ms;
  }
  rulesLog()->info("agent connected agent={} address={} was_gone={}", agent_id, address, was_gone);
  if (!was_gone) {
    return;
  }
  // Its components said "agent disconnected"; now they say what their data says, which for
  // most is "no data for ..." until the agent's first batch arrives.
  std::vector<StateChange> changes;
  for (const SeriesId id : agents_.get(agent_id).series) {
    for (const ComponentId component : series_.find(id)->components) {
      refresh(component, now_ms, now_ms, changes);
    }
  }
  publish(changes);
}

void ServiceEngine::agentDisconnected(const std::string& agent_id, int64_t now_ms) {
  std::unique_lock lock(mutex_);
  advanceClock(now_ms);
  agents_.disconnected(agent_id, now_ms);
  if (store_) {
    store_->saveAgentContact(agent_id, "", now_ms);
    agents_.get(agent_id).last_saved_ms = now_ms;
  }
  rulesLog()->info("agent disconnected agent={} grace={}ms", agent_id,
                   options_.agent_grace.count());
}

void ServiceEngine::agentSeen(const std::string& agent_id, int64_t now_ms) {
  std::unique_lock lock(mutex_);
  advanceClock(now_ms);
  agents_.seen(agent_id, now_ms);
  TrackedAgent& agent = agents_.get(agent_id);
  if (store_ && now_ms - agent.last_saved_ms >= options_.agent_save_interval.count()) {
    store_->saveAgentContact(agent_id, "", now_ms);
    agent.last_saved_ms = now_ms;
  }
}

void ServiceEngine::tick(int64_t now_ms) {
  std::unique_lock lock(mutex_);
  advanceClock(now_ms);
  std::vector<StateChange> changes;
  expireAgents(now_ms, changes);
  expireStaleComponents(now_ms, changes);
  publish(changes);
  if (notifications_held_until_ms_ != 0 && now_ms >= notifications_held_until_ms_) {
    notifications_held_until_ms_ = 0;
    releaseNotifications();
  }
}

void ServiceEngine::holdNotificationsUntil(int64_t until_ms) {
  std::unique_lock lock(mutex_);
  notifications_held_until_ms_ = until_ms;
}

void ServiceEngine::expireAgents(int64_t now_ms, std::vector<StateChange>& changes) {
  for (const auto& agent_id : agents_.expire(now_ms)) {
    const TrackedAgent& agent = agents_.get(agent_id);
    rulesLog()->warn(
        "agent grace period over, its components are UNKNOWN agent={} "
        "disconnected_since={} series={}",
        agent_id, formatTimestamp(agent.disconnected_since_ms), agent.series.size());
    for (const SeriesId id : agent.series) {
      for (const ComponentId component : series_.find(id)->components) {
        reevaluate(component, now_ms, now_ms, changes);
      }
    }
  }
}

void ServiceEngine::expireStaleComponents(int64_t now_ms, std::vector<StateChange>& changes) {
  while (!deadlines_.empty() && deadlines_.top().first <= now_ms) {
    const ComponentId id = deadlines_.top().second;
    deadlines_.pop();
    Component& component = graph_->component(id);
    component.scheduled = false;
    const Series& series = *series_.find(component.series);
    if (!series.has_data && component.pending_since_ms == 0) {
      // Defined before the engine knew any time: its waiting period starts now.
      component.pending_since_ms = now_ms;
      schedule(id);
      continue;
    }
    if (deadlineOf(component, series) > now_ms) {
      schedule(id);  // fresh data arrived since this entry was queued
      continue;
    }
    // Stale: it stays out of the queue until its next value.
    reevaluate(id, now_ms, now_ms, changes);
  }
}

int64_t ServiceEngine::deadlineOf(const Component& component, const Series& series) const {
  const int64_t since = series.has_data ? series.received_ms : component.pending_since_ms;
  if (since == 0) {
    return 0;
  }
  // The first moment at which "no data for longer than stale_after" holds.
  return since +
         staleAfter(graph_->selectorOf(component), series, options_.fallback_interval).count() + 1;
}

void ServiceEngine::schedule(ComponentId id) {
  Component& component = graph_->component(id);
  if (component.scheduled) {
    return;
  }
  component.scheduled = true;
  deadlines_.emplace(deadlineOf(component, *series_.find(component.series)), id);
}

EvaluationContext ServiceEngine::contextFor(const Component& component, const Series& series,
                                            int64_t now_ms) const {
  EvaluationContext context;
  context.now_ms = now_ms;
  context.pending_since_ms = component.pending_since_ms;
  context.fallback_interval = options_.fallback_interval;
  if (const TrackedAgent* owner = agents_.find(series.owner); owner && owner->gone) {
    context.owner_gone_since_ms = owner->disconnected_since_ms;
  }
  return context;
}

void ServiceEngine::reevaluate(ComponentId id, int64_t now_ms, int64_t ts_ms,
                               std::vector<StateChange>& out) {
  const Component& component = graph_->component(id);
  const Series& series = *series_.find(component.series);
  const ComponentVerdict verdict = evaluateComponent(graph_->selectorOf(component), series,
                                                     contextFor(component, series, now_ms));
  graph_->update(id, verdict, ts_ms, series, out);
}

void ServiceEngine::refresh(ComponentId id, int64_t now_ms, int64_t ts_ms,
                            std::vector<StateChange>& out) {
  reevaluate(id, now_ms, ts_ms, out);
  schedule(id);
}

void ServiceEngine::publish(const std::vector<StateChange>& changes) {
  if (changes.empty()) {
    graph_->takeChangedComponents();
    return;
  }
  state_changes_ += changes.size();
  if (rulesLog()->should_log(spdlog::level::debug)) {
    for (const auto& change : changes) {
      if (change.kind == StateChange::Kind::kService) {
        rulesLog()->debug("service state changed service={} state={} previous={} reason=\"{}\"",
                          change.service, toString(change.state), toString(change.previous),
                          change.reason);
      } else {
        rulesLog()->debug(
            "component state changed service={} component=\"{}\" state={} previous={} "
            "reason=\"{}\"",
            change.service,
            describeSeries(change.series_kind, change.host, change.name, change.labels),
            toString(change.state), toString(change.previous), change.reason);
      }
    }
  }
  for (StateChangeSink* sink : sinks_) {
    sink->record(changes);
  }
  notify(changes, graph_->takeChangedComponents());
}

std::unique_ptr<ServiceGraph> ServiceEngine::buildGraph(std::shared_ptr<const ServiceModel> model,
                                                        int64_t now_ms,
                                                        std::vector<StateChange>* changes) const {
  auto next = std::make_unique<ServiceGraph>(std::move(model));

  // The old components by (service, series), to carry over since-times and to tell which
  // states really changed. Two selectors of one service may pick the same series: they pair
  // up in order.
  std::map<std::pair<std::string, SeriesId>, std::vector<ComponentId>> before;
  for (ComponentId id = 0; id < graph_->componentCount(); ++id) {
    const Component& old = graph_->component(id);
    before[{graph_->service(old.service).def->name, old.series}].push_back(id);
  }

  for (SeriesId id = 1; id <= series_.size(); ++id) {
    const Series& series = *series_.find(id);
    for (const ComponentId component_id : next->attach(id, series)) {
      Component& component = next->component(component_id);
      component.pending_since_ms = last_now_ms_;
      component.cover = coverOf(series);
      const std::string& service = next->service(component.service).def->name;
      const ComponentVerdict verdict = evaluateComponent(next->selectorOf(component), series,
                                                         contextFor(component, series, now_ms));

      int64_t since = now_ms;
      auto found = before.find({service, id});
      if (found != before.end() && !found->second.empty()) {
        const Component& old = graph_->component(found->second.front());
        found->second.erase(found->second.begin());
        component.pending_since_ms = old.pending_since_ms;
        if (old.state == verdict.state) {
          since = old.since_ms;
        } else if (changes != nullptr) {
          changes->push_back(
              componentChange(service, series, verdict.state, old.state, verdict.reason, now_ms));
        }
      }
      next->setQuietly(component_id, verdict, since);
    }
  }
  for (const auto& [service, cover] : maintenance_.services) {
    if (const size_t at = next->model().indexOf(service); at != ServiceModel::npos) {
      next->setWindowQuietly(static_cast<uint32_t>(at), cover);
    }
  }
  next->settle();
  return next;
}

ModelDiff ServiceEngine::previewModel(const ServiceModel& model) const {
  std::shared_lock lock(mutex_);
  auto shared = std::make_shared<const ServiceModel>(model);
  const std::unique_ptr<ServiceGraph> next = buildGraph(shared, last_now_ms_, nullptr);
  const ServiceModel& live = graph_->model();

  ModelDiff diff;
  for (size_t i = 0; i < next->serviceCount(); ++i) {
    const ServiceNode& node = next->service(i);
    const size_t old_index = live.indexOf(node.def->name);
    if (old_index == ServiceModel::npos) {
      diff.added.push_back(node.def->name);
      continue;
    }
    const ServiceNode& old = graph_->service(old_index);
    if (describeDefinition(*node.def) != describeDefinition(*old.def)) {
      diff.changed.push_back(node.def->name);
    }
    if (node.state != old.state) {
      diff.states.push_back({node.def->name, node.def->criticality, node.state, old.state});
    }
  }
  for (const ServiceDef& def : live.services()) {
    if (shared->indexOf(def.name) == ServiceModel::npos) {
      diff.removed.push_back(def.name);
    }
  }
  return diff;
}

void ServiceEngine::replaceModel(ServiceModel model, int64_t now_ms) {
  std::unique_lock lock(mutex_);
  advanceClock(now_ms);
  std::vector<StateChange> changes;
  auto next = buildGraph(std::make_shared<const ServiceModel>(std::move(model)), now_ms, &changes);
  for (SeriesId id = 1; id <= series_.size(); ++id) {
    series_.find(id)->components.clear();
  }
  for (ComponentId id = 0; id < next->componentCount(); ++id) {
    series_.find(next->component(id).series)->components.push_back(id);
  }

  // Services keep their history across a reload where they keep their name; a new service
  // starts without a recorded change, as at start-up.
  for (size_t i = 0; i < next->serviceCount(); ++i) {
    const ServiceNode& node = next->service(i);
    const size_t old_index = graph_->model().indexOf(node.def->name);
    if (old_index == ServiceModel::npos) {
      continue;
    }
    const ServiceNode& old = graph_->service(old_index);
    if (old.state == node.state && old.maintenance == node.maintenance) {
      next->setSince(i, old.since_ms);
      continue;
    }
    next->setSince(i, old.state == node.state ? old.since_ms : now_ms);
    StateChange change;
    change.kind = StateChange::Kind::kService;
    change.ts_ms = now_ms;
    change.service = node.def->name;
    change.state = node.state;
    change.previous = old.state;
    change.maintenance = node.maintenance;
    change.previous_maintenance = old.maintenance;
    change.reason = node.reason;
    changes.push_back(std::move(change));
  }

  graph_ = std::move(next);
  graph_->takeChangedComponents();
  // Causes already told belong to the old model's services; starting afresh may repeat one
  // cause once after a reload, which is better than keeping indexes that now mean others.
  notified_causes_.assign(graph_->serviceCount(), {});
  deadlines_ = {};
  for (ComponentId id = 0; id < graph_->componentCount(); ++id) {
    schedule(id);
  }
  rulesLog()->info("service model replaced services={} components={} state_changes={}",
                   graph_->serviceCount(), graph_->componentCount(), changes.size());
  publish(changes);
}

MaintenanceCover ServiceEngine::coverOf(const Series& series) const {
  MaintenanceCover cover = MaintenanceCover::kNone;
  if (const auto host = maintenance_.hosts.find(series.host); host != maintenance_.hosts.end()) {
    cover = host->second;
  }
  const auto component = maintenance_.components.find({series.host, series.kind, series.name});
  if (component != maintenance_.components.end()) {
    cover = strongest(cover, component->second);
  }
  return cover;
}

void ServiceEngine::setMaintenance(ActiveMaintenance active, int64_t now_ms) {
  // Called every second, and almost always with the set it already has: asking under the
  // shared lock keeps that from stalling ingest.
  {
    std::shared_lock shared(mutex_);
    if (active == maintenance_) {
      return;
    }
  }
  std::unique_lock lock(mutex_);
  advanceClock(now_ms);
  if (active == maintenance_) {
    return;  // another caller applied the same set in between
  }
  // The hosts named now or before: only their components can change cover.
  std::set<std::string> hosts;
  for (const ActiveMaintenance* side : {&maintenance_, &active}) {
    for (const auto& [host, cover] : side->hosts) {
      hosts.insert(host);
    }
    for (const auto& [key, cover] : side->components) {
      hosts.insert(std::get<0>(key));
    }
  }
  std::set<std::string> services;
  for (const ActiveMaintenance* side : {&maintenance_, &active}) {
    for (const auto& [service, cover] : side->services) {
      services.insert(service);
    }
  }
  maintenance_ = std::move(active);

  std::vector<StateChange> changes;
  size_t covered = 0;
  for (const std::string& host : hosts) {
    const auto found = series_by_host_.find(host);
    if (found == series_by_host_.end()) {
      continue;
    }
    for (const SeriesId id : found->second) {
      const Series& series = *series_.find(id);
      const MaintenanceCover cover = coverOf(series);
      covered += cover != MaintenanceCover::kNone ? series.components.size() : 0;
      for (const ComponentId component : series.components) {
        graph_->setComponentCover(component, cover, now_ms, changes);
      }
    }
  }
  for (const std::string& service : services) {
    const size_t at = graph_->model().indexOf(service);
    if (at == ServiceModel::npos) {
      continue;
    }
    const auto found = maintenance_.services.find(service);
    graph_->setServiceWindow(
        static_cast<uint32_t>(at),
        found == maintenance_.services.end() ? MaintenanceCover::kNone : found->second, now_ms,
        changes);
  }
  rulesLog()->info(
      "maintenance applied hosts={} components={} services={} covered_components={} "
      "state_changes={}",
      maintenance_.hosts.size(), maintenance_.components.size(), maintenance_.services.size(),
      covered, changes.size());
  publish(changes);
}

size_t ServiceEngine::acknowledge(const ComponentQuery& query, std::optional<Acknowledgement> ack,
                                  int64_t now_ms) {
  std::unique_lock lock(mutex_);
  advanceClock(now_ms);
  std::vector<StateChange> changes;
  size_t changed = 0;
  for (const ComponentId id : matchComponents(query)) {
    const bool was = graph_->component(id).acknowledged;
    const bool now = graph_->setAcknowledged(id, ack, now_ms, changes);
    // A second acknowledgement of the same problem replaces the comment: a change too.
    changed += was != now || (ack.has_value() && now) ? 1 : 0;
  }
  rulesLog()->info("{} component={} host={} name={} author=\"{}\" comment=\"{}\" changed={}",
                   ack ? "acknowledged" : "acknowledgement removed",
                   query.name.empty() ? "all" : query.name, query.host, query.name,
                   ack ? ack->author : "", ack ? ack->comment : "", changed);
  publish(changes);
  return changed;
}

EngineStats ServiceEngine::stats() const {
  std::shared_lock lock(mutex_);
  EngineStats stats;
  stats.services = graph_->serviceCount();
  stats.components = graph_->componentCount();
  stats.series = series_.size();
  stats.agents = agents_.size();
  stats.points_applied = points_applied_;
  stats.points_out_of_order = points_out_of_order_;
  stats.batches_rejected = batches_rejected_;
  stats.series_rejected = series_rejected_;
  stats.state_changes = state_changes_;
  return stats;
}

}  // namespace bsm::server
