#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/state_store.h"

namespace bsm::server {

class AgentSession;

// Which session speaks for which agent, and the highest batch sequence applied per agent (the
// key to exactly-once application of at-least-once deliveries). Used from the stream's I/O
// thread only.
class AgentRegistry {
 public:
  // With a store, applied sequences survive a server restart: the store is read here and
  // written after every applied batch.
  explicit AgentRegistry(StateStore* store = nullptr);

  // Makes `session` the one for `agent_id` and returns the session it replaces, if any, so
  // the caller can close it: an agent that reconnects before its old TCP connection timed out
  // must not have two sessions interleaving its batches.
  std::shared_ptr<AgentSession> attach(const std::string& agent_id,
                                       std::shared_ptr<AgentSession> session);
  // Forgets `session` if it is still the current one; returns whether it was.
  bool detach(const std::string& agent_id, const AgentSession* session);

  // Every agent's current session, for closing them all at shutdown.
  std::vector<std::shared_ptr<AgentSession>> sessions() const;

  uint64_t lastApplied(const std::string& agent_id) const;
  void setLastApplied(const std::string& agent_id, uint64_t seq, const std::string& address,
                      int64_t now_ms);

 private:
  struct Entry {
    std::weak_ptr<AgentSession> session;
    uint64_t last_applied = 0;
  };
  StateStore* store_;
  std::unordered_map<std::string, Entry> agents_;
};

}  // namespace bsm::server
