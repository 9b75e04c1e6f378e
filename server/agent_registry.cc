#include "server/agent_registry.h"

namespace bsm::server {

AgentRegistry::AgentRegistry(StateStore* store) : store_(store) {
  if (store_ != nullptr) {
    for (const auto& record : store_->loadAgents()) {
      agents_[record.id].last_applied = record.last_applied_seq;
    }
  }
}

std::shared_ptr<AgentSession> AgentRegistry::attach(const std::string& agent_id,
                                                    std::shared_ptr<AgentSession> session) {
  Entry& entry = agents_[agent_id];
  std::shared_ptr<AgentSession> previous = entry.session.lock();
  entry.session = std::move(session);
  return previous;
}

bool AgentRegistry::detach(const std::string& agent_id, const AgentSession* session) {
  auto it = agents_.find(agent_id);
  if (it == agents_.end() || it->second.session.lock().get() != session) {
    return false;
  }
  it->second.session.reset();
  return true;
}

std::vector<std::shared_ptr<AgentSession>> AgentRegistry::sessions() const {
  std::vector<std::shared_ptr<AgentSession>> out;
  for (const auto& [id, entry] : agents_) {
    if (auto session = entry.session.lock()) {
      out.push_back(std::move(session));
    }
  }
  return out;
}

uint64_t AgentRegistry::lastApplied(const std::string& agent_id) const {
  auto it = agents_.find(agent_id);
  return it == agents_.end() ? 0 : it->second.last_applied;
}

void AgentRegistry::setLastApplied(const std::string& agent_id, uint64_t seq,
                                   const std::string& address, int64_t now_ms) {
  agents_[agent_id].last_applied = seq;
  if (store_ != nullptr) {
    store_->saveAgent({agent_id, address, now_ms, seq});
  }
}

}  // namespace bsm::server
