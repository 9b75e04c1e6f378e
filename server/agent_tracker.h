#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <queue>
#include <string>
#include <tuple>
#include <vector>

#include "server/series_key.h"
#include "server/state_store.h"
#include "server/views.h"

namespace bsm::server {

// What the engine knows about one agent.
struct TrackedAgent {
  std::string id;
  std::string address;  // of the current or latest session
  int sessions = 0;     // open sessions; more than one while a reconnect overlaps the old one
  int64_t last_seen_ms = 0;
  int64_t disconnected_since_ms = 0;  // while sessions == 0 after a disconnect
  bool gone = false;                  // disconnected for longer than the grace period
  int64_t last_saved_ms = 0;          // last contact written to the state store
  std::vector<SeriesId> series;       // the series it owns (defined last)
};

// The agents, their sessions and their grace periods. Grace deadlines wait in a min-heap, so
// that expiring them costs nothing while no agent is disconnected.
class AgentTracker {
 public:
  explicit AgentTracker(std::chrono::milliseconds grace) : grace_(grace) {}

  // Agents known from an earlier run, shown as disconnected until they come back.
  void restore(const std::vector<AgentRecord>& records);

  TrackedAgent& get(const std::string& id);  // created on first use
  const TrackedAgent* find(const std::string& id) const;

  // A session opened. Returns true when the agent was gone, so its components need a new look.
  bool connected(const std::string& id, const std::string& address, int64_t now_ms);
  // A session closed. The grace period starts once no session is left.
  void disconnected(const std::string& id, int64_t now_ms);
  void seen(const std::string& id, int64_t now_ms);

  // The agents whose grace period ended by now_ms; they are marked gone.
  std::vector<std::string> expire(int64_t now_ms);

  // Moves a series to another owner (a device polled by a new agent).
  void transfer(SeriesId series, const std::string& from, const std::string& to);

  std::vector<AgentView> views() const;
  size_t size() const { return agents_.size(); }

 private:
  std::chrono::milliseconds grace_;
  std::map<std::string, TrackedAgent> agents_;
  // (deadline, disconnected_since, id): an entry is current only while the agent is still
  // disconnected since that same time; reconnects leave stale entries that expire() skips.
  using Deadline = std::tuple<int64_t, int64_t, std::string>;
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
};

}  // namespace bsm::server
