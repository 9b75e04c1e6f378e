#include "server/agent_tracker.h"

#include <algorithm>

namespace bsm::server {

void AgentTracker::restore(const std::vector<AgentRecord>& records) {
  for (const auto& record : records) {
    TrackedAgent& agent = get(record.id);
    agent.address = record.address;
    agent.last_seen_ms = record.last_seen_ms;
    agent.last_saved_ms = record.last_seen_ms;
  }
}

TrackedAgent& AgentTracker::get(const std::string& id) {
  auto [it, inserted] = agents_.try_emplace(id);
  if (inserted) {
    it->second.id = id;
  }
  return it->second;
}

const TrackedAgent* AgentTracker::find(const std::string& id) const {
  const auto found = agents_.find(id);
  return found == agents_.end() ? nullptr : &found->second;
}

bool AgentTracker::connected(const std::string& id, const std::string& address, int64_t now_ms) {
  TrackedAgent& agent = get(id);
  const bool was_gone = agent.gone;
  ++agent.sessions;
  agent.address = address;
  agent.last_seen_ms = std::max(agent.last_seen_ms, now_ms);
  agent.disconnected_since_ms = 0;
  agent.gone = false;
  return was_gone;
}

void AgentTracker::disconnected(const std::string& id, int64_t now_ms) {
  TrackedAgent& agent = get(id);
  agent.sessions = std::max(0, agent.sessions - 1);
  agent.last_seen_ms = std::max(agent.last_seen_ms, now_ms);
  if (agent.sessions > 0 || agent.disconnected_since_ms != 0) {
    return;  // another session still carries it, or the grace period already runs
  }
  agent.disconnected_since_ms = now_ms;
  deadlines_.emplace(now_ms + grace_.count(), now_ms, id);
}

void AgentTracker::seen(const std::string& id, int64_t now_ms) {
  TrackedAgent& agent = get(id);
  agent.last_seen_ms = std::max(agent.last_seen_ms, now_ms);
}

std::vector<std::string> AgentTracker::expire(int64_t now_ms) {
  std::vector<std::string> expired;
  while (!deadlines_.empty() && std::get<0>(deadlines_.top()) <= now_ms) {
    const auto [deadline, since, id] = deadlines_.top();
    deadlines_.pop();
    const auto found = agents_.find(id);
    if (found == agents_.end()) {
      continue;
    }
    TrackedAgent& agent = found->second;
    if (agent.sessions == 0 && !agent.gone && agent.disconnected_since_ms == since) {
      agent.gone = true;
      expired.push_back(id);
    }
  }
  return expired;
}

void AgentTracker::transfer(SeriesId series, const std::string& from, const std::string& to) {
  if (const auto found = agents_.find(from); found != agents_.end()) {
    auto& owned = found->second.series;
    owned.erase(std::remove(owned.begin(), owned.end(), series), owned.end());
  }
  get(to).series.push_back(series);
}

std::vector<AgentView> AgentTracker::views() const {
  std::vector<AgentView> out;
  out.reserve(agents_.size());
  for (const auto& [id, agent] : agents_) {
    out.push_back(AgentView{id, agent.sessions > 0, agent.last_seen_ms, agent.address});
  }
  return out;
}

}  // namespace bsm::server
