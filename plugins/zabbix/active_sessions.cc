#include "plugins/zabbix/active_sessions.h"

namespace bsm::plugins::zabbix {

bool ActiveSessions::take(const std::string& session, uint64_t id) {
  auto it = sessions_.find(session);
  if (it == sessions_.end()) {
    if (sessions_.size() >= capacity_ && !recency_.empty()) {
      sessions_.erase(recency_.back());
      recency_.pop_back();
    }
    recency_.push_front(session);
    it = sessions_.emplace(session, Session{0, recency_.begin()}).first;
  } else {
    recency_.splice(recency_.begin(), recency_, it->second.recency);
  }

  if (id <= it->second.highest_id) {
    return false;
  }
  it->second.highest_id = id;
  return true;
}

}  // namespace bsm::plugins::zabbix
